"""Small page helpers: how a change in vacancy is shown."""

from __future__ import annotations

import math

import pytest

from agora.ui.widgets import vacancy_delta


@pytest.mark.parametrize("change, delta, colour, arrow", [
    (4.06, "+4.1 pts", "inverse", None),   # a rise: red, up
    (-2.0, "-2.0 pts", "inverse", None),   # a fall: green, down
    (0.04, "+0.0 pts", "off", "off"),      # rounds to nothing: grey, no arrow
    (-0.049, "-0.0 pts", "off", "off"),
    (0.05 + 1e-9, "+0.1 pts", "inverse", None),
])
def test_vacancy_delta(change, delta, colour, arrow):
    shown = vacancy_delta(change)
    assert shown["delta"] == delta and shown["delta_color"] == colour and shown.get("delta_arrow") == arrow


def test_no_change_known_gives_no_delta():
    assert vacancy_delta(None) == {"delta": None} and vacancy_delta(math.nan) == {"delta": None}
    assert vacancy_delta(1.0, since="2014")["delta"] == "+1.0 pts since 2014"


def test_a_flat_rate_on_the_page_is_shown_without_a_rise(tmp_path, monkeypatch):
    import geopandas as gpd
    import shapely

    from agora.loaders import load_centres, load_units
    from agora.store.workspace import Workspace
    from apptest import run_page

    monkeypatch.setenv("AGORA_WORKSPACE", str(tmp_path / "ws"))
    ws = Workspace(tmp_path / "ws", seed_demo=False)
    centres = load_centres(gpd.GeoDataFrame({"centre_id": ["hs"], "name": ["High Street"]},
                                            geometry=[shapely.box(-2.02, 53.74, -2.01, 53.75)], crs=4326),
                           filename="centres.geojson")
    ws.save(centres)
    rows = ["unit_id,name,lat,lon,status,survey_date"]
    for date in ("2024-06-01", "2025-06-01"):  # the same two vacant of four in both surveys
        rows += [f"U{i},Shop {i},53.745,-2.015,{'vacant' if i < 2 else 'occupied'},{date}" for i in range(4)]
    ws.save(load_units("\n".join(rows).encode(), filename="surveys.csv", centres=centres.data))
    at = run_page("vacancy", town="hs")
    assert not at.exception, at.exception
    rate = next(m for m in at.metric if m.label == "Vacancy rate")
    assert rate.value == "50.0%" and rate.delta == "+0.0 pts"
    shown = str(rate.proto)
    assert "direction: NONE" in shown and "color: GRAY" in shown  # no red rise for no change
