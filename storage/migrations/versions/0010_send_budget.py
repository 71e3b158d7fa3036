"""send_budget: the outbound rate budget shared by several bot processes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("next_slot", sa.Double(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
