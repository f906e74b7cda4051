"""Map tools in a real browser: find a unit, filter the map, pick a unit from the table; on a desktop and a phone."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from .helpers import map_frame, map_features, open_app, pick_option, screenshot

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

# What the map draws: unit features, and the ring of the picked unit.
MAP_STATE = """
() => {
    const map = window.map;
    const units = [];
    let focus = null;
    map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.unit_id !== undefined) { units.push(p.unit_id); }
        if (l.options && l.options.className === "agora-focus") { focus = l; }
    });
    const out = {units: units, zoom: map.getZoom(), focus: null};
    if (focus) {
        const tip = focus.getTooltip();
        out.focus = {inView: map.getBounds().contains(focus.getLatLng()), open: focus.isTooltipOpen(),
                     label: tip ? tip.getElement().textContent : null};
    }
    return out;
}
"""


def map_state(page, ready, *, timeout: float = 60) -> dict:
    """The map's state once `ready(state)` holds (the map is redrawn in a new frame after a rerun)."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        try:
            state = map_frame(page).evaluate(MAP_STATE)
        except PlaywrightError:
            state = None
        if state is not None and ready(state):
            return state
        time.sleep(0.5)
    pytest.fail(f"the map did not reach the expected state within {timeout:.0f} s: {state}")


@pytest.fixture(scope="module")
def town(app_workspace):
    """The first demo town's id and its latest survey (as the Overview draws it)."""
    from agora.analysis import vacancy
    from agora.service import DataService

    svc = DataService(app_workspace, read_only=True)
    cid = str(svc.centres()["centre_id"].iloc[-1])
    return cid, vacancy.latest_survey(svc.town("units", cid))


def show_map(page) -> None:
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.scroll_into_view_if_needed()
    page.wait_for_timeout(800)


def test_find_filter_and_pick_from_the_table(page, app_url, town, shots):
    from agora.ui.maptools import unit_labels

    cid, latest = town
    labels = unit_labels(latest)
    open_app(page, app_url, f"/?town={quote(cid)}")
    state = map_state(page, lambda s: len(s["units"]) > 0)
    assert sorted(state["units"]) == sorted(latest["unit_id"]) and state["focus"] is None

    # find a unit by its id: the map zooms to it, ringed, its label open
    target = latest.index[len(latest) // 2]
    unit_id = str(latest.loc[target, "unit_id"])
    pick_option(page, "overview_search", unit_id, labels[target], exact=True)
    state = map_state(page, lambda s: s["focus"] is not None)
    assert state["focus"]["inView"] and state["focus"]["open"] and state["zoom"] >= 17
    assert unit_id in state["focus"]["label"] and state["focus"]["label"] == labels[target]
    show_map(page)
    screenshot(page, shots, "map-tools-search", full_page=False)

    # vacant only: the map draws the vacant units and says how many
    vacant = latest[latest["status"] == "vacant"]
    pick_option(page, "overview_status", "Vacant", "Vacant", exact=True)
    state = map_state(page, lambda s: len(s["units"]) == len(vacant))
    assert sorted(state["units"]) == sorted(vacant["unit_id"])
    page.get_by_text(f"Showing {len(vacant):,} of {len(latest):,} units (filtered).").wait_for()

    # a row of the table picks its unit: the third vacant unit (the table lists what the map draws)
    page.get_by_text("Units as a table").click()
    click_row(page, "overview_table", 2)
    picked = vacant.iloc[2]
    state = map_state(page, lambda s: s["focus"] is not None and str(picked["unit_id"]) in s["focus"]["label"])
    assert state["focus"]["inView"] and state["focus"]["open"]
    assert sorted(state["units"]) == sorted(vacant["unit_id"])  # the filter still holds
    screenshot(page, shots, "map-tools-table-row", full_page=False)
    show_map(page)
    screenshot(page, shots, "map-tools-table-row-map", full_page=False)
    assert page.errors == []


def test_map_tools_on_a_phone(browser, app_url, town, shots):
    from agora.ui.maptools import unit_labels

    cid, latest = town
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    try:
        open_app(page, app_url, f"/?town={quote(cid)}")
        map_features(page, 0)
        frame = map_frame(page)
        # the layer control is folded to its button on a narrow map, and opens on a tap
        control = frame.locator(".leaflet-control-layers")
        assert "leaflet-control-layers-expanded" not in control.get_attribute("class")
        show_map(page)
        screenshot(page, shots, "map-tools-phone", full_page=False)
        target = latest.index[0]
        name = str(latest.loc[target, "name"])
        pick_option(page, "overview_search", name, unit_labels(latest)[target], exact=True)
        state = map_state(page, lambda s: s["focus"] is not None)
        assert state["focus"]["inView"] and state["focus"]["open"]
        show_map(page)
        screenshot(page, shots, "map-tools-phone-search", full_page=False)
        assert page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth") <= 1
        assert page.errors == []
    finally:
        context.close()


def test_compare_map_names_the_centres_and_rings_the_chosen(page, app_url, app_workspace, shots):
    from agora.store.workspace import Workspace

    centres = Workspace(app_workspace).read("centres")
    two = "&".join(f"centres={quote(str(c))}" for c in centres["centre_id"].iloc[:2])
    open_app(page, app_url, f"/compare?{two}&view=Map")
    frame = map_frame(page)
    frame.locator(".leaflet-tooltip.agora-label").first.wait_for(timeout=30_000)
    labels = frame.locator(".leaflet-tooltip.agora-label")
    assert sorted(labels.all_inner_texts()) == sorted(centres["name"])
    chosen = frame.locator(".leaflet-tooltip.agora-label-chosen")
    assert sorted(chosen.all_inner_texts()) == sorted(centres["name"].iloc[:2])
    assert frame.locator("path.agora-chosen").count() == 2
    show_map(page)
    screenshot(page, shots, "map-tools-compare", full_page=False)


def test_profile_map_fits_a_phone(browser, app_url, town, shots):
    cid, _ = town
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        open_app(page, app_url, f"/profile?town={quote(cid)}")
        heading = page.get_by_role("heading", name="Map")
        heading.wait_for()
        chart = heading.locator("xpath=following::*[@data-testid='stVegaLiteChart'][1]")
        chart.wait_for()
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        drawn = chart.locator("svg, canvas").first
        drawn.wait_for()
        box = drawn.bounding_box()
        # as wide as the column (less the page's margins), not a fixed 560 px running off the screen
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["width"] > 300, box
        screenshot(page, shots, "map-tools-profile-phone", full_page=False)
    finally:
        context.close()



def click_row(page, key: str, row: int) -> None:
    """Tick the selection box of `row` (0 first) in the table with widget key `key`."""
    grid = page.locator(f'.st-key-{key} [data-testid="stDataFrame"]')
    grid.wait_for()
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 * (row + 1) + 17)  # header and rows are 35 px high


def test_vacancy_long_term_filter_and_table_row(page, app_url, app_workspace, town, shots):
    from agora.analysis import vacancy
    from agora.service import DataService
    from agora.ui.maptools import STATUS_CHOICES

    cid, latest = town
    units = DataService(app_workspace, read_only=True).town("units", cid)
    long_term = latest[latest["unit_id"].isin(vacancy.long_term_vacant(units)["unit_id"])]
    assert len(long_term) > 0
    open_app(page, app_url, f"/vacancy?town={quote(cid)}")
    map_state(page, lambda s: len(s["units"]) == len(latest))
    pick_option(page, "vacancy_status", "Long", STATUS_CHOICES["long_term"], exact=True)
    state = map_state(page, lambda s: len(s["units"]) == len(long_term))
    assert sorted(state["units"]) == sorted(long_term["unit_id"])
    page.get_by_text(f"Showing {len(long_term):,} of {len(latest):,} units (filtered).").wait_for()
    page.get_by_text("Vacant units as a table").click()
    click_row(page, "vacancy_table", 0)
    picked = str(long_term["unit_id"].iloc[0])
    state = map_state(page, lambda s: s["focus"] is not None and picked in s["focus"]["label"])
    assert state["focus"]["inView"] and state["focus"]["open"]
    show_map(page)
    screenshot(page, shots, "map-tools-vacancy-row", full_page=False)
    assert page.errors == []
