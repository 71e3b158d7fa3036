"""Questions for staff: drafted when the bot is unsure (storage/question_drafts.py), sent on the
user's request, answered."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AskedQuestion, Question, User

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
    """Questions sent from an unsure answer, waiting for staff, oldest first (those sent after
    a 👎 are listed apart: open_low_rated)."""
    rows = await session.scalars(
        select(Question)
        .where(Question.status == "open", Question.asked_id.is_(None))
        .order_by(Question.id)
        .limit(limit)
    )
    return list(rows)


async def open_low_rated(
    session: AsyncSession, limit: int = 20
) -> list[tuple[Question, AskedQuestion]]:
    """Questions sent to staff after a 👎 on the bot's answer, waiting, with what was logged
    of the answer (its entry), oldest first."""
    rows = await session.execute(
        select(Question, AskedQuestion)
        .join(AskedQuestion, AskedQuestion.id == Question.asked_id)
        .where(Question.status == "open")
        .order_by(Question.id)
        .limit(limit)
    )
    return [(q, a) for q, a in rows]


async def send_low_rated(
    session: AsyncSession, asked: AskedQuestion, user_id: int, now: datetime
) -> tuple[Question, bool]:
    """The question behind a 👎 goes to staff, once: (its question row, whether it is new)."""
    row = await session.scalar(select(Question).where(Question.asked_id == asked.id).limit(1))
    if row is not None:
        return row, False
    row = Question(
        user_id=user_id,
        text=asked.text,
        status="open",
        created_at=now,
        sent_at=now,
        asked_id=asked.id,
        published=False,
    )
    session.add(row)
    await session.flush()
    return row, True


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


async def publishable(session: AsyncSession, question_id: int) -> Question | None:
    """An answered question not yet published as FAQ, else None."""
    row = await session.get(Question, question_id)
    if row is None or row.status != "answered" or row.published:
        return None
    return row


async def publish_answer(
    session: AsyncSession, question_id: int, title: str | None = None
) -> Question | None:
    """Publish an answer as FAQ under `title` (the question's text when None)."""
    row = await publishable(session, question_id)
    if row is None:
        return None
    row.published, row.title = True, title
    return row


async def hold_answer(session: AsyncSession, question: Question, answer: str, staff: str) -> None:
    """Keep a further answer to an answered question until its author confirms it (one
    pending answer per question: a newer one replaces it)."""
    question.pending_answer, question.pending_by = answer, staff
    await session.flush()


async def release_answer(
    session: AsyncSession, question: Question, now: datetime
) -> tuple[str, User] | None:
    """Send the confirmed pending answer: (the answer, the asker). The stored answer becomes
    it, unless already published as FAQ (the knowledge base keeps what staff published)."""
    answer, staff = question.pending_answer, question.pending_by
    question.pending_answer = question.pending_by = None
    asker = await session.get(User, question.user_id)
    if answer is None or staff is None or asker is None:
        return None
    if not question.published:
        question.answer = answer
    question.answered_by, question.answered_at = staff, now
    return answer, asker


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
