# ruff: noqa: F811  (pytest fixtures imported from contrib_db are redefined as arguments)
"""The contributions store on SQLite and PostgreSQL: operations, audit, safety, concurrency, crashes."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from agora.store.contributions import (
    PLACE_STANDARD,
    ContributionError,
    ContributionStore,
    RateLimited,
    RateLimits,
    SignInError,
    Submission,
)
from agora.store.contributions import export, service
from agora.store.contributions.schema import audit, contacts, contributions, moderators, supports
from conftest import PROJECT
from contrib_db import FAR, INSIDE, NEAR, UNITS, centres, db_url, store, unit_ids  # noqa: F401

CENTRES = centres()


def idea(text="A Sunday market in the square", at=INSIDE, **kw) -> Submission:
    return Submission("idea", "hs", text=text, lat=at[0], lon=at[1], **kw)


def report(unit="hs-1", change="vacant", **kw) -> Submission:
    lat, lon = UNITS.get(unit, INSIDE)
    return Submission("report", "hs", unit_id=unit, change=change, lat=lat, lon=lon, **kw)


def submit(store, sub, **kw):
    return store.submit(sub, centres=CENTRES, unit_ids=unit_ids, **kw)


def rows(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def ann(store):
    store.add_moderator("ann", "correct horse")
    return "ann"


# --------------------------------------------------------------------------- operations


def test_every_kind_is_stored_pending_with_a_code_and_an_audit_row(store):
    ratings = {key: (i % 7) + 1 for i, (key, _) in enumerate(PLACE_STANDARD)}
    subs = [report(date_seen="2026-01-05", text="Shutters down"),
            report("hs-2", "new_business", name="Crumbs", shop_kind="bakery", ownership="independent"),
            Submission("nomination", "hs", text="Where the choir meets", name="St Mary's Hall",
                       category="community_centre", acv=True, lat=NEAR[0], lon=NEAR[1]),
            idea(),
            Submission("rating", "hs", ratings=ratings, comments={"feeling_safe": "Dark after six"})]
    receipts = [submit(store, s, session="s1") for s in subs]
    assert len({r.code for r in receipts}) == 5
    for receipt, sub in zip(receipts, subs):
        status = store.status(receipt.code.lower().replace("-", ""))  # codes forgive case and dashes
        assert status["status"] == "pending" and status["kind"] == sub.kind and status["centre_id"] == "hs"
        trail = store.audit(contribution_id=receipt.id)
        assert [a["action"] for a in trail] == ["submit"] and trail[0]["actor"] == "public"
    assert store.get(receipts[0].id)["details"] == {"change": "vacant", "date_seen": "2026-01-05"}
    assert store.get(receipts[2].id)["details"]["acv"] is True
    assert store.get(receipts[4].id)["details"]["ratings"] == ratings
    assert [r["id"] for r in store.query(session="s1")] == [r.id for r in receipts]  # oldest first


def test_moderation_and_its_audit(store, ann):
    one, two, three = (submit(store, idea(f"Idea {i}")).id for i in range(3))
    store.approve(one, ann)
    store.reject(two, ann, "other", "Not a place idea")
    store.edit(three, ann, text="Idea three, corrected")
    store.approve(three, ann)
    store.hide(three, ann)
    assert store.get(one)["status"] == "approved" and store.get(one)["moderated_by"] == "ann"
    assert store.get(two)["reason"] == "other: Not a place idea"
    assert store.get(three)["status"] == "hidden" and store.get(three)["text"] == "Idea three, corrected"
    edit = next(a for a in store.audit(contribution_id=three) if a["action"] == "edit")
    assert edit["before"] == {"text": "Idea 2"} and edit["after"] == {"text": "Idea three, corrected"}
    assert edit["actor"] == "ann"
    with pytest.raises(ContributionError, match="one of spam"):
        store.reject(one, ann, "boring")
    with pytest.raises(ContributionError, match="cannot be hidden"):
        store.hide(two, ann)
    with pytest.raises(ContributionError, match="No moderator"):
        store.approve(two, "mallory")
    assert store.query(status="approved", kind="idea") == [store.get(one)]


def test_audit_rows_are_only_ever_added(store, ann):
    cid = submit(store, idea()).id
    first = store.audit()
    store.edit(cid, ann, text="Changed")
    store.approve(cid, ann)
    store.hide(cid, ann)
    later = store.audit()
    assert later[-len(first):] == first  # earlier rows unchanged
    assert [a["action"] for a in later[: len(later) - len(first)]] == ["hide", "approve", "edit"]
    source = "\n".join(p.read_text() for p in (PROJECT / "agora" / "store" / "contributions").glob("*.py"))
    assert "update(audit" not in source and "delete(audit" not in source


def test_supports_count_once_per_session(store, ann):
    cid = submit(store, idea()).id
    with pytest.raises(ContributionError, match="published ideas"):
        store.support(cid, "s1")
    store.approve(cid, ann)
    assert store.support(cid, "s1") == 1
    with pytest.raises(ContributionError, match="already"):
        store.support(cid, "s1")
    assert store.support(cid, "s2") == 2
    assert store.get(cid)["supports"] == 2 and rows(store, supports) == 2
    assert store.supported("s1") == {cid}


def test_withdraw_and_delete_contact_by_code(store):
    receipt = submit(store, idea(email="me@example.org"))
    assert store.status(receipt.code)["contact"] is True
    assert store.delete_contact(receipt.code) is True
    assert rows(store, contacts) == 0 and store.delete_contact(receipt.code) is False
    store.withdraw(receipt.code)
    assert store.status(receipt.code)["status"] == "withdrawn"
    assert [a["action"] for a in store.audit(contribution_id=receipt.id)] == ["withdraw", "delete_contact", "submit"]
    assert "me@example.org" not in str(store.audit())


def test_contact_email_is_never_exported(store, ann):
    cid = submit(store, idea(email="me@example.org")).id
    store.approve(cid, ann)
    everything = store.query()
    assert "me@example.org" not in export.to_csv(everything) + export.to_geojson(everything) + str(everything)


def test_csv_export_neutralises_formulas(store):
    for text_ in ("=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "-2+3"):
        submit(store, idea(text_))
    table = list(csv.DictReader(io.StringIO(export.to_csv(store.query()))))
    assert [r["text"] for r in table] == ["'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)", "'-2+3"]
    assert table[0]["lon"] == "-2.0152"  # numbers stay numbers


def test_moderator_lockout_after_five_failures(store, ann):
    assert store.sign_in("ann", "correct horse") == "ann"
    for _ in range(4):
        with pytest.raises(SignInError, match="Wrong name or password"):
            store.sign_in("ann", "wrong")
    with pytest.raises(SignInError, match="locked for 15 minutes"):
        store.sign_in("ann", "wrong")
    with pytest.raises(SignInError, match="try again in 15 minutes"):
        store.sign_in("ann", "correct horse")  # even the right password, while locked
    with store.engine.begin() as conn:  # 15 minutes later
        conn.execute(update(moderators).values(locked_until=service.now() - timedelta(seconds=1)))
    assert store.sign_in("ann", "correct horse") == "ann"
    with pytest.raises(SignInError, match="Wrong name or password"):
        store.sign_in("nobody", "correct horse")
    with store.engine.connect() as conn:
        stored = conn.execute(select(moderators.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2") and "correct horse" not in stored


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("sub, message", [
    (idea("x" * 1001), "too long: 1,001 characters, at most 1,000"),
    (idea("Look <img src=x onerror=alert(1)>"), "plain text, without HTML"),
    (idea(at=FAR), "km from this town; contributions must be in a town centre or within 500 m"),
    (Submission("idea", "nowhere", text="x", lat=INSIDE[0], lon=INSIDE[1]), "No town with id 'nowhere'"),
    (report("hs-99"), "No unit 'hs-99' in this town"),
    (idea(website="http://spam.example"), "robot"),
    (idea(""), "please write something"),
    (Submission("nomination", "hs", text="Why", name="Hall", category="castle", lat=INSIDE[0], lon=INSIDE[1]),
     "Category: one of library"),
    (Submission("rating", "hs", ratings={"moving_around": 9}), "Rate all 14 themes"),
    (idea(email="not an email"), "does not look like an email"),
])
def test_bad_inputs_get_a_clear_message_and_store_nothing(store, sub, message):
    with pytest.raises(ContributionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        submit(store, sub)
    assert rows(store, contributions) == 0 and rows(store, audit) == 0


def test_too_fast_is_refused_with_when_to_try_again(db_url):
    store = ContributionStore.open(db_url, limits=RateLimits(per_session=3, per_client=5, window_minutes=10))
    for i in range(3):
        submit(store, idea(f"Idea {i}"), session="s1", client="10.0.0.1")
    with pytest.raises(RateLimited, match="try again in 10 minutes"):
        submit(store, idea("One more"), session="s1", client="10.0.0.1")
    for i in range(2):  # another session, same address
        submit(store, idea(f"Other {i}"), session="s2", client="10.0.0.1")
    with pytest.raises(RateLimited, match="from your connection"):
        submit(store, idea("And more"), session="s3", client="10.0.0.1")
    assert rows(store, contributions) == 5
    with store.engine.connect() as conn:  # the address is kept only as a hash
        assert "10.0.0.1" not in str(conn.execute(select(contributions.c.client)).all())
    store.engine.dispose()


def test_wrong_code(store):
    submit(store, idea())
    for code in ("AAAA-AAAA", "", "<script>"):
        with pytest.raises(ContributionError, match="No contribution has that code"):
            store.status(code)
        with pytest.raises(ContributionError, match="No contribution has that code"):
            store.withdraw(code)
    assert store.query()[0]["status"] == "pending" and rows(store, audit) == 1


# --------------------------------------------------------------------------- at once


def test_fifty_contributors_and_two_moderators_at_once(store):
    """50 contributors x 20 contributions while two moderators work through the queue:
    every contribution stored once with its audit rows; supports on published ideas exact."""
    store.add_moderator("ann", "correct horse")
    store.add_moderator("bob", "battery staple")
    ideas = [submit(store, idea(f"Published idea {i}")).id for i in range(4)]
    for cid in ideas:
        store.approve(cid, "ann")
    writers, each = 50, 20
    errors: list[BaseException] = []
    done = threading.Event()
    receipts: list = []
    lock = threading.Lock()

    def contributor(n: int) -> None:
        try:
            for i in range(each):
                sub = report(f"hs-{i % 3 + 1}", text=f"w{n} r{i}") if i % 2 else idea(f"Writer {n} idea {i}")
                receipt = submit(store, sub, session=f"w{n}", client=f"10.0.0.{n}")
                with lock:
                    receipts.append(receipt)
                if i < len(ideas):
                    store.support(ideas[i], f"w{n}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def moderator(name: str, approve: bool) -> None:
        try:
            while not done.is_set() or store.count(status="pending"):
                for row in store.query(status="pending", limit=50):
                    try:
                        if approve:
                            store.approve(row["id"], name)
                        else:
                            store.reject(row["id"], name, "duplicate")
                    except ContributionError:  # the other moderator got there first
                        pass
                time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    mods = [threading.Thread(target=moderator, args=a) for a in (("ann", True), ("bob", False))]
    threads = [threading.Thread(target=contributor, args=(n,)) for n in range(writers)]
    for t in mods + threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in mods:
        t.join()
    assert errors == []
    total = writers * each
    assert len(receipts) == total and len({r.id for r in receipts}) == total and len({r.code for r in receipts}) == total
    assert store.count() == total + len(ideas)
    assert store.count(status="pending") == 0
    with store.engine.connect() as conn:
        submits = dict(conn.execute(select(audit.c.contribution_id, func.count()).where(audit.c.action == "submit")
                                    .group_by(audit.c.contribution_id)).all())
        decided = dict(conn.execute(select(audit.c.contribution_id, func.count())
                                    .where(audit.c.action.in_(["approve", "reject"]))
                                    .group_by(audit.c.contribution_id)).all())
        support_rows = conn.execute(select(func.count()).select_from(supports)).scalar_one()
    ids = {r.id for r in receipts}
    assert all(submits.get(i) == 1 for i in ids) and all(decided.get(i, 0) >= 1 for i in ids)
    assert support_rows == writers * len(ideas)
    assert [store.get(cid)["supports"] for cid in ideas] == [writers] * len(ideas)


# --------------------------------------------------------------------------- a crash

WRITER = """
import sys, time
from sqlalchemy import insert
sys.path.insert(0, {tests!r})
from agora.store.contributions import ContributionStore, RateLimits, Submission
from agora.store.contributions.schema import contributions
from agora.store.contributions.service import now
from contrib_db import centres, INSIDE
store = ContributionStore.open({url!r}, limits=RateLimits(None, None))
c = centres()
for i in range(25):
    r = store.submit(Submission("idea", "hs", text=f"Committed {{i}}", lat=INSIDE[0], lon=INSIDE[1]), centres=c)
    print("committed", r.id, flush=True)
conn = store.engine.connect().execution_options(write=True)
tx = conn.begin()
conn.execute(insert(contributions).values(code="XXXX-XXXX", kind="idea", centre_id="hs", status="pending",
             text="never committed", details="{{}}", supports=0, origin="public", created_at=now()))
print("in transaction", flush=True)
time.sleep(120)
"""


def test_a_writer_killed_mid_transaction_loses_nothing_committed(db_url):
    script = WRITER.format(tests=str(PROJECT / "tests"), url=db_url)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(PROJECT)})
    committed = []
    try:
        for line in proc.stdout:
            if line.startswith("committed"):
                committed.append(int(line.split()[1]))
            if line.startswith("in transaction"):
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and len(committed) == 25
    store = ContributionStore.open(db_url, limits=RateLimits(None, None))
    kept = store.query()
    assert [r["id"] for r in kept] == committed and all(r["text"].startswith("Committed") for r in kept)
    assert len(store.audit()) == 25
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    # and the database takes writes again (no lock left behind)
    submit(store, idea("After the crash"))
    assert store.count() == 26
    store.engine.dispose()


def test_head_is_alembics_newest_revision_and_an_up_to_date_database_opens_without_alembic(db_url):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from agora.store.contributions import db

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    assert db.HEAD == ScriptDirectory.from_config(config).get_current_head()
    ContributionStore.open(db_url)  # migrates
    script = ("import sys; from agora.store.contributions import ContributionStore;"
              f"ContributionStore.open({db_url!r}); print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True,
                          env={**os.environ, "AGORA_DATABASE_URL": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
