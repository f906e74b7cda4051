"""Compare in a real browser: a link with two centres shows both; the profile opens from the URL."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from .helpers import open_app, screenshot


@pytest.fixture(scope="module")
def centres(app_workspace):
    from agora.store.workspace import Workspace

    return Workspace(app_workspace).read("centres").sort_values("name")


def test_two_centres_in_the_url_are_both_shown(page, app_url, centres, shots):
    a, b = centres.iloc[0], centres.iloc[-1]
    query = urlencode([("centres", a["centre_id"]), ("centres", b["centre_id"]), ("ind", "vacancy_rate"),
                       ("ind", "share_independent")])
    open_app(page, app_url, f"/compare?{query}")
    chosen = page.locator('[data-testid="stMultiSelect"]').nth(1)
    for name in (a["name"], b["name"]):
        chosen.get_by_text(name, exact=True).wait_for(timeout=30_000)
    page.get_by_role("tab", name="Side by side").click()
    panel = page.get_by_role("tabpanel", name="Side by side")
    for name in (a["name"], b["name"]):
        panel.get_by_text(name, exact=True).first.wait_for(timeout=30_000)
    # the URL keeps the selection (a link reproduces the comparison)
    assert f"centres={a['centre_id']}" in page.url and f"centres={b['centre_id']}" in page.url
    screenshot(page, shots, "compare-two-centres")
    assert not page.dialogs


def test_profile_from_the_url(page, app_url, centres, shots):
    town = centres.iloc[1]
    open_app(page, app_url, f"/profile?town={town['centre_id']}")
    page.get_by_role("heading", name=town["name"]).first.wait_for(timeout=30_000)
    page.get_by_text("Headline figures").first.wait_for()
    screenshot(page, shots, "profile")
    assert not page.dialogs
