"""registrations of interest in founding a co-op, and their pipeline events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ref", sa.String(24), nullable=True, unique=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("full_name", sa.String(80), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(8), nullable=False),
        sa.Column("commune_code", sa.String(8), nullable=False),
        sa.Column("sector", sa.String(32), nullable=False),
        sa.Column("products", sa.Text(), nullable=False),
        sa.Column("members_expected", sa.Integer(), nullable=False),
        sa.Column("support", sa.JSON(), nullable=False),
        sa.Column("call_time", sa.String(32), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("claimed_by", sa.String(96), nullable=True),
        sa.Column("consent_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_registrations_user_id", "registrations", ["user_id"])
    op.create_index("ix_registrations_phone", "registrations", ["phone"])
    op.create_index("ix_registrations_province_code", "registrations", ["province_code"])
    op.create_index("ix_registrations_status", "registrations", ["status"])
    op.create_index("ix_registrations_created_at", "registrations", ["created_at"])
    op.create_table(
        "registration_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "registration_id", sa.Integer(),
            sa.ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(96), nullable=False),
        sa.Column("from_status", sa.String(24), nullable=False),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_registration_events_registration_id", "registration_events", ["registration_id"]
    )


def downgrade() -> None:
    op.drop_table("registration_events")
    op.drop_table("registrations")
