"""Hostile and odd files: refused with one clear message, or read right and said so."""

from __future__ import annotations

import io
import json
import os
import struct
import time
import tracemalloc
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from agora.loaders import LoadError, load_centres, load_footfall_counts, load_units, read_source
from agora.loaders import read as read_module
from agora.loaders.read import LayerChoiceError, max_upload_mb, upload_cap_mb

UNITS = pd.DataFrame({"name": ["Crumbs", "Mug"], "shop": ["bakery", "cafe"],
                      "lat": [53.742, 53.743], "lon": [-2.011, -2.012]})


# --- archives ------------------------------------------------------------------------
def point_shapefile(n: int) -> dict[str, bytes]:
    """A shapefile of `n` points, made byte by byte as an attacker would: every record the same."""
    def header(length_words: int) -> bytes:
        return (struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length_words) + struct.pack("<2i", 1000, 1)
                + struct.pack("<8d", -2.01, 53.74, -2.01, 53.74, 0, 0, 0, 0))

    record = struct.pack(">2i", 1, 10) + struct.pack("<i2d", 1, -2.01, 53.74)
    shp = header((100 + 28 * n) // 2) + record * n
    shx = header((100 + 8 * n) // 2) + struct.pack(">2i", 50, 10) * n  # every index entry: the first record
    dbf = (struct.pack("<4BIHH20x", 3, 124, 1, 1, n, 65, 11)
           + b"name".ljust(11, b"\0") + b"C" + b"\0" * 4 + bytes([10, 0]) + b"\0" * 14 + b"\r"
           + b" Shop      " * n + b"\x1a")
    prj = b'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
    return {"units.shp": shp, "units.shx": shx, "units.dbf": dbf, "units.prj": prj}


def zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_the_hand_made_shapefile_is_valid():
    result = load_units(zip_of(point_shapefile(3)), filename="three.zip")
    assert result.data["name"].tolist() == ["Shop"] * 3


def test_million_row_zip_bomb_is_refused_before_unpacking():
    data = zip_of(point_shapefile(1_000_000))
    assert len(data) < 2**20  # a small upload
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(LoadError, match=r"bomb.zip: units\.\w+ would unpack to .* refused as a possible zip bomb"):
        load_units(data, filename="bomb.zip")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.perf_counter() - start < 5
    assert peak < 3 * len(data) + 2**20  # nothing was unpacked


def test_archive_unpacking_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setenv("AGORA_MAX_UPLOAD_MB", "1")
    files = {"a.shp": os.urandom(350_000).hex().encode(), "a.dbf": os.urandom(350_000).hex().encode(), "a.shx": b"x"}
    with pytest.raises(LoadError, match=r"big.zip: unpacked, the archive would be 1.34 MiB, over the limit of 1 MiB"):
        load_units(zip_of(files), filename="big.zip")


def test_archive_with_thousands_of_members_is_refused():
    with pytest.raises(LoadError, match="holds 1,001 files"):
        load_units(zip_of({f"{i}.txt": b"" for i in range(1001)}), filename="many.zip")


def test_zip_paths_never_leave_the_temporary_folder(tmp_path):
    shp = point_shapefile(2)
    files = {f"../../{k}": v for k, v in shp.items()}
    result = load_units(zip_of(files), filename="sneaky.zip")
    assert len(result.data) == 2
    assert not (tmp_path.parent.parent / "units.shp").exists()


def test_excel_bomb_is_refused(tmp_path):
    path = tmp_path / "survey.xlsx"
    UNITS.to_excel(path, index=False)
    with zipfile.ZipFile(path) as src:
        files = {i.filename: src.read(i) for i in src.infolist()}
    files["xl/media/padding.bin"] = b"\0" * (20 * 2**20)
    with pytest.raises(LoadError, match="padding.bin would unpack to 20 MiB .* zip bomb"):
        load_units(zip_of(files), filename="survey.xlsx")


def test_excel_over_the_row_limit_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(read_module, "EXCEL_MAX_ROWS", 50)
    path = tmp_path / "big.xlsx"
    pd.concat([UNITS] * 40).to_excel(path, index=False)
    with pytest.raises(LoadError, match=r"big.xlsx: the first sheet has 80 rows; an Excel file may have at most 50\. "
                                        r"Save the sheet as CSV"):
        load_units(path)
    monkeypatch.setattr(read_module, "EXCEL_MAX_ROWS", 80)
    assert len(load_units(path).data) == 80


def test_excel_without_a_declared_size_still_stops_at_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(read_module, "EXCEL_MAX_ROWS", 50)
    monkeypatch.setattr(read_module, "_excel_rows", lambda path: None)
    path = tmp_path / "big.xlsx"
    pd.concat([UNITS] * 40).to_excel(path, index=False)
    with pytest.raises(LoadError, match="big.xlsx: the first sheet has more rows; an Excel file may have at most 50"):
        load_units(path)


# --- the size limit ------------------------------------------------------------------
def test_one_limit_in_mib(monkeypatch):
    monkeypatch.delenv("AGORA_MAX_UPLOAD_MB", raising=False)
    assert max_upload_mb() == 200 and read_module.max_bytes() == 200 * 2**20 and upload_cap_mb() == 200
    monkeypatch.setenv("AGORA_MAX_UPLOAD_MB", "2.5")
    assert read_module.max_bytes() == int(2.5 * 2**20) and upload_cap_mb() == 3
    monkeypatch.setenv("AGORA_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ValueError, match="AGORA_MAX_UPLOAD_MB"):
        max_upload_mb()


def test_run_script_gives_streamlit_the_same_cap():
    from conftest import PROJECT

    script = (PROJECT / "run.sh").read_text()
    assert "--server.maxUploadSize" in script and "upload_cap_mb" in script


def test_a_stream_over_the_limit_is_refused_without_reading_it_whole(monkeypatch):
    monkeypatch.setenv("AGORA_MAX_UPLOAD_MB", "1")

    class Endless(io.RawIOBase):
        read_bytes = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            Endless.read_bytes += len(buffer)
            buffer[:] = b"a" * len(buffer)
            return len(buffer)

    with pytest.raises(LoadError, match="endless.csv: the file is .* over the limit of 1 MiB"):
        read_source(io.BufferedReader(Endless()), "endless.csv")
    assert Endless.read_bytes < 3 * 2**20


# --- silent misreads -----------------------------------------------------------------
@pytest.mark.parametrize("where", ["fields", "header"])
def test_shapefile_with_a_damaged_dbf_header_is_refused(where):
    files = point_shapefile(2)
    dbf = bytearray(files["units.dbf"])
    if where == "fields":
        dbf[32:64] = bytes(range(200, 232))
    else:
        dbf[0:12] = b"\xff" * 12
    files["units.dbf"] = bytes(dbf)
    with pytest.raises(LoadError, match=r"shops.zip: units.dbf: the attribute table is damaged.*every attribute would "
                                        r"be lost"):
        load_units(zip_of(files), filename="shops.zip")


@pytest.fixture
def two_layer_gpkg(tmp_path):
    path = tmp_path / "town.gpkg"
    gpd.GeoDataFrame({"name": ["Town"]}, geometry=[shapely.box(-2.02, 53.73, -2.0, 53.75)],
                     crs=4326).to_file(path, layer="centres")
    gpd.GeoDataFrame(UNITS[["name", "shop"]], geometry=gpd.points_from_xy(UNITS.lon, UNITS.lat),
                     crs=4326).to_file(path, layer="shops")
    return path


def test_geopackage_with_several_layers_asks_which(two_layer_gpkg):
    with pytest.raises(LayerChoiceError, match=r"town.gpkg: the GeoPackage holds 2 layers \('centres', 'shops'\); "
                                               r"say which one to load") as err:
        load_units(two_layer_gpkg)
    assert err.value.layers == ["centres", "shops"]


def test_geopackage_layer_picked_by_name(two_layer_gpkg):
    units = load_units(two_layer_gpkg, layer_name="shops")
    assert units.data["name"].tolist() == ["Crumbs", "Mug"]
    assert any("'shops'" in n for n in units.report.notes)
    assert load_centres(two_layer_gpkg, layer_name="centres").data["name"].tolist() == ["Town"]
    with pytest.raises(LoadError, match="no layer 'roads'; the GeoPackage holds 'centres', 'shops'"):
        load_units(two_layer_gpkg, layer_name="roads")


def test_geojson_declaring_british_grid_but_holding_degrees():
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
           "features": [{"type": "Feature", "properties": {"name": n},
                         "geometry": {"type": "Point", "coordinates": [lon, lat]}}
                        for n, lat, lon in zip(UNITS.name, UNITS.lat, UNITS.lon)]}
    result = load_units(json.dumps(doc).encode(), filename="shops.geojson")
    assert any("declares EPSG:27700 but its coordinates are longitude and latitude" in n for n in result.report.notes)
    x, y = result.data.geometry.iloc[0].x, result.data.geometry.iloc[0].y
    assert (round(x, 3), round(y, 3)) == (-2.011, 53.742)


def test_geojson_in_british_grid_stays_in_british_grid():
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
           "features": [{"type": "Feature", "properties": {"name": "Crumbs"},
                         "geometry": {"type": "Point", "coordinates": [399300, 426500]}}]}
    result = load_units(json.dumps(doc).encode(), filename="shops.geojson")
    assert not any("declares" in n for n in result.report.notes)
    assert 53 < result.data.geometry.iloc[0].y < 54


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "cp1252"])
def test_csv_encodings_detected(encoding):
    table = UNITS.assign(name=["Café Crème", "Mug"])
    result = load_units(table.to_csv(index=False).encode(encoding), filename="shops.csv")
    assert result.data["name"].tolist() == ["Café Crème", "Mug"]
    assert result.data.geometry.notna().all()
    if encoding.startswith("utf-16"):
        assert "read as UTF-16 text" in result.report.notes
    if encoding == "cp1252":
        assert "read as cp1252 text (not UTF-8)" in result.report.notes


def test_semicolon_csv_still_sniffed():
    result = load_units(UNITS.to_csv(index=False, sep=";").encode(), filename="shops.csv")
    assert result.data["name"].tolist() == ["Crumbs", "Mug"]


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "01/01/0001", "31/12/9999", "1899-06-01"])
def test_footfall_dates_outside_a_plausible_range_rejected(date):
    text = f"date,hour,site_id,count\n{date},10,a,5\n2024-05-01,10,a,7\n"
    result = load_footfall_counts(text.encode(), filename="counts.csv")
    assert result.data["timestamp"].dt.year.tolist() == [2024]
    assert result.report.rejected == [{"row": 2, "reason": f"date {date} is outside 1980-{pd.Timestamp.now().year + 1}"}]


def test_command_line_names_the_layers_and_takes_one(two_layer_gpkg, workspace, capsys):
    from agora.cli import main

    assert main(["validate", str(two_layer_gpkg), "--layer", "units", "--workspace", str(workspace.path)]) == 2
    assert "the GeoPackage holds 2 layers ('centres', 'shops')" in capsys.readouterr().err
    assert main(["validate", str(two_layer_gpkg), "--layer", "units", "--layer-name", "shops",
                 "--workspace", str(workspace.path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows_kept"] == 2
