"""The contributions tables (SQLAlchemy Core).

- ``contributions``: one row per contribution (report, nomination, idea, rating).
- ``contacts``: the optional contact email, kept apart; never shown or exported.
- ``supports``: one row per idea and browser session (unique), so supports count once.
- ``audit``: append-only; the application inserts rows and never updates or deletes them.
- ``moderators``: the town team's accounts (argon2 hashes, failed attempts, lockout).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

contributions = Table(
    "contributions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("centre_id", String(64), nullable=False),
    Column("unit_id", String(128)),
    Column("lat", Float),
    Column("lon", Float),
    Column("status", String(16), nullable=False, default="pending"),
    Column("text", Text, nullable=False, default=""),
    Column("details", Text, nullable=False, default="{}"),  # JSON: kind-specific fields
    Column("supports", Integer, nullable=False, default=0),
    Column("session_id", String(64)),
    Column("client", String(64)),  # a hash of the client address, for rate limits
    Column("origin", String(300), nullable=False, default="public"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("moderated_at", DateTime(timezone=True)),
    Column("moderated_by", String(64)),
    Column("reason", String(300)),
    Index("ix_contributions_status_created", "status", "created_at"),
    Index("ix_contributions_centre_status", "centre_id", "status", "kind", "created_at"),
    Index("ix_contributions_kind_created", "kind", "created_at"),
    Index("ix_contributions_session", "session_id", "created_at"),
    Index("ix_contributions_client", "client", "created_at"),
)

contacts = Table(
    "contacts", metadata,
    Column("contribution_id", Integer, ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True),
    Column("email", String(254), nullable=False),
)

supports = Table(
    "supports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contribution_id", Integer, ForeignKey("contributions.id", ondelete="CASCADE"), nullable=False),
    Column("session_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("contribution_id", "session_id", name="uq_supports_once"),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("contribution_id", Integer),  # no foreign key: audit rows outlive what they describe
    Column("before", Text),
    Column("after", Text),
    Column("note", String(500)),
    Index("ix_audit_contribution", "contribution_id"),
    Index("ix_audit_at", "at"),
)

moderators = Table(
    "moderators", metadata,
    Column("name", String(64), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
