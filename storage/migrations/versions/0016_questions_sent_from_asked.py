"""questions: sent to staff from the asked_questions row of an unsure answer, no drafts

Unsent drafts were the words of people who chose not to send them: they are deleted, and the
token their buttons carried goes with them (those buttons now ask to type the question again).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM questions WHERE status = 'draft'"))
    with op.batch_alter_table("questions") as batch:
        batch.drop_index("ix_questions_token")
        batch.drop_column("token")


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("token", sa.String(16), nullable=True))
        batch.create_index("ix_questions_token", ["token"], unique=True)
