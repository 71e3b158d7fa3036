"""registration history: no applicant ids left behind by /xoadulieu

Until now, a registration updated or withdrawn by its applicant recorded their channel:id as
the actor, and deleting their data left it there. Those steps now record "user"; this turns
the ones already recorded on anonymised registrations into "user" too.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE registration_events SET actor = 'user'
        WHERE note IN ('cập nhật thông tin', 'người đăng ký rút')
          AND registration_id IN (SELECT id FROM registrations WHERE user_id IS NULL)
        """
    )


def downgrade() -> None:
    pass  # the ids are gone, as they should be
