"""The contributions store: every operation on contributions, moderators and the audit.

Each operation is one transaction that also appends its audit row(s), so an action and
its record are committed together or not at all. The store never reads workspace files:
the caller passes the centres (for the 500 m check) and the towns' unit ids.

Examples
--------
>>> import tempfile, geopandas as gpd, shapely
>>> centres = gpd.GeoDataFrame({"centre_id": ["tc1"], "name": ["Town"]},
...                            geometry=[shapely.box(-2.01, 53.69, -1.99, 53.71)], crs=4326)
>>> store = ContributionStore.open(workspace=tempfile.mkdtemp())
>>> receipt = store.submit(Submission("idea", "tc1", text="A market on Sundays", lat=53.7, lon=-2.0),
...                        centres=centres, session="s1")
>>> store.status(receipt.code)["status"]
'pending'
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import geopandas as gpd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import db
from .rules import (
    LIMITS,
    REJECT_REASONS,
    STATUSES,
    ContributionError,
    RateLimited,
    Submission,
    UnitIds,
    check,
    plain_text,
)
from .schema import audit, contacts, contributions, moderators, supports

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PUBLIC = "public"
LOCK_AFTER = 5
LOCK_MINUTES = 15
#: Columns shown to moderators and exported (never the session, client hash or contact).
PUBLIC_COLUMNS = ("id", "kind", "centre_id", "unit_id", "lat", "lon", "status", "text", "details", "supports",
                  "origin", "created_at", "moderated_at", "moderated_by", "reason")


@dataclass(frozen=True)
class RateLimits:
    """At most `per_session` contributions per browser session and `per_client` per client
    address within `window_minutes` (None: no limit)."""

    per_session: int | None = 10
    per_client: int | None = 30
    window_minutes: int = 10


@dataclass(frozen=True)
class Receipt:
    """What a contributor gets back: the id and the short code to follow it up."""

    id: int
    code: str


class SignInError(Exception):
    """A failed sign-in (wrong name or password, or locked); the message says which."""


def now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def client_key(address: str | None) -> str | None:
    """A client address as a hash (rate limits need to count, not to know who)."""
    if not address:
        return None
    return hashlib.sha256(f"agora-client:{address}".encode()).hexdigest()[:32]


def new_code() -> str:
    """A short code people can write down: ``K7QM-3XPA``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(code: str) -> str:
    raw = "".join(c for c in str(code).upper() if c.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else str(code).strip().upper()


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def _row(mapping) -> dict:
    out = {k: mapping[k] for k in PUBLIC_COLUMNS if k in mapping}
    for key in ("created_at", "moderated_at"):
        if key in out:
            out[key] = _aware(out[key])
    if isinstance(out.get("details"), str):
        out["details"] = json.loads(out["details"])
    return out


class ContributionStore:
    """Contributions in a SQL database (SQLite or PostgreSQL).

    Parameters
    ----------
    engine : a SQLAlchemy engine (see :func:`agora.store.contributions.db.make_engine`).
    limits : rate limits for public contributions.
    migrate : bring the schema up to date (Alembic) first.
    hasher : the argon2 password hasher (default: argon2-cffi's recommended settings).
    """

    def __init__(self, engine: Engine, *, limits: RateLimits = RateLimits(), migrate: bool = True,
                 hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.limits = limits
        self._hasher = hasher or PasswordHasher()
        if migrate:
            db.upgrade(engine)

    @classmethod
    def open(cls, url: str | None = None, *, workspace=None, pool_size: int = 10, **kwargs) -> ContributionStore:
        """The store at `url`, else ``$AGORA_DATABASE_URL``, else the workspace's SQLite file."""
        return cls(db.make_engine(url or db.database_url(workspace), pool_size=pool_size), **kwargs)

    # ------------------------------------------------------------------ helpers
    def _write(self):
        """A write transaction (IMMEDIATE on SQLite)."""
        return self.engine.connect().execution_options(write=True)

    def _audit(self, conn, actor: str, action: str, cid: int | None, before=None, after=None,
               note: str | None = None) -> None:
        conn.execute(insert(audit), {"at": now(), "actor": actor, "action": action, "contribution_id": cid,
                                     "before": _json(before), "after": _json(after), "note": note})

    def _get(self, conn, cid: int) -> dict:
        row = conn.execute(select(contributions).where(contributions.c.id == int(cid))).mappings().first()
        if row is None:
            raise ContributionError(f"No contribution #{cid}.")
        return dict(row)

    # ------------------------------------------------------------------ public
    def submit(self, sub: Submission, *, centres: gpd.GeoDataFrame, unit_ids: UnitIds | None = None,
               session: str | None = None, client: str | None = None, origin: str = PUBLIC,
               note: str | None = None, rate_limited: bool = True) -> Receipt:
        """Check and store a contribution as pending; returns its id and status code.

        Parameters
        ----------
        centres : all centres (the 500 m check, towns that exist).
        unit_ids : the units a report may be about: a set, or centre id -> ids.
        session, client : the browser session and the client address (rate limits; the
            address is kept only as a hash).
        origin : ``public`` or where it came from (``paper form: FILE``).
        note : put in the audit row (the file an import came from).

        Raises
        ------
        ContributionError
            With a message for the contributor; nothing is stored.
        """
        row = check(sub, centres, unit_ids)
        email = row.pop("email", None)
        key = client_key(client)
        values = {**row, "details": _json(row["details"]), "status": "pending", "supports": 0,
                  "session_id": session, "client": key, "origin": origin[:300]}
        after = {k: values[k] for k in ("kind", "centre_id", "unit_id", "lat", "lon", "text", "origin")}
        after["details"] = row["details"]
        after["contact"] = bool(email)
        for attempt in range(5):
            values["code"], values["created_at"] = new_code(), now()
            try:
                with self._write() as conn, conn.begin():
                    if rate_limited:
                        self._check_rate(conn, session, key)
                    cid = conn.execute(insert(contributions), values).inserted_primary_key[0]
                    if email:
                        conn.execute(insert(contacts), {"contribution_id": cid, "email": email})
                    self._audit(conn, PUBLIC, "submit", cid, None, after, note)
                break
            except IntegrityError:  # the code was taken (one in 10^12): draw another
                if attempt == 4:
                    raise
        return Receipt(int(cid), values["code"])

    def _check_rate(self, conn, session: str | None, key: str | None) -> None:
        limits = self.limits
        since = now() - timedelta(minutes=limits.window_minutes)
        for column, value, limit, who in ((contributions.c.session_id, session, limits.per_session, "this session"),
                                          (contributions.c.client, key, limits.per_client, "your connection")):
            if value is None or limit is None:
                continue
            recent = conn.execute(select(func.count(), func.min(contributions.c.created_at)).where(
                column == value, contributions.c.created_at >= since)).one()
            if recent[0] >= limit:
                wait = _aware(recent[1]) + timedelta(minutes=limits.window_minutes) - now()
                minutes = max(1, math.ceil(wait.total_seconds() / 60))
                raise RateLimited(f"{recent[0]} contributions from {who} in the last {limits.window_minutes} "
                                  f"minutes: that is the most we take; try again in {minutes} minute"
                                  f"{'s' if minutes != 1 else ''}.")

    def support(self, cid: int, session: str) -> int:
        """Support an approved idea once per session; returns the new count."""
        if not session:
            raise ContributionError("Supports need a browser session.")
        with self._write() as conn, conn.begin():
            row = self._get(conn, cid)
            if row["kind"] != "idea" or row["status"] != "approved":
                raise ContributionError("Only published ideas can be supported.")
            try:
                with conn.begin_nested():
                    conn.execute(insert(supports).values(contribution_id=int(cid), session_id=session,
                                                         created_at=now()))
            except IntegrityError:
                raise ContributionError("You have supported this idea already.") from None
            conn.execute(update(contributions).where(contributions.c.id == int(cid))
                         .values(supports=contributions.c.supports + 1))
            count = conn.execute(select(contributions.c.supports).where(contributions.c.id == int(cid))).scalar_one()
            self._audit(conn, PUBLIC, "support", int(cid), {"supports": count - 1}, {"supports": count})
        return int(count)

    def supported(self, session: str) -> set[int]:
        """Ids of the ideas `session` has supported."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(supports.c.contribution_id).where(supports.c.session_id == session))
                       .scalars())

    def _by_code(self, conn, code: str) -> dict:
        row = conn.execute(select(contributions).where(contributions.c.code == normalise_code(code))) \
            .mappings().first()
        if row is None:
            raise ContributionError("No contribution has that code; check it and try again.")
        return dict(row)

    def status(self, code: str) -> dict:
        """Kind, town, status (and a rejection reason) of the contribution with `code`."""
        with self.engine.connect() as conn:
            row = self._by_code(conn, code)
            has_contact = conn.execute(select(func.count()).select_from(contacts)
                                       .where(contacts.c.contribution_id == row["id"])).scalar_one() > 0
        out = _row(row)
        out["code"] = row["code"]
        out["contact"] = has_contact
        return out

    def withdraw(self, code: str) -> dict:
        """Withdraw a contribution (by its code): it is no longer shown or moderated."""
        with self._write() as conn, conn.begin():
            row = self._by_code(conn, code)
            if row["status"] == "withdrawn":
                raise ContributionError("That contribution is withdrawn already.")
            if row["status"] in ("rejected",):
                raise ContributionError("That contribution was not published; there is nothing to withdraw.")
            conn.execute(update(contributions).where(contributions.c.id == row["id"]).values(status="withdrawn"))
            conn.execute(delete(contacts).where(contacts.c.contribution_id == row["id"]))
            self._audit(conn, PUBLIC, "withdraw", row["id"], {"status": row["status"]}, {"status": "withdrawn"})
        return {"id": row["id"], "status": "withdrawn"}

    def delete_contact(self, code: str) -> bool:
        """Delete the contact email of a contribution (by its code); True when there was one."""
        with self._write() as conn, conn.begin():
            row = self._by_code(conn, code)
            gone = conn.execute(delete(contacts).where(contacts.c.contribution_id == row["id"])).rowcount
            if gone:
                self._audit(conn, PUBLIC, "delete_contact", row["id"], {"contact": True}, {"contact": False})
        return bool(gone)

    # ------------------------------------------------------------------ reading
    def query(self, *, kind: str | None = None, centre_id: str | None = None, status: str | Iterable[str] | None = None,
              since: date | datetime | None = None, until: date | datetime | None = None, session: str | None = None,
              limit: int | None = None, offset: int = 0, newest_first: bool = False) -> list[dict]:
        """Contributions matching the filters, oldest first (never contacts or session ids)."""
        stmt = select(*[contributions.c[k] for k in PUBLIC_COLUMNS]).where(*self._filters(
            kind, centre_id, status, since, until, session))
        order = contributions.c.created_at.desc() if newest_first else contributions.c.created_at
        stmt = stmt.order_by(order, contributions.c.id).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(stmt).mappings()]

    def last_change(self) -> int:
        """The newest audit row's id: every write appends audit rows in its own transaction and
        none is ever deleted, so it changes whenever what the store holds does (a cache key; one
        lookup of the primary key's largest value, not a count of the trail)."""
        with self.engine.connect() as conn:
            newest = conn.execute(select(func.max(audit.c.id))).scalar()
        return int(newest or 0)

    def count(self, **filters) -> int:
        """How many contributions match the filters of :meth:`query`."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(contributions).where(*self._filters(
                filters.get("kind"), filters.get("centre_id"), filters.get("status"), filters.get("since"),
                filters.get("until"), filters.get("session")))).scalar_one()

    @staticmethod
    def _filters(kind, centre_id, status, since, until, session) -> list:
        c = contributions.c
        out = []
        if kind:
            out.append(c.kind == kind)
        if centre_id:
            out.append(c.centre_id == centre_id)
        if status:
            out.append(c.status == status if isinstance(status, str) else c.status.in_(list(status)))
        if since:
            out.append(c.created_at >= _start(since))
        if until:
            out.append(c.created_at < _start(until) + (timedelta(days=1) if not isinstance(until, datetime)
                                                       else timedelta(0)))
        if session:
            out.append(c.session_id == session)
        return out

    def get(self, cid: int) -> dict:
        with self.engine.connect() as conn:
            return _row(self._get(conn, cid))

    def towns(self) -> list[str]:
        """Centre ids that have contributions."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(contributions.c.centre_id).distinct()).scalars())

    def audit(self, *, contribution_id: int | None = None, limit: int | None = None, offset: int = 0) -> list[dict]:
        """Audit rows, newest first."""
        stmt = select(audit).order_by(audit.c.id.desc()).offset(offset)
        if contribution_id is not None:
            stmt = stmt.where(audit.c.contribution_id == int(contribution_id))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(stmt).mappings()]
        for r in rows:
            r["at"] = _aware(r["at"])
            for key in ("before", "after"):
                r[key] = json.loads(r[key]) if r[key] else None
        return rows

    def audit_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(audit)).scalar_one()

    # ------------------------------------------------------------------ moderation
    def _moderate(self, cid: int, moderator: str, action: str, allowed: tuple[str, ...], changes: dict,
                  note: str | None = None) -> dict:
        with self._write() as conn, conn.begin():
            self._require_moderator(moderator, conn)
            row = self._get(conn, cid)
            if row["status"] not in allowed:
                done = {"approve": "approved", "reject": "rejected", "hide": "hidden"}[action]
                raise ContributionError(f"Contribution #{cid} is {row['status']}; it cannot be {done}.")
            stamp = now()
            values = {**changes, "moderated_at": stamp, "moderated_by": moderator}
            conn.execute(update(contributions).where(contributions.c.id == int(cid)).values(**values))
            before = {k: row[k] for k in changes}
            self._audit(conn, moderator, action, int(cid), before, changes, note)
            row.update(values)
        return _row(row)

    def approve(self, cid: int, moderator: str) -> dict:
        """Publish a pending (or rejected) contribution."""
        return self._moderate(cid, moderator, "approve", ("pending", "rejected", "hidden"),
                              {"status": "approved", "reason": None})

    def reject(self, cid: int, moderator: str, reason: str, note: str | None = None) -> dict:
        """Reject with a reason from :data:`REJECT_REASONS` ("other" needs a note)."""
        if reason not in REJECT_REASONS:
            raise ContributionError(f"Reason: one of {', '.join(REJECT_REASONS)}.")
        note = plain_text(note, "Note", LIMITS["reason"] - 20)
        if reason == "other" and not note:
            raise ContributionError("Reason 'other': add a note.")
        text = f"{reason}: {note}" if note else reason
        return self._moderate(cid, moderator, "reject", ("pending", "approved", "hidden"),
                              {"status": "rejected", "reason": text})

    def hide(self, cid: int, moderator: str, note: str | None = None) -> dict:
        """Hide an approved contribution."""
        return self._moderate(cid, moderator, "hide", ("approved",), {"status": "hidden"},
                              plain_text(note, "Note", LIMITS["reason"]) or None)

    def edit(self, cid: int, moderator: str, *, text: str | None = None, name: str | None = None) -> dict:
        """Correct the text (or the name) of a contribution; the original stays in the audit."""
        with self._write() as conn, conn.begin():
            self._require_moderator(moderator, conn)
            row = self._get(conn, cid)
            if row["status"] == "withdrawn":
                raise ContributionError(f"Contribution #{cid} was withdrawn; it cannot be edited.")
            details = json.loads(row["details"])
            before, after, values = {}, {}, {}
            if text is not None:
                new = plain_text(text, "Text", LIMITS["text"])
                if new != row["text"]:
                    before["text"], after["text"], values["text"] = row["text"], new, new
            if name is not None and "name" in details:
                new = plain_text(name, "Name", LIMITS["name"], required=True)
                if new != details["name"]:
                    before["name"], after["name"] = details["name"], new
                    values["details"] = _json({**details, "name": new})
            if not values:
                raise ContributionError("Nothing changed.")
            conn.execute(update(contributions).where(contributions.c.id == int(cid)).values(**values))
            self._audit(conn, moderator, "edit", int(cid), before, after)
            row.update(values)
        return _row(row)

    def record(self, ids: Iterable[int], moderator: str, action: str, note: str) -> None:
        """Append an audit row per contribution for an action done elsewhere (a survey update saved)."""
        with self._write() as conn, conn.begin():
            self._require_moderator(moderator, conn)
            for cid in ids:
                self._audit(conn, moderator, action, int(cid), None, None, note[:500])

    # ------------------------------------------------------------------ moderators
    @staticmethod
    def _require_moderator(name: str, conn) -> None:
        ok = conn.execute(select(moderators.c.name).where(moderators.c.name == name,
                                                          moderators.c.active.is_(True))).first()
        if ok is None:
            raise ContributionError(f"No moderator called {name!r}.")

    def add_moderator(self, name: str, password: str) -> None:
        """Create a moderator account (the password is kept as an argon2 hash)."""
        name = plain_text(name, "Name", 64, required=True)
        if len(password) < 8:
            raise ContributionError("The password must be 8 characters or more.")
        try:
            with self._write() as conn, conn.begin():
                conn.execute(insert(moderators).values(name=name, password_hash=self._hasher.hash(password),
                                                       failed_attempts=0, active=True, created_at=now()))
                self._audit(conn, "admin", "moderator_add", None, None, {"moderator": name})
        except IntegrityError:
            raise ContributionError(f"A moderator called {name!r} exists already.") from None

    def remove_moderator(self, name: str) -> None:
        with self._write() as conn, conn.begin():
            gone = conn.execute(delete(moderators).where(moderators.c.name == name)).rowcount
            if not gone:
                raise ContributionError(f"No moderator called {name!r}.")
            self._audit(conn, "admin", "moderator_remove", None, {"moderator": name}, None)

    def moderators(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(moderators.c.name, moderators.c.created_at, moderators.c.locked_until)
                                .order_by(moderators.c.name)).mappings()
            return [{"name": r["name"], "created_at": _aware(r["created_at"]),
                     "locked_until": _aware(r["locked_until"])} for r in rows]

    def sign_in(self, name: str, password: str) -> str:
        """Check a moderator's password; returns the name.

        Raises
        ------
        SignInError
            Wrong name or password, or locked for 15 minutes after 5 failed attempts.
        """
        with self._write() as conn, conn.begin():
            row = conn.execute(select(moderators).where(moderators.c.name == str(name))).mappings().first()
            if row is None:
                try:  # as slow as a real check, so names cannot be guessed by timing
                    self._hasher.verify(self._hasher.hash("x" * 12), "y" * 12)
                except VerificationError:
                    pass
                raise SignInError("Wrong name or password.")
            locked = _aware(row["locked_until"])
            if locked and locked > now():
                minutes = max(1, math.ceil((locked - now()).total_seconds() / 60))
                raise SignInError(f"Too many failed attempts: this account is locked; try again in {minutes} "
                                  f"minute{'s' if minutes != 1 else ''}.")
            try:
                self._hasher.verify(row["password_hash"], password)
                error = None
            except (VerificationError, InvalidHashError):
                failed = row["failed_attempts"] + 1
                values = {"failed_attempts": failed}
                error = "Wrong name or password."
                if failed >= LOCK_AFTER:
                    values = {"failed_attempts": 0, "locked_until": now() + timedelta(minutes=LOCK_MINUTES)}
                    error = f"Too many failed attempts: this account is locked for {LOCK_MINUTES} minutes."
                    self._audit(conn, row["name"], "locked", None, None, {"locked_minutes": LOCK_MINUTES})
                conn.execute(update(moderators).where(moderators.c.name == row["name"]).values(**values))
            if error is None:
                conn.execute(update(moderators).where(moderators.c.name == row["name"])
                             .values(failed_attempts=0, locked_until=None))
                self._audit(conn, row["name"], "sign_in", None)
        if error:  # the failed attempt is committed first
            raise SignInError(error)
        return row["name"]


def _start(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        return _aware(day)
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


__all__ = ["ContributionStore", "RateLimits", "Receipt", "SignInError", "STATUSES"]
