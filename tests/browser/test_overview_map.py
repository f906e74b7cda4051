"""The Overview map in a real browser: data layers draw offline, tooltips escape names."""

from __future__ import annotations

from urllib.parse import quote, urlparse

import pytest

from agora.ui.maps import escape_text

from .helpers import EVIL_NAME, TEMPLATE_NAME, map_frame, open_app, screenshot

# Find the malicious unit's marker, zoom to it and return where it is on the page.
LOCATE_UNIT = """
(name) => {
    const map = window.map;
    let target = null;
    map.eachLayer(l => {
        if (l.feature && l.feature.properties && l.feature.properties.name === name) { target = l; }
    });
    if (!target) { return null; }
    map.setView(target.getLatLng(), map.getMaxZoom(), {animate: false});
    target.bringToFront();
    const p = map.latLngToContainerPoint(target.getLatLng());
    const r = map.getContainer().getBoundingClientRect();
    return {x: r.left + p.x, y: r.top + p.y};
}
"""


@pytest.fixture(scope="module")
def centres(app_workspace):
    from agora.store.workspace import Workspace

    return Workspace(app_workspace).read("centres")


def latest_units(workspace, town: str) -> int:
    """How many units the town has in its latest survey."""
    from agora.store.workspace import Workspace

    units = Workspace(workspace).read("units")
    units = units[units["centre_id"] == town]
    return int((units["observed_on"] == units["observed_on"].max()).sum())


def offline(page) -> None:
    """Make base tiles fail as they do without internet, whatever this machine can reach."""
    page.route("https://*.openstreetmap.org/**", lambda route: route.abort("internetdisconnected"))


def test_overview_map_draws_on_first_request_to_a_fresh_server(page, start_app, app_workspace, centres, shots):
    town = centres["centre_id"].iloc[-1]
    expected = latest_units(app_workspace, town)
    assert expected > 0
    offline(page)
    with start_app() as url:
        open_app(page, url, f"/?town={quote(town)}")
        frame = map_frame(page)
        features = frame.locator("path.leaflet-interactive")
        assert features.count() > 0
        # every unit of the town's latest survey is drawn (plus boundary, sites, assets)
        assert features.count() >= expected
        note = frame.locator(".agora-offline-note")
        note.wait_for(timeout=15_000)
        assert "Base map unavailable offline" in note.inner_text()
        assert frame.locator(".leaflet-control-layers-overlays label").count() >= 2
        assert "OpenStreetMap" in frame.locator(".leaflet-control-attribution").inner_text()
        screenshot(page, shots, "overview-first-request")
        host = urlparse(url).netloc
        remote = [u for kind, u in page.requested
                  if kind in ("script", "stylesheet", "font") and urlparse(u).netloc != host]
        assert remote == [], "scripts and styles must come from the app itself"
        assert page.errors == []


def hover_unit(page, frame, name: str):
    """Zoom to the unit called `name`, hover it, and return its tooltip."""
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    iframe.scroll_into_view_if_needed()  # the pointer reaches only what is on the screen
    where = frame.evaluate(LOCATE_UNIT, escape_text(name))
    assert where is not None, f"unit {name!r} is not on the map"
    box = iframe.bounding_box()
    x, y = box["x"] + where["x"], box["y"] + where["y"]
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=5)
    tooltip = frame.locator(".leaflet-tooltip").filter(has_text=name)
    tooltip.wait_for(timeout=10_000)
    return tooltip, (x, y)


def test_tooltip_shows_a_malicious_name_as_text(page, app_url, centres, shots):
    town = centres["centre_id"].iloc[0]
    offline(page)
    open_app(page, app_url, f"/?town={quote(town)}")
    frame = map_frame(page)

    tooltip, (x, y) = hover_unit(page, frame, EVIL_NAME)
    assert EVIL_NAME in tooltip.inner_text()
    page.mouse.click(x, y)
    page.wait_for_timeout(500)
    screenshot(page, shots, "overview-malicious-tooltip", full_page=False)
    assert frame.locator('img[src="x"]').count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert page.dialogs == []

    tooltip, _ = hover_unit(page, frame, TEMPLATE_NAME)
    assert TEMPLATE_NAME in tooltip.inner_text()
