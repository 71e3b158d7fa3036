"""questions: the token a "send to staff" button carries, known before the draft is written

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        # Empty on drafts written before: their buttons carry the row's id, which still works.
        batch.add_column(sa.Column("token", sa.String(16), nullable=True))
        batch.create_index("ix_questions_token", ["token"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_index("ix_questions_token")
        batch.drop_column("token")
