"""The Vacancy and Community assets pages in a real browser: deep links, maps drawn, options kept in the URL."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlparse

from playwright.sync_api import expect

from .helpers import map_features, map_frame, open_app, screenshot


def _town(app_workspace):
    from agora.store.workspace import Workspace

    ws = Workspace(app_workspace)
    centres = ws.read("centres")
    return ws, centres["centre_id"].iloc[0], centres["name"].iloc[0]


def test_vacancy_deep_link_to_an_earlier_survey(page, app_url, app_workspace, shots):
    from agora.analysis import vacancy

    ws, town, name = _town(app_workspace)
    units = ws.read("units")
    units = units[units["centre_id"] == town]
    surveys = [d for d in vacancy.survey_list(units) if d == d]
    first = surveys[0].date().isoformat()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.route("https://*.openstreetmap.org/**", lambda route: route.abort("internetdisconnected"))
    open_app(page, app_url, f"/vacancy?town={quote(town)}&survey={first}")
    assert page.locator("h1").first.inner_text() == f"Vacancy in {name}"
    rate = vacancy.vacancy_table(units[vacancy.survey_dates(units) == surveys[0]], by=()).iloc[0]["vacancy_rate"]
    expect(page.locator('[data-testid="stMetricValue"]', has_text=f"{rate:.1%}").first).to_be_visible()
    frame = map_frame(page)
    assert frame.locator("path.leaflet-interactive").count() > 10
    assert parse_qs(urlparse(page.url).query).get("survey") == [first]
    screenshot(page, shots, "vacancy-first-survey")
    assert page.dialogs == [] and page.errors == []


def test_assets_reach_toggle_is_kept_in_the_url(page, app_url, app_workspace, shots):
    ws, town, name = _town(app_workspace)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.route("https://*.openstreetmap.org/**", lambda route: route.abort("internetdisconnected"))
    open_app(page, app_url, f"/assets?town={quote(town)}")
    assert page.locator("h1").first.inner_text() == f"Community assets in {name}"
    before = map_frame(page).locator("path.leaflet-interactive").count()
    page.locator('.st-key-agora_page_options label').filter(has_text="Show the 400 m reach").first.click()
    page.wait_for_function("() => window.location.search.includes('reach=true')", timeout=30_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    assert map_features(page, more_than=before) > before  # the 400 m circles
    screenshot(page, shots, "assets-reach")
    assert page.dialogs == [] and page.errors == []
