"""The dashboard on a phone (390 x 844, touch): the town picker on the page, no sideways
scrolling, maps fitted to the town with legends that fold away."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .helpers import map_frame, map_features, open_app, pick_option, screenshot

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
SIDEBAR = '[data-testid="stSidebar"]'
OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"
# the centre boundary's bounds lie inside the map's view
BOUNDARY_IN_VIEW = """
() => {
    let inside = null;
    window.map.eachLayer(l => {
        if (l.feature && l.getBounds && l.feature.geometry.type.endsWith("Polygon")) {
            inside = (inside === null ? true : inside) && window.map.getBounds().contains(l.getBounds());
        }
    });
    return inside;
}
"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


@pytest.fixture(scope="module")
def centres(app_workspace):
    from agora.store.workspace import Workspace

    return Workspace(app_workspace).read("centres").sort_values("name")


def test_overview_on_a_phone(phone, app_url, centres, shots):
    page = phone
    open_app(page, app_url, "/")
    map_features(page, 0)
    # the sidebar starts closed; the town picker is at the top of the page itself
    assert page.locator(SIDEBAR).get_attribute("data-collapsed") == "true"
    picker = page.locator('.st-key-agora_town_bar [data-testid="stSelectbox"]')
    assert picker.is_visible()
    box = picker.bounding_box()
    assert box["y"] < 200 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate(OVERFLOW) <= 1
    frame = map_frame(page)
    assert frame.evaluate(BOUNDARY_IN_VIEW) is True
    # legends start folded on a narrow map and open and close from the keyboard
    toggle = frame.locator("button.agora-legend-toggle").first
    assert toggle.get_attribute("aria-expanded") == "false"
    body = frame.locator(".agora-legend-body").first
    assert not body.is_visible()
    screenshot(page, shots, "phone-overview")
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and body.is_visible()
    screenshot(page, shots, "phone-overview-legend", full_page=False)
    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "false" and not body.is_visible()

    # choosing another town on the page changes the page (and the address), sidebar still closed
    other = centres.iloc[-1]
    # typed: the list may not show every town at once on a phone
    pick_option(page, "agora_town_bar", str(other["name"]), exact=True)
    page.wait_for_function(f"() => location.search.includes('town={quote(str(other['centre_id']))}')")
    page.get_by_role("heading", name=str(other["name"])).wait_for()
    assert page.locator(SIDEBAR).get_attribute("data-collapsed") == "true"
    assert not page.errors, page.errors


def test_compare_on_a_phone(phone, app_url, centres, shots):
    page = phone
    two = "&".join(f"centres={quote(str(c))}" for c in centres["centre_id"].iloc[:2])
    open_app(page, app_url, "/compare")
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    assert page.evaluate(OVERFLOW) <= 1
    screenshot(page, shots, "phone-compare")
    open_app(page, app_url, f"/compare?{two}&view=Side+by+side")
    page.get_by_role("heading", name="Indicator by indicator").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').last.wait_for()
    page.wait_for_timeout(1000)
    # the centres' boxes stack instead of sitting side by side
    boxes = page.locator('[data-testid="stColumn"]:has([data-testid="stMetric"])')
    assert boxes.count() == 2
    first, second = boxes.nth(0).bounding_box(), boxes.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1
    assert page.evaluate(OVERFLOW) <= 1
    for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
        chart_box = chart.bounding_box()
        assert chart_box["x"] + chart_box["width"] <= 391, chart_box
    screenshot(page, shots, "phone-compare-side-by-side")
    assert not page.errors, page.errors
