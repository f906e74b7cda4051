# ruff: noqa: F811  (pytest fixtures imported from contrib_db are redefined as arguments)
"""Have your say and Moderation pages (AppTest): on SQLite, and the main paths on PostgreSQL too
(the store's own tests run everything on both)."""

from __future__ import annotations

import time

import pytest

from agora.store.contributions import ContributionStore, RateLimits, Submission
from agora.store.contributions.survey import survey_update
from agora.ui import contributions as contrib
from agora.ui import maps
from agora.ui.text import md
from apptest import run_page
from contrib_db import BACKENDS, FAST_HASHER, database_url
from test_page_vacancy import ws  # noqa: F401

SPOT = (53.7412, -2.0152)


@pytest.fixture
def db(ws, request, tmp_path, monkeypatch):
    """The app's contributions store (via AGORA_DATABASE_URL; SQLite unless parametrised), with a moderator."""
    url, cleanup = database_url(getattr(request, "param", "sqlite"), tmp_path)
    monkeypatch.setenv("AGORA_DATABASE_URL", url)
    store = ContributionStore.open(url, limits=RateLimits(None, None), hasher=FAST_HASHER)
    store.add_moderator("ann", "correct horse")
    yield store
    store.engine.dispose()
    cleanup()


both = pytest.mark.parametrize("db", BACKENDS, indirect=True)


def centres(ws):
    return ws.read("centres")


def units_of(ws):
    return set(ws.read("units")["unit_id"])


def tab(at, label):
    return next(t for t in at.tabs if t.label == label)


def errors(at) -> list[str]:
    return [e.value for e in at.error]


# --------------------------------------------------------------------------- have your say


@both
def test_a_visitor_reports_a_unit_and_sees_it_waiting(ws, db):
    at = run_page("have_your_say", town="hs")
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["Report a unit", "Nominate an asset", "Share an idea", "Rate the place",
                                          "Your contributions"]
    at.selectbox(key="report_unit").set_value("U5")
    at.radio(key="report_change").set_value("vacant")
    at.text_area(key="report_text").input("Closed last week")
    at = at.button(key="FormSubmitter:report_form-Send report").click().run()
    assert not at.exception, at.exception
    assert errors(at) == []
    success = at.success[0].value
    code = success.split("**")[1]
    stored = db.status(code)
    assert stored["status"] == "pending" and stored["unit_id"] == "U5" and stored["details"]["change"] == "vacant"
    assert (stored["lat"], stored["lon"]) == (53.7414, -2.0154)  # the unit's position
    mine = tab(at, "Your contributions")
    assert any("waiting for moderation" in m.value and "Closed last week" in m.value for m in mine.markdown)


def test_html_in_an_idea_is_refused_and_nothing_is_stored(ws, db):
    at = run_page("have_your_say", town="hs")
    at.text_area(key="idea_text").input("<img src=x onerror=alert(1)>")
    at = at.button(key="FormSubmitter:idea_form-Share idea").click().run()
    assert errors(at) == [md("Your idea: please write plain text, without HTML tags.")]
    assert db.count() == 0


def test_the_honeypot_stores_nothing(ws, db):
    at = run_page("have_your_say", town="hs")
    at.text_area(key="idea_text").input("A market")
    at.text_input(key="hp_idea").input("http://spam.example")
    at = at.button(key="FormSubmitter:idea_form-Share idea").click().run()
    assert "robot" in errors(at)[0] and db.count() == 0


def test_supporting_an_idea_counts_once(ws, db):
    cid = db.submit(Submission("idea", "hs", text="Sunday market & fair <3", lat=SPOT[0], lon=SPOT[1]),
                    centres=centres(ws), unit_ids=units_of(ws)).id
    db.approve(cid, "ann")
    at = run_page("have_your_say", town="hs")
    button = at.button(key=f"support_{cid}")
    assert button.label == "+1 · 0" and not button.disabled
    at = button.click().run()
    assert at.button(key=f"support_{cid}").label == "+1 · 1" and at.button(key=f"support_{cid}").disabled
    assert db.get(cid)["supports"] == 1
    assert any(md("Sunday market & fair <3") in m.value for m in tab(at, "Share an idea").markdown)
    said = at.dataframe[-1].value
    assert said["said"].tolist() == ["Sunday market & fair <3"]  # "what people said", as data not markup


def test_rating_the_place_and_the_compass(ws, db):
    at = run_page("have_your_say", town="hs")
    at.slider(key="rate_feeling_safe").set_value(2)
    at = at.button(key="FormSubmitter:rate_form-Send ratings").click().run()
    assert errors(at) == [] and len(at.success) == 1
    rating = db.query(kind="rating")[0]
    assert rating["details"]["ratings"]["feeling_safe"] == 2 and rating["details"]["ratings"]["moving_around"] == 4
    db.approve(rating["id"], "ann")
    at = run_page("have_your_say", town="hs")
    assert "High Street: 1 answer(s)" in [c.value for c in tab(at, "Rate the place").caption]
    assert len(at.get("vega_lite_chart")) == 1


def test_code_shows_status_and_withdraws(ws, db):
    receipt = db.submit(Submission("idea", "hs", text="Benches", lat=SPOT[0], lon=SPOT[1], email="me@example.org"),
                        centres=centres(ws))
    at = run_page("have_your_say", town="hs")
    at = at.text_input(key="code").input("wrong-code").run()
    assert errors(at) == ["No contribution has that code; check it and try again\\."]
    at = at.text_input(key="code").input(receipt.code).run()
    assert "waiting for moderation" in at.info[-1].value
    at = at.button(key="delete_contact").click().run()
    assert db.status(receipt.code)["contact"] is False
    at = at.button(key="withdraw").click().run()
    assert db.status(receipt.code)["status"] == "withdrawn"


def test_contributions_off(ws, db, monkeypatch):
    monkeypatch.setenv("AGORA_CONTRIBUTIONS", "off")
    at = run_page("have_your_say", town="hs")
    assert not at.exception and at.tabs.len == 0
    assert "turned off" in at.info[0].value


def test_read_only_copy_keeps_contributions_open(ws, db, monkeypatch):
    monkeypatch.setenv("AGORA_READ_ONLY", "1")
    at = run_page("have_your_say", town="hs")
    at.text_area(key="idea_text").input("Planters")
    at = at.button(key="FormSubmitter:idea_form-Share idea").click().run()
    assert errors(at) == [] and db.count() == 1


# --------------------------------------------------------------------------- moderation


def sign_in(password="correct horse"):
    at = run_page("moderation")
    at.text_input(key="sign_in_name").input("ann")
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="FormSubmitter:sign_in-Sign in").click().run()


def test_nothing_of_moderation_is_visible_signed_out(ws, db):
    db.submit(Submission("idea", "hs", text="Secret pending idea", lat=SPOT[0], lon=SPOT[1]), centres=centres(ws))
    at = run_page("moderation")
    assert not at.exception and at.tabs.len == 0
    assert "Secret pending idea" not in str([m.value for m in at.markdown])
    at = sign_in("wrong password")
    assert errors(at) == ["Wrong name or password\\."] and at.tabs.len == 0


@both
def test_moderator_approves_rejects_and_reads_the_audit(ws, db):
    first = db.submit(Submission("report", "hs", unit_id="U5", change="vacant", lat=53.7414, lon=-2.0154),
                      centres=centres(ws), unit_ids=units_of(ws)).id
    second = db.submit(Submission("idea", "hs", text="Spam spam", lat=SPOT[0], lon=SPOT[1]), centres=centres(ws)).id
    at = sign_in()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["Queue", "Audit", "Survey update"]
    assert "2 contribution(s), oldest first; showing 2." in [c.value for c in at.caption]
    at = at.button(key=f"approve_{first}").click().run()
    at.selectbox(key=f"reason_{second}").set_value("spam")
    at = at.button(key=f"reject_{second}").click().run()
    assert db.get(first)["status"] == "approved" and db.get(second)["reason"] == "spam"
    assert "0 contribution(s), oldest first; showing 0." in [c.value for c in at.caption]
    audit = at.dataframe[0].value
    assert audit["action"].tolist()[:2] == ["reject", "approve"] and set(audit["actor"][:2]) == {"ann"}


def test_moderator_is_signed_out_after_inactivity(ws, db):
    at = sign_in()
    assert at.tabs.len == 3
    at.session_state["moderator_seen"] = time.time() - 31 * 60
    at = at.run()
    assert at.tabs.len == 0 and "signed out" in at.info[0].value


def test_confirmed_reports_become_a_survey_update(ws, db):
    cid = db.submit(Submission("report", "hs", unit_id="U5", change="vacant", lat=53.7414, lon=-2.0154,
                               date_seen="2026-01-10"), centres=centres(ws), unit_ids=units_of(ws)).id
    db.approve(cid, "ann")
    at = sign_in()
    at = at.button(key="s_save").click().run()
    assert not at.exception, at.exception
    assert len(at.success) == 1
    saved = ws.datasets("units")[-1]
    assert saved.source == f"community reports #{cid}"
    assert f"#{cid}" in " ".join(saved.report["notes"])
    units = ws.read("units")
    new = units[units["source"] == f"community report #{cid}"]
    assert new["status"].tolist() == ["vacant"] and str(new["observed_on"].iloc[0].date()) == "2026-01-10"
    assert any(a["action"] == "survey_update" for a in db.audit(contribution_id=cid))


# --------------------------------------------------------------------------- maps


def test_community_reports_layer_on_the_map_is_escaped(ws, db):
    cid = db.submit(Submission("report", "hs", unit_id="U5", change="new_business", name="{{ 7*7 }} & Co",
                               text="Opened & busy", lat=53.7414, lon=-2.0154),
                    centres=centres(ws), unit_ids=units_of(ws)).id
    db.approve(cid, "ann")
    reports = contrib.community_reports(db, "hs")
    assert reports["reported"].tolist() == ["occupied"]
    assert reports["note"].iloc[0].startswith("reported by the community on ")
    m = maps.base_map(reports.total_bounds)
    contrib.add_reports_layer(m, reports)
    html = m.get_root().render()
    assert "Community reports" in html and "{{" not in html and '"49"' not in html
    assert "\\u0026#123;\\u0026#123; 7*7" in html  # shown as braces, never run as a template


def test_survey_update_names_its_contributions(ws, db):
    ids = []
    for unit, change in (("U5", "vacant"), ("U6", "data_wrong")):
        cid = db.submit(Submission("report", "hs", unit_id=unit, change=change, text="x", lat=53.7414,
                                   lon=-2.0154), centres=centres(ws), unit_ids=units_of(ws)).id
        db.approve(cid, "ann")
        ids.append(cid)
    result = survey_update(db.query(kind="report"), ws.read("units"), centres(ws))
    assert len(result.data) == 1 and result.report.file == f"community-reports-{ids[0]}.csv"


def test_client_address_behind_a_proxy(monkeypatch):
    from types import SimpleNamespace

    fake = SimpleNamespace(headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}, ip_address="10.0.0.2")
    monkeypatch.setattr(contrib.st, "context", fake)
    assert contrib.client_address() == "10.0.0.2"
    monkeypatch.setenv("AGORA_BEHIND_PROXY", "1")
    assert contrib.client_address() == "198.51.100.7"


@both
def test_a_towns_reports_are_held_until_the_store_changes(ws, db):
    from types import SimpleNamespace

    from agora.service import DataService

    ctx = SimpleNamespace(service=DataService(ws.path, read_only=True), town="hs")
    before = db.last_change()
    assert contrib.town_reports(ctx).empty
    cid = db.submit(Submission("report", "hs", unit_id="U5", change="vacant", text="Shut last week",
                               lat=53.7414, lon=-2.0154), centres=centres(ws), unit_ids=units_of(ws)).id
    pending = db.last_change()
    assert pending != before
    assert contrib.town_reports(ctx).empty  # pending: not shown
    db.approve(cid, "ann")
    assert db.last_change() != pending
    shown = contrib.town_reports(ctx)
    assert shown["id"].tolist() == [cid] and shown["reported"].tolist() == ["vacant"]
    shown["reported"] = "changed"  # a page's copy: the held frame stays as it was
    assert contrib.town_reports(ctx)["reported"].tolist() == ["vacant"]
    db.hide(cid, "ann")
    assert contrib.town_reports(ctx).empty
