"""The questions the bot answered (or could not answer confidently) and how askers rated the
answers: logged in the update's own transaction, counted per week for staff reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AskedQuestion

RATINGS = ("up", "down")
# A question's words are kept this long (its buttons work until then), then only its counts: a
# question not sent to staff is the text of someone who chose not to send it.
KEEP_WORDS_DAYS = 30
VIAS = ("typed", "button", "article")  # a typed question, a related-question button, /dieu


async def log_question(
    session: AsyncSession,
    *,
    user_id: int,
    text: str,
    entry_id: str | None,
    confident: bool,
    now: datetime,
    via: str = "typed",
) -> AskedQuestion:
    """Write one asked question; flushed, so its id can go on the answer's rating buttons."""
    row = AskedQuestion(
        user_id=user_id,
        text=text,
        via=via,
        entry_id=entry_id,
        confident=confident,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def rate(
    session: AsyncSession, asked_id: int, user_id: int, rating: str, now: datetime
) -> AskedQuestion | None:
    """Record the asker's rating of an answer (a second one replaces the first); None, and
    nothing changed, unless the row is theirs and was answered with an entry."""
    if rating not in RATINGS:
        return None
    row = await session.get(AskedQuestion, asked_id)
    if row is None or row.user_id != user_id or not row.confident or row.entry_id is None:
        return None
    if row.rating != rating:  # pressed again: still rated when first pressed
        row.rating, row.rated_at = rating, now
    return row


async def anonymise_asked(session: AsyncSession, user_id: int) -> None:
    """A person deleting their data: their questions stay for the counts, without them or
    their words."""
    await session.execute(
        update(AskedQuestion).where(AskedQuestion.user_id == user_id).values(user_id=None, text="")
    )


async def forget_old_words(session: AsyncSession, now: datetime) -> int:
    """Questions older than KEEP_WORDS_DAYS keep their counts, not their asker nor their words;
    returns how many were forgotten (those sent to staff live on as questions for staff)."""
    result = await session.execute(
        update(AskedQuestion)
        .where(
            AskedQuestion.created_at < now - timedelta(days=KEEP_WORDS_DAYS),
            AskedQuestion.text != "",
        )
        .values(user_id=None, text="")
    )
    return int(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class WeekCounts:
    """One ISO week: typed questions, those answered confidently, answers rated 👍 and 👎
    (of any answer shown that week, a related-question button's or /dieu's too)."""

    year: int
    week: int
    monday: date
    asked: int = 0
    confident: int = 0
    up: int = 0
    down: int = 0


async def weekly_counts(
    session: AsyncSession, now: datetime, tz: str = "Asia/Ho_Chi_Minh", weeks: int = 8
) -> list[WeekCounts]:
    """The last `weeks` ISO weeks in local time, oldest first, this week last (empty weeks
    included). Each row counts in the week it was asked, its rating too."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    rows = await session.execute(
        select(
            AskedQuestion.created_at,
            AskedQuestion.via,
            AskedQuestion.confident,
            AskedQuestion.rating,
        ).where(AskedQuestion.created_at >= since)
    )
    tally: dict[date, dict[str, int]] = {
        first + timedelta(weeks=i): {"asked": 0, "confident": 0, "up": 0, "down": 0}
        for i in range(weeks)
    }
    for created, via, confident, rating in rows:
        day = created.astimezone(zone).date()
        counts = tally.get(day - timedelta(days=day.weekday()))
        if counts is None:  # asked after `now` (a clock set back): not in these weeks
            continue
        if via == "typed":
            counts["asked"] += 1
            counts["confident"] += bool(confident)
        if rating in RATINGS:
            counts[rating] += 1
    return [
        WeekCounts(
            year=monday.isocalendar().year,
            week=monday.isocalendar().week,
            monday=monday,
            asked=c["asked"],
            confident=c["confident"],
            up=c["up"],
            down=c["down"],
        )
        for monday, c in tally.items()
    ]
