"""Every page opens in a real browser; a survey uploaded on the Data page is validated and saved."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from agora.ui.navigation import PAGES

from .conftest import run_app
from .helpers import EVIL_NAME, map_frame, open_app, screenshot


def first_centre(workspace_path) -> str:
    from agora.store.workspace import Workspace

    return Workspace(workspace_path).read("centres")["centre_id"].iloc[0]


@pytest.mark.parametrize("spec", PAGES, ids=[p.title for p in PAGES])
def test_every_page_opens(page, app_url, app_workspace, shots, spec):
    stem = spec.path.removeprefix("pages/").removesuffix(".py")
    path = "/" if spec is PAGES[0] else f"/{stem}"
    open_app(page, app_url, f"{path}?town={first_centre(app_workspace)}")
    menu = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]')
    expect(menu).to_have_count(len(PAGES))
    if page.locator('iframe[title="streamlit_folium.st_folium"]:visible').count():
        assert map_frame(page).locator("path.leaflet-interactive").count() > 0  # the map's data layer drew
    screenshot(page, shots, f"page-{stem}")
    assert page.dialogs == []


def test_upload_validate_and_save_a_survey(page, browser, tmp_path, _log_dir, shots):
    from agora.store.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    centre = ws.read("centres").iloc[0]
    spot = centre.geometry.representative_point()
    survey = tmp_path / "walk-round survey.csv"
    pd.DataFrame({
        "Trading name": ["Crumbs Bakery", EVIL_NAME, "Nowhere"],
        "Use": ["bakery", "gift", "books"],
        "Latitude": [spot.y, spot.y + 0.0002, 95.0],
        "Longitude": [spot.x, spot.x + 0.0002, spot.x],
    }).to_csv(survey, index=False)
    with run_app(tmp_path / "ws", _log_dir) as url:
        open_app(page, url, "/data")
        page.get_by_role("tab", name="Add a file").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(survey))
        metric = page.locator('[data-testid="stMetric"]:visible', has_text="Rows rejected")
        expect(metric).to_contain_text("1", timeout=60_000)
        expect(page.get_by_text(re.compile("coordinates outside the Earth")).first).to_be_attached()  # a table cell
        expect(page.get_by_text(EVIL_NAME).first).to_be_attached()  # the preview table shows it as text
        screenshot(page, shots, "data-upload-report")
        outside = int(page.locator('[data-testid="stMetric"]:visible', has_text="Outside every centre")
                      .locator('[data-testid="stMetricValue"]').inner_text())
        if outside:  # one of the two kept units may fall just outside the demo boundary
            page.get_by_text(re.compile("Draw a new centre around")).click()
            page.get_by_label("Name of the new centre").fill("Survey Corner")
            page.get_by_label("Name of the new centre").press("Enter")
        page.get_by_role("button", name="Save to the workspace").click()
        expect(page.get_by_text("Saved 2 rows")).to_be_visible(timeout=60_000)
    saved = [d for d in ws.datasets("units") if not d.meta.get("demo")]
    assert len(saved) == 1 and saved[0].rows == 2
    units = ws.read("units")
    mine = units[units["source"] == survey.name]
    assert mine["centre_id"].notna().all()  # every saved unit is in a centre, old or drawn
    assert (mine["centre_id"] == "survey-corner").sum() == outside
    if outside:
        assert "survey-corner" in set(ws.read("centres")["centre_id"])
    assert saved[0].meta["report"]["rejected"] == [{"row": 4, "reason": "coordinates outside the Earth (latitude 95, longitude "
                                                   f"{spot.x:g})"}]
    assert page.dialogs == [] and page.locator("img[src='x']").count() == 0
