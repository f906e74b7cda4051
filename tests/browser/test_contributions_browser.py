"""Have your say and Moderation in a phone-sized browser: a visitor reports and proposes, a moderator
approves in another browser, the visitor's map shows the report; markup in an idea stays text."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import expect

from .helpers import EVIL_NAME, map_frame, open_app, pick_option, screenshot

PHONE = {"width": 390, "height": 844}
WAIT = 60_000


def _phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.route("https://*.openstreetmap.org/**", lambda route: route.abort("internetdisconnected"))
    return context, page


def _settle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=WAIT)


def test_visitor_reports_moderator_approves_map_shows_it(browser, app_url, app_workspace, shots):
    from agora.store.contributions import ContributionStore
    from agora.store.workspace import Workspace

    ws = Workspace(app_workspace)
    centres = ws.read("centres")
    town = centres["centre_id"].iloc[0]
    units = ws.read("units")
    unit = units[(units["centre_id"] == town) & (units["status"] == "occupied")]["unit_id"].iloc[0]
    store = ContributionStore.open(workspace=app_workspace)
    if "browser-mod" not in {m["name"] for m in store.moderators()}:
        store.add_moderator("browser-mod", "a long pass phrase")
    before = store.count()

    visitor_context, visitor = _phone(browser)
    open_app(visitor, app_url, f"/have_your_say?town={quote(town)}")
    # report a unit as vacant, picked from the searchable list
    pick_option(visitor, "report_unit", str(unit))
    _settle(visitor)
    visitor.locator(".st-key-report_text textarea").fill("Shutters down since Monday")
    visitor.get_by_role("button", name="Send report").click()
    expect(visitor.get_by_text("Your code is", exact=False)).to_be_visible(timeout=WAIT)

    # an idea with markup is refused, shown as text, and runs nothing
    visitor.get_by_role("tab", name="Share an idea").click()
    visitor.locator(".st-key-idea_text textarea").fill(EVIL_NAME)
    visitor.get_by_role("button", name="Share idea").click()
    expect(visitor.get_by_text("please write plain text", exact=False)).to_be_visible(timeout=WAIT)
    assert visitor.locator(".st-key-idea_text textarea").input_value() in ("", EVIL_NAME)
    # then a plain idea
    visitor.locator(".st-key-idea_text textarea").fill("A Saturday market <3 & music")
    visitor.get_by_role("button", name="Share idea").click()
    expect(visitor.get_by_text("Your code is", exact=False).last).to_be_visible(timeout=WAIT)
    visitor.get_by_role("tab", name="Your contributions").click()
    expect(visitor.locator("em", has_text="waiting for moderation")).to_have_count(2, timeout=WAIT)
    screenshot(visitor, shots, "have-your-say-phone")
    said = ("Shutters down since Monday", "A Saturday market <3 & music")
    mine = [r for r in store.query(status="pending") if r["text"] in said]
    assert len(mine) == 2 and store.count() == before + 2  # the refused idea stored nothing

    # a moderator, in a second browser, signs in and approves both
    mod_context, moderator = _phone(browser)
    open_app(moderator, app_url, "/moderation")
    expect(moderator.get_by_role("tab", name="Queue")).to_have_count(0)
    moderator.locator(".st-key-sign_in_name input").fill("browser-mod")
    moderator.locator(".st-key-sign_in_password input").fill("a long pass phrase")
    moderator.get_by_role("button", name="Sign in").click()
    expect(moderator.get_by_role("tab", name="Queue")).to_be_visible(timeout=WAIT)
    for row in mine:
        button = moderator.locator(f".st-key-approve_{row['id']} button")
        button.wait_for(timeout=WAIT)
        button.click()
        _settle(moderator)
    assert {store.get(r["id"])["status"] for r in mine} == {"approved"}
    screenshot(moderator, shots, "moderation-phone")

    # the visitor's map now shows the community report; the idea's text is text
    open_app(visitor, app_url, f"/have_your_say?town={quote(town)}")
    frame = map_frame(visitor)
    expect(frame.locator(".leaflet-control-layers")).to_contain_text("Community reports", timeout=WAIT)
    visitor.get_by_role("tab", name="Share an idea").click()
    expect(visitor.get_by_test_id("stTabs").get_by_text("A Saturday market <3 & music")).to_be_visible(timeout=WAIT)
    assert visitor.locator("img[src='x']").count() == 0
    screenshot(visitor, shots, "have-your-say-approved-phone")
    assert visitor.dialogs == [] and moderator.dialogs == []
    visitor_context.close()
    mod_context.close()
    store.engine.dispose()
