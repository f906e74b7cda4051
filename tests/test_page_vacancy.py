"""Vacancy page: headline and change, survey choice from the URL, area-level figures, real survey."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from agora.analysis import vacancy
from agora.loaders import load_centres, load_units
from agora.loaders.area_indicators import load_cdrc_town_centres
from agora.store import indicators
from agora.store.workspace import Workspace
from apptest import run_page
from test_vacancy import SURVEYS

BOX = shapely.box(-2.0160, 53.7405, -2.0145, 53.7420)  # holds every unit of SURVEYS


def fresh_workspace(tmp_path, monkeypatch) -> Workspace:
    """An empty workspace (no demo) that the app will open."""
    monkeypatch.setenv("AGORA_WORKSPACE", str(tmp_path / "ws"))
    return Workspace(tmp_path / "ws", seed_demo=False)


@pytest.fixture
def ws(tmp_path, monkeypatch):
    ws = fresh_workspace(tmp_path, monkeypatch)
    centres = gpd.GeoDataFrame({"centre_id": ["hs", "empty"], "name": ["High Street", "Nowhere"]},
                               geometry=[BOX, shapely.box(0, 51, 0.01, 51.01)], crs="EPSG:4326")
    loaded = load_centres(centres, filename="centres.geojson")
    ws.save(loaded)
    ws.save(load_units(SURVEYS.encode(), filename="surveys.csv", centres=loaded.data))
    return ws


def metrics(at) -> dict:
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_headline_with_change(ws):
    at = run_page("vacancy", town="hs")
    assert not at.exception, at.exception
    units = ws.read("units")
    rates = vacancy.vacancy_table(units, by=["survey_date"])
    before, after = rates["vacancy_rate"].tolist()
    shown = metrics(at)
    assert shown["Vacancy rate"][0] == f"{after:.1%}" == "57.1%"
    assert shown["Vacancy rate"][1] == f"{(after - before) * 100:+.1f} pts"
    assert shown["Vacant units"][0] == "4" and shown["Long-term vacant"][0] == "2"
    headings = [s.value for s in at.subheader]
    for heading in ("Where the empty units are", "Rate over the surveys", "By street", "By type",
                    "Long-term vacant units", "Changes since 01 Mar 2024", "Area-level figures"):
        assert heading in headings
    assert len(at.get("download_button")) >= 6  # a CSV beside every chart and table


def test_survey_and_comparison_from_the_url(ws):
    at = run_page("vacancy", town="hs", survey="2024-03-01")
    assert not at.exception, at.exception
    assert at.main.selectbox[1].value == "2024-03-01"
    shown = metrics(at)
    assert shown["Vacancy rate"] == ("60.0%", "") and shown["Status unknown"][0] == "1"
    at = run_page("vacancy", town="hs", compare="no comparison")
    assert metrics(at)["Vacancy rate"] == ("57.1%", "")


def test_area_level_figures_for_the_town(ws):
    for year, share in ((2009, 0.1), (2014, 0.25)):
        table = ("TC2004_ID,NAME,TotalOfPremise,Comparison_Prop,Convenience_Prop,Leisure_Prop,Services_Prop,"
                 f"Vacant_Prop\nTC0001,High Street,40,0.5,0.05,0.1,0.1,{share}\n"
                 "RC0001,High Street Retail Core,20,0.5,0.05,0.1,0.25,0.5\n")
        indicators.save_indicators(ws.path, load_cdrc_town_centres(table.encode(), filename=f"tc_{year}.csv"))
    at = run_page("vacancy", town="hs")
    assert not at.exception, at.exception
    assert metrics(at)["Vacancy 2014 (published, High Street)"] == ("25.0%", "+15.0 pts since 2009")
    assert any("Local Data Company" in c.value for c in at.caption)


def test_town_without_units(ws):
    at = run_page("vacancy", town="empty")
    assert not at.exception, at.exception
    assert any("No units" in i.value for i in at.info)
    assert "Area-level figures" in [s.value for s in at.subheader]


def test_demo_towns(workspace):
    centres = workspace.read("centres")
    if centres.empty:
        at = run_page("vacancy")
        assert not at.exception and any("No centres" in i.value for i in at.info)
    for centre_id in centres["centre_id"]:
        at = run_page("vacancy", town=centre_id)
        assert not at.exception, (centre_id, at.exception)


def test_hebden_bridge_survey(realdata, tmp_path, monkeypatch):
    ws = fresh_workspace(tmp_path, monkeypatch)
    units = load_units(realdata / "hebden_bridge_places" / "hebden-places.geojson")
    hull = units.data.to_crs(27700).union_all().convex_hull.buffer(30)
    centres = load_centres(gpd.GeoDataFrame({"centre_id": ["hebden"], "name": ["Hebden Bridge"]},
                                            geometry=[hull], crs=27700), filename="hebden.geojson")
    ws.save(centres)
    ws.save(load_units(realdata / "hebden_bridge_places" / "hebden-places.geojson", centres=centres.data))
    at = run_page("vacancy", town="hebden")
    assert not at.exception, at.exception
    shown = metrics(at)
    assert shown["Vacancy rate"][0] == f"{14 / 206:.1%}" and shown["Vacant units"][0] == "14"
    assert shown["Status unknown"][0] == "9"
    assert any("One survey only" in i.value for i in at.info)
