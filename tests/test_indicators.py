"""The indicator registry and table: one row per centre, figures from the modules that own them, missing stays missing."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from agora.analysis import indicators
from agora.analysis.indicators import (
    AREA_INDICATORS,
    DEFAULT_COMPARE,
    DIRECTIONS,
    ID_COLUMNS,
    INDICATORS,
    area_rows,
    indicator_table,
)
from agora.layers import LAYERS


@pytest.fixture(scope="module")
def demo_layers(tmp_path_factory):
    from agora.analysis.ownership import classify_ownership
    from agora.store.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("ws"))
    layers = {name: ws.read(name) for name in LAYERS}
    assert len(layers["centres"]), "demo towns missing (data/demo)"
    layers["units"] = classify_ownership(layers["units"])
    return layers


@pytest.fixture(scope="module")
def demo_table(demo_layers):
    return indicator_table(demo_layers)


def test_registry_is_complete():
    assert len(INDICATORS) == len({i.id for i in INDICATORS.values()})
    for ind in INDICATORS.values():
        assert ind.label and ind.definition and ind.unit
        assert ind.direction in DIRECTIONS
        assert callable(ind.compute)
        assert ind.kind in ("number", "category")
    assert set(DEFAULT_COMPARE) <= set(INDICATORS)
    assert set(AREA_INDICATORS) <= set(INDICATORS)
    assert INDICATORS["vacancy_rate"].direction == "higher_worse"
    assert INDICATORS["share_independent"].direction == "higher_better"
    assert INDICATORS["units"].direction == "neutral"
    defs = indicators.definitions()
    assert list(defs["id"]) == list(INDICATORS)


def test_formats():
    assert INDICATORS["vacancy_rate"].format(0.125) == "12.5%"
    assert INDICATORS["vacancy_change"].format(-3.14) == "-3.1 pts"
    assert INDICATORS["units"].format(1234.0) == "1,234"
    assert INDICATORS["footfall_yoy"].format(np.nan) == "–"
    assert INDICATORS["nef2005_class"].format("home town") == "home town"


def test_one_row_per_demo_centre(demo_layers, demo_table):
    centres = demo_layers["centres"]
    assert sorted(demo_table["centre_id"]) == sorted(centres["centre_id"])
    assert list(demo_table.columns[: len(ID_COLUMNS)]) == ID_COLUMNS
    assert (demo_table["level"] == "workspace").all()
    numeric = [i for i in INDICATORS if INDICATORS[i].kind == "number" and i in demo_table]
    assert all(demo_table[c].dtype == "float64" for c in numeric)
    assert {"units_vacancy", "clone", "footfall", "assets"} <= set(demo_table.attrs["timings"])


def test_figures_match_the_modules_that_own_them(demo_layers, demo_table):
    from agora.analysis import clone, footfall, vacancy
    from agora.analysis.headline import share_independent

    units = demo_layers["units"]
    table = demo_table.set_index("centre_id")
    for cid in table.index:
        mine = units[units["centre_id"] == cid]
        latest = vacancy.latest_survey(mine)
        overall = vacancy.vacancy_table(latest, by=())
        assert table.at[cid, "units"] == len(latest)
        assert table.at[cid, "vacancy_rate"] == pytest.approx(overall["vacancy_rate"].iloc[0])
        # two demo surveys: change in points, by an independent count
        dates = sorted(mine["observed_on"].dt.normalize().unique())
        rates = []
        for day in (dates[0], dates[-1]):
            status = mine.loc[mine["observed_on"].dt.normalize() == day, "status"]
            rates.append((status == "vacant").sum() / status.isin(["vacant", "occupied"]).sum())
        assert table.at[cid, "vacancy_change"] == pytest.approx((rates[1] - rates[0]) * 100)
        assert table.at[cid, "share_independent"] == pytest.approx(share_independent(latest))
        summary = clone.diagnose_centre(mine, clone.CloneSettings()).summary  # as the Clone town page
        assert table.at[cid, "nef2005_score"] == pytest.approx(summary["nef2005_score"])
        assert table.at[cid, "nef2005_class"] == summary["nef2005_class"]
        assert table.at[cid, "shannon"] == pytest.approx(summary["shannon"])
        change = footfall.recent_change(demo_layers["footfall_counts"], demo_layers["footfall_sites"], cid)
        expected = np.nan if change is None or change["change_pct"] is None else change["change_pct"]
        assert table.at[cid, "footfall_yoy"] == pytest.approx(expected, nan_ok=True)
        assert 0 <= table.at[cid, "clone_ness"] <= 1
    # the four class shares are of occupied units with a known class plus vacant ones: with vacancy they make one
    shares = table[["comparison_share", "convenience_share", "leisure_share", "service_share"]].sum(axis=1)
    assert (shares > 0.5).all() and (shares < 1).all()


def test_area_is_measured_in_hectares(demo_layers, demo_table):
    centres = demo_layers["centres"].to_crs("EPSG:27700").set_index("centre_id")
    table = demo_table.set_index("centre_id")
    for cid in table.index:
        assert table.at[cid, "area_ha"] == pytest.approx(centres.geometry[cid].area / 10_000, rel=1e-3)


def test_missing_stays_missing_never_zero(demo_layers):
    layers = dict(demo_layers)
    empty = gpd.GeoDataFrame({"centre_id": ["empty-town"], "name": ["Empty Town"]},
                             geometry=[Point(-1.0, 52.0).buffer(0.002)], crs="EPSG:4326")
    layers["centres"] = pd.concat([demo_layers["centres"], empty], ignore_index=True)
    table = indicator_table(layers).set_index("centre_id")
    row = table.loc["empty-town"]
    for col in ("units", "vacancy_rate", "vacancy_change", "share_independent", "nef2005_score", "shannon",
                "footfall_yoy", "clone_ness"):
        assert pd.isna(row[col]), col
    assert pd.isna(row["nef2005_class"]) and pd.isna(row["footfall_signature"])
    assert row["size_band"] == "size not known"
    assert row["area_ha"] > 0
    # without an assets layer, counts are unknown, not zero
    no_assets = indicator_table({**layers, "assets": layers["assets"].iloc[0:0]})
    assert no_assets["assets_total"].isna().all()


def test_only_the_indicators_asked_for():
    cdrc = pd.DataFrame({
        "centre_id": ["TC1", "TC1"], "name": ["Town"] * 2, "year": [2009, 2014], "level": "town_centre",
        "premises": [100, 120], "vacant": [5, 12], "vacant_share": [0.05, 0.1], "comparison_share": [0.4, 0.4],
        "convenience_share": [0.2, 0.2], "leisure_share": [0.2, 0.15], "services_share": [0.15, 0.15],
        "name_key": ["town"] * 2, "source": "test"})
    table = indicator_table({}, area=cdrc, indicators=["vacancy_rate"])
    assert list(table.columns) == ID_COLUMNS + ["units", "vacancy_rate"]
    assert table.loc[0, "units"] == 120 and table.loc[0, "vacancy_rate"] == 0.1


# --------------------------------------------------------------------------- area-level tables

CDRC = b"""TC2004_ID,NAME,TotalOfPremise,Comparison_Prop,Convenience_Prop,Leisure_Prop,Services_Prop,Vacant_Prop
TC0001,Exeter,100,0.5,0.1,0.2,0.1,0.1
TC0002,Aberdare,40,0.5,0.05,0.1,0.25,0.1
RC0001,Aberdare Retail Core,25,0.56,0.04,0,0.36,0.04
TC0003,Nowhere,NA,NA,NA,NA,NA,NA"""


def _cdrc(year: int, text: bytes = CDRC, retail_cores: bool = True) -> pd.DataFrame:
    from agora.loaders.area_indicators import load_cdrc_town_centres

    return load_cdrc_town_centres(text, filename=f"tc_{year}.csv", retail_cores=retail_cores).data


def test_area_rows_latest_year_and_change():
    later = CDRC.replace(b"TC0002,Aberdare,40,0.5,0.05,0.1,0.25,0.1", b"TC0002,Aberdare,50,0.5,0.05,0.1,0.15,0.2")
    rows = area_rows(pd.concat([_cdrc(2009), _cdrc(2014, later)]))
    assert list(rows.index) == ["TC0001", "TC0002", "TC0003"]  # the retail core is not a centre
    assert rows.at["TC0002", "units"] == 50 and rows.at["TC0002", "vacancy_rate"] == 0.2
    assert rows.at["TC0002", "vacancy_change"] == pytest.approx(10.0)
    assert rows.at["TC0002", "service_share"] == 0.15
    assert rows.at["TC0002", "data_date"] == "2014"
    assert pd.isna(rows.at["TC0003", "units"]) and pd.isna(rows.at["TC0003", "vacancy_change"])
    one_year = area_rows(_cdrc(2014))
    assert one_year["vacancy_change"].isna().all()


def test_area_centres_join_the_table_and_matched_ones_are_not_doubled(demo_layers):
    layers = dict(demo_layers)
    exeter = gpd.GeoDataFrame({"centre_id": ["exeter"], "name": ["Exeter"]},
                              geometry=[Point(-3.53, 50.72).buffer(0.003)], crs="EPSG:4326")
    layers["centres"] = pd.concat([demo_layers["centres"], exeter], ignore_index=True)
    table = indicator_table(layers, area=pd.concat([_cdrc(2009), _cdrc(2014)])).set_index("centre_id")
    # our Exeter (no units) takes the area figures; TC0001 is not added a second time
    assert "TC0001" not in table.index
    assert table.at["exeter", "units"] == 100 and table.at["exeter", "vacancy_rate"] == 0.1
    assert "CDRC" in table.at["exeter", "sources"]
    assert table.at["TC0002", "name"] == "Aberdare" and table.at["TC0002", "level"] == "town_centre"
    assert not any(i.startswith("RC") for i in table.index)
    assert pd.isna(table.at["TC0002", "nef2005_score"]) and pd.isna(table.at["TC0002", "footfall_yoy"])
    # demo towns keep their own figures
    castle = demo_layers["centres"]["centre_id"].iloc[0]
    assert table.at[castle, "sources"] == "workspace"


def test_cdrc_tables_as_centres(realdata):
    from agora.loaders.area_indicators import load_cdrc_folder

    folder = realdata / "cdrc_town_centre_vacancy"
    if not folder.is_dir():
        pytest.skip("CDRC tables not present")
    both_levels = load_cdrc_folder(folder, retail_cores=True).data
    assert (both_levels["level"] == "retail_core").any()
    table = indicator_table({}, area=both_levels)
    assert len(table) == 1289
    assert table["centre_id"].str.startswith("TC").all()
    assert (table["level"] == "town_centre").all()
    assert table["data_date"].eq("2014").all()
    # check figures of SOURCE.txt: 1,264 centres with 2014 data, 214,670 premises, 27,055 vacant
    assert table["units"].notna().sum() == 1264
    assert table["units"].sum() == 214_670
    assert (table["units"] * table["vacancy_rate"]).sum() == pytest.approx(27_055, abs=30)
    by_id = table.set_index("centre_id")
    assert by_id.at["TC0456", "name"] == "Exeter"
    assert by_id.at["TC0456", "units"] == 720
    assert by_id.at["TC0456", "vacancy_rate"] == pytest.approx(0.089, abs=0.0005)
    assert by_id.at["TC0600", "vacancy_change"] == pytest.approx(23.1, abs=0.05)  # Hebden Bridge 0% -> 23.1%
    assert by_id.at["TC1434", "vacancy_change"] == pytest.approx(6.7 - 8.5, abs=0.1)  # York
    # unsurveyed centres have no figures, not zeros
    assert table["vacancy_rate"].isna().sum() == 25
    assert (table["units"] > 0).sum() == 1264
