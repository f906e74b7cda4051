"""CSV downloads cannot run as spreadsheet formulas, and loaders keep formulas inert."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import shapely

from agora.loaders import load_centres, load_units
from agora.store.export import to_csv


def _read_back(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def test_text_cells_starting_a_formula_get_a_quote():
    table = pd.DataFrame({
        "name": ["=HYPERLINK(\"http://evil.example\")", "+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1", "Plain", None],
        "value": [-3.2, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
    })
    out = _read_back(to_csv(table))
    assert out["name"].tolist() == ["'=HYPERLINK(\"http://evil.example\")", "'+1", "'-2+3", "'@SUM(A1)",
                                    "'\t=1+1", "'\r=1", "Plain", ""]
    assert out["value"].iloc[0] == "-3.2"  # a number stays a number


def test_string_dtype_and_column_names_are_neutralised():
    table = pd.DataFrame({"=cmd": pd.array(["-x", "ok"], dtype="string"), "n": pd.array([-1, 2], dtype="Int64")})
    text = to_csv(table).decode()
    assert "\r\n" in text
    assert text.splitlines()[0] == "'=cmd,n"
    assert text.splitlines()[1] == "'-x,-1"


def test_units_and_chains_downloads_from_a_geo_table():
    table = gpd.GeoDataFrame({"name": ["=1+1", "Baker"], "brand": ["@evil", "-"]},
                             geometry=[shapely.Point(-2, 53), shapely.Point(-2.1, 53.1)], crs="EPSG:4326")
    out = _read_back(to_csv(table))
    assert out["name"].tolist() == ["'=1+1", "Baker"]
    assert out["brand"].tolist() == ["'@evil", "'-"]
    assert out["lon"].tolist() == ["-2.0", "-2.1"]


def test_loader_never_strips_a_tab_into_a_formula(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text('name,lat,lon\n"\t=1+1",53.74,-2.01\n"  Baker  ",53.74,-2.01\n\t+2,53.74,-2.01\n')
    names = load_units(path).data["name"].tolist()
    assert names == ["\t=1+1", "Baker", "\t+2"]
    centres = tmp_path / "centres.csv"
    centres.write_text('name,wkt\n"\t=1+1","POLYGON((0 50,0 51,1 51,1 50,0 50))"\n')
    assert load_centres(centres).data["name"].tolist() == ["\t=1+1"]
