"""broadcasts: an optional photo or file

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("attachment_kind", sa.String(16), nullable=True))
        batch.add_column(
            sa.Column("attachment_name", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("attachment_file_id", sa.String(256), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("attachment_data", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("attachment_data")
        batch.drop_column("attachment_file_id")
        batch.drop_column("attachment_name")
        batch.drop_column("attachment_kind")
