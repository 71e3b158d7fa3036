"""asked_questions: answered questions and their ratings; questions: FAQ title, the low-rated
answer a question came from, a second staff answer awaiting confirmation

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asked_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("entry_id", sa.String(128), nullable=True),
        sa.Column("confident", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("rating", sa.String(8), nullable=True),
        sa.Column("rated_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_asked_questions_user_id", "asked_questions", ["user_id"])
    op.create_index("ix_asked_questions_created_at", "asked_questions", ["created_at"])
    with op.batch_alter_table("questions") as batch:
        # All empty on questions from before: their FAQ titles fall back to the question text.
        batch.add_column(sa.Column("title", sa.String(200), nullable=True))
        batch.add_column(sa.Column("asked_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pending_answer", sa.Text(), nullable=True))
        batch.add_column(sa.Column("pending_by", sa.String(96), nullable=True))
        batch.create_foreign_key(
            "fk_questions_asked_id_asked_questions",
            "asked_questions",
            ["asked_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_questions_asked_id", ["asked_id"])


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_index("ix_questions_asked_id")
        batch.drop_constraint("fk_questions_asked_id_asked_questions", type_="foreignkey")
        batch.drop_column("pending_by")
        batch.drop_column("pending_answer")
        batch.drop_column("asked_id")
        batch.drop_column("title")
    op.drop_index("ix_asked_questions_created_at", "asked_questions")
    op.drop_index("ix_asked_questions_user_id", "asked_questions")
    op.drop_table("asked_questions")
