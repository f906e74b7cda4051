"""Contributions, contacts, supports, audit and moderators.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("centre_id", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.String(128)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("supports", sa.Integer, nullable=False),
        sa.Column("session_id", sa.String(64)),
        sa.Column("client", sa.String(64)),
        sa.Column("origin", sa.String(300), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("moderated_at", TZ),
        sa.Column("moderated_by", sa.String(64)),
        sa.Column("reason", sa.String(300)),
    )
    op.create_index("ix_contributions_status_created", "contributions", ["status", "created_at"])
    op.create_index("ix_contributions_centre_status", "contributions", ["centre_id", "status", "kind", "created_at"])
    op.create_index("ix_contributions_kind_created", "contributions", ["kind", "created_at"])
    op.create_index("ix_contributions_session", "contributions", ["session_id", "created_at"])
    op.create_index("ix_contributions_client", "contributions", ["client", "created_at"])
    op.create_table(
        "contacts",
        sa.Column("contribution_id", sa.Integer, sa.ForeignKey("contributions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
    )
    op.create_table(
        "supports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("contribution_id", sa.Integer, sa.ForeignKey("contributions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("contribution_id", "session_id", name="uq_supports_once"),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("contribution_id", sa.Integer),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("note", sa.String(500)),
    )
    op.create_index("ix_audit_contribution", "audit", ["contribution_id"])
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_table(
        "moderators",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", TZ),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("moderators", "audit", "supports", "contacts", "contributions"):
        op.drop_table(table)
