"""Community assets page: headline, URL options, coverage table, register with expiring listings."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from agora.analysis import assets as analysis
from agora.loaders import load_assets, load_centres, load_units
from apptest import run_page
from test_page_vacancy import BOX, fresh_workspace
from test_vacancy import SURVEYS


@pytest.fixture
def ws(tmp_path, monkeypatch):
    ws = fresh_workspace(tmp_path, monkeypatch)
    centres = gpd.GeoDataFrame({"centre_id": ["hs", "bare"], "name": ["High Street", "Bare Town"]},
                               geometry=[BOX, shapely.box(0, 51, 0.01, 51.01)], crs="EPSG:4326")
    loaded = load_centres(centres, filename="centres.geojson")
    ws.save(loaded)
    ws.save(load_units(SURVEYS.encode(), filename="surveys.csv", centres=loaded.data))
    today = pd.Timestamp.today().normalize()
    register = pd.DataFrame({
        "Asset name": ["The <img src=x onerror=alert(1)> Lion", "Old Library", "St Mary Hall", "Far Toilets"],
        "Description": ["Pub", "Library", "Church hall", "Public toilets"],
        "Nominating group": ["Friends of the Lion", "Library group", "Parish", None],
        "Decision": ["Listed", "Listed", "Not listed", None],
        "Decision date": [(today - pd.DateOffset(years=5) + pd.DateOffset(days=100)).date().isoformat(),
                          "2024-01-01", "2023-01-01", None],
        "Expiry date": [(today + pd.DateOffset(days=100)).date().isoformat(), "2029-01-01", None, None],
        "lat": [53.7412, 53.7418, 53.7409, 53.7500], "lon": [-2.0150, -2.0158, -2.0147, -2.0300],
    })
    ws.save(load_assets(register, filename="acv_register.csv", centres=loaded.data))
    return ws


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_headline_and_expiring_listing(ws):
    at = run_page("assets", town="hs")
    assert not at.exception, at.exception
    assert metrics(at) == {"Assets": "3", "Categories": "3", "Listed as ACV": "2",
                           "Listings ending within 12 months": "1"}
    warning = at.warning[0].value
    assert "1 listing" in warning and "&lt;img src\\=x onerror\\=alert(1)&gt;" in warning  # escaped: shown as text
    assert [s.value for s in at.subheader] == ["Where they are", "Counts and 400 m coverage", "Register"]


def test_coverage_table_matches_the_analysis(ws):
    at = run_page("assets", town="hs")
    centre = ws.read("centres").query("centre_id == 'hs'")
    expected = analysis.summary(ws.read("assets"), centre, ws.read("units").query("centre_id == 'hs'"))
    expected = expected[expected["centre_id"] == "hs"].set_index("category")
    shown = at.dataframe[0].value.set_index("category")
    assert shown["count"].to_dict() == expected["count"].to_dict()
    assert shown["coverage_400m"].round(4).to_dict() == expected["coverage_400m"].astype(float).round(4).to_dict()
    assert shown.loc["library", "coverage_400m"] == 1.0  # a 150 m long street: every unit is near the library


def test_register_lists_expiring_first(ws):
    at = run_page("assets", town="hs")
    register = at.dataframe[1].value
    register = register.data if hasattr(register, "data") else register
    assert len(register) == 3
    assert register.iloc[0]["expiring_soon"] and register.iloc[0]["acv_status"] == "listed"
    assert not register.iloc[1:]["expiring_soon"].any()
    assert "nominated_by" in register.columns and "expires_on" in register.columns


def test_options_from_the_url(ws):
    at = run_page("assets", town="hs", reach="true", categories=["library", "pub"])
    assert not at.exception, at.exception
    assert at.main.toggle[0].value is True
    assert at.main.multiselect[0].value == ["library", "pub"]


def test_town_without_assets(ws):
    at = run_page("assets", town="bare")
    assert not at.exception, at.exception
    assert any("No community assets" in i.value for i in at.info)


def test_demo_towns(workspace):
    centres = workspace.read("centres")
    for centre_id in centres["centre_id"]:
        at = run_page("assets", town=centre_id)
        assert not at.exception, (centre_id, at.exception)


def test_real_libraries_and_camden_lists(realdata, tmp_path, monkeypatch):
    ws = fresh_workspace(tmp_path, monkeypatch)
    folder = realdata / "community_assets"
    toilets = load_assets(folder / "camden_public_conveniences.csv").data
    hull = toilets.to_crs(27700).union_all().convex_hull.buffer(10)
    centres = load_centres(gpd.GeoDataFrame({"centre_id": ["camden"], "name": ["Camden"]}, geometry=[hull],
                                            crs=27700), filename="camden.geojson")
    ws.save(centres)
    for name in ("england_public_libraries.csv", "camden_cultural_infrastructure.csv", "camden_public_conveniences.csv"):
        ws.save(load_assets(folder / name, centres=centres.data))
    at = run_page("assets", town="camden")
    assert not at.exception, at.exception
    counts = at.dataframe[0].value.set_index("category")["count"]
    inside = ws.read("assets").query("centre_id == 'camden'")["category"].value_counts()
    assert counts.to_dict() == inside.to_dict()
    assert counts["toilets"] == 53 and counts["pub"] > 100
