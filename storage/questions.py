"""Questions for staff: sent on the asker's request from an unsure answer or after a 👎 on an
answer (each from its row in asked_questions, once), answered, published as FAQ."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AskedQuestion, Question, User


async def send_unsure(
    session: AsyncSession, asked_id: int, user_id: int, now: datetime
) -> tuple[Question, bool] | None:
    """The asker's own unsure question goes to staff, once: (its question row, whether it is
    new); None if the logged question is not theirs, was answered confidently, or is gone."""
    asked = await session.get(AskedQuestion, asked_id)
    if asked is None or asked.user_id != user_id or asked.confident or not asked.text:
        return None
    return await _sent_once(session, asked, user_id, now)


async def _sent_once(
    session: AsyncSession, asked: AskedQuestion, user_id: int, now: datetime
) -> tuple[Question, bool]:
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


async def open_questions(session: AsyncSession, limit: int = 20) -> list[Question]:
    """Questions sent from an unsure answer, waiting for staff, oldest first (those sent after
    a 👎 are listed apart: open_low_rated)."""
    rows = await session.scalars(
        select(Question)
        .outerjoin(AskedQuestion, AskedQuestion.id == Question.asked_id)
        .where(Question.status == "open", AskedQuestion.confident.is_not(True))
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
        .where(Question.status == "open", AskedQuestion.confident.is_(True))
        .order_by(Question.id)
        .limit(limit)
    )
    return [(q, a) for q, a in rows]


async def send_low_rated(
    session: AsyncSession, asked: AskedQuestion, user_id: int, now: datetime
) -> tuple[Question, bool]:
    """The question behind a 👎 goes to staff, once: (its question row, whether it is new)."""
    return await _sent_once(session, asked, user_id, now)


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
