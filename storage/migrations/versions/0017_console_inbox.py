"""console_inbox: messages for a person in `htxbot chat`, shown by their own terminal

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_inbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("file_data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_console_inbox_chat_id", "console_inbox", ["chat_id"])


def downgrade() -> None:
    op.drop_index("ix_console_inbox_chat_id", table_name="console_inbox")
    op.drop_table("console_inbox")
