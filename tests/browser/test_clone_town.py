"""The Clone town page in a real browser: deep link, map of scored units, method kept in the URL."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlparse

from playwright.sync_api import expect

from .helpers import map_features, map_frame, open_app, screenshot


def test_clone_town_deep_link_and_method_in_the_url(page, app_url, app_workspace, shots):
    from agora.store.workspace import Workspace

    centres = Workspace(app_workspace).read("centres")
    town, name = centres["centre_id"].iloc[0], centres["name"].iloc[0]
    page.set_viewport_size({"width": 1400, "height": 1000})  # sidebar open
    page.route("https://*.openstreetmap.org/**", lambda route: route.abort("internetdisconnected"))
    open_app(page, app_url, f"/clone_town?town={quote(town)}&method=all")
    assert page.locator("h1").first.inner_text().startswith(f"Is {name} a clone town?")
    expect(page.get_by_text("Every unit in the centre").first).to_be_visible()
    frame = map_frame(page)
    assert frame.locator("path.leaflet-interactive").count() > 50
    query = parse_qs(urlparse(page.url).query)
    assert query.get("town") == [town] and query.get("method") == ["all"]
    screenshot(page, shots, "clone-town-all")
    # The URL path is the page's file name, so Streamlit never shows "Page not found" over it.
    assert page.get_by_role("dialog").count() == 0
    # choosing nef's walk rewrites the URL, so the link shared is the view seen
    page.locator('.st-key-agora_page_options label').filter(has_text="nef50").first.click()
    page.wait_for_function("() => !window.location.search.includes('method=all')", timeout=30_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    expect(page.get_by_text("nef's walk: 50 units from the heart").first).to_be_visible()
    map_features(page, more_than=0)  # the map is drawn again
    screenshot(page, shots, "clone-town-nef50")
    assert page.dialogs == [] and page.errors == []
