"""Questions for staff: drafted when the bot is unsure (storage/question_drafts.py), sent on the
user's request, answered."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Question, User

# An unsent draft is the text of a question its asker chose not to send: kept this long (its
# button works until then), then deleted by a daily job.
DRAFT_DAYS = 30


async def send_question(
    session: AsyncSession, ref: int | str, user_id: int, now: datetime
) -> Question | None:
    """Mark the user's own draft as sent to staff, found by its token (or by its id, on
    buttons from before tokens); None if it is not theirs or is gone."""
    if isinstance(ref, int):
        row = await session.get(Question, ref)
    else:
        row = await session.scalar(select(Question).where(Question.token == ref))
    if row is None or row.user_id != user_id:
        return None
    if row.status == "draft":
        row.status, row.sent_at = "open", now
    return row


async def open_questions(session: AsyncSession, limit: int = 20) -> list[Question]:
    rows = await session.scalars(
        select(Question).where(Question.status == "open").order_by(Question.id).limit(limit)
    )
    return list(rows)


async def answer_question(
    session: AsyncSession, question_id: int, answer: str, staff: str, now: datetime
) -> tuple[Question, User] | None:
    row = await session.get(Question, question_id)
    if row is None or row.status == "draft":
        return None
    row.status, row.answer, row.answered_by, row.answered_at = "answered", answer, staff, now
    asker = await session.get(User, row.user_id)
    if asker is None:
        return None
    return row, asker


async def publish_answer(session: AsyncSession, question_id: int) -> Question | None:
    row = await session.get(Question, question_id)
    if row is None or row.status != "answered" or row.published:
        return None
    row.published = True
    return row


async def published_answers(session: AsyncSession) -> list[Question]:
    rows = await session.scalars(
        select(Question).where(Question.published.is_(True)).order_by(Question.id)
    )
    return list(rows)


async def delete_old_drafts(session: AsyncSession, now: datetime) -> int:
    """Delete drafts never sent to staff and older than DRAFT_DAYS; returns how many."""
    result = await session.execute(
        delete(Question).where(
            Question.status == "draft", Question.created_at < now - timedelta(days=DRAFT_DAYS)
        )
    )
    return int(getattr(result, "rowcount", 0))
