"""Reminder rows: add (idempotent), claim due ones atomically, record outcomes, recover."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage import claims
from storage.models import Reminder

ACTIVE = ("pending", "sending")


async def add_reminder(session: AsyncSession, **fields: Any) -> bool:
    """Insert, or revive a cancelled reminder with the same idempotency key (a person who
    leaves and re-enrols, or sets again what they deleted); a live one is left as it is.
    True if a row is now pending because of this call."""
    values = {
        "status": "pending",
        "attempts": 0,
        "recurrence": "",
        "user_chose_time": False,
        "last_error": "",
        "params": {},
        **fields,
    }
    values.setdefault("created_at", values["due_at"])
    if values["recurrence"] and values.get("series_start") is None:
        values["series_start"] = values["due_at"]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Reminder).values(**values)
    revive = {
        k: stmt.excluded[k]
        for k in (
            "due_at",
            "expires_at",
            "params",
            "recurrence",
            "series_start",
            "user_chose_time",
            "chat_id",
            "message_key",
        )
    }
    stmt = stmt.on_conflict_do_update(
        index_elements=["idempotency_key"],
        set_={
            **revive,
            "status": "pending",
            "attempts": 0,
            "claimed_by": None,
            "claimed_at": None,
            "last_error": "",
        },
        where=Reminder.status == "cancelled",
    )
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def claim_due(
    session: AsyncSession, *, now: datetime, worker: str, channels: list[str], limit: int
) -> list[Reminder]:
    """Due reminders of running channels, claimed for this worker (see storage.claims)."""
    return await claims.claim(
        session,
        Reminder,
        where=[Reminder.due_at <= now, Reminder.channel.in_(channels)],
        order_by=[Reminder.due_at, Reminder.id],
        worker=worker,
        now=now,
        limit=limit,
    )


async def finish(
    session: AsyncSession,
    reminder_id: int,
    status: str,
    *,
    now: datetime,
    worker: str,
    error: str = "",
) -> bool:
    """Record the outcome of a row this worker claimed (sent, missed, failed, cancelled)."""
    values: dict[str, Any] = {"status": status, "last_error": error[:500]}
    if status == "sent":
        values["sent_at"] = now
    result = await session.execute(
        update(Reminder)
        .where(
            Reminder.id == reminder_id, Reminder.status == "sending", Reminder.claimed_by == worker
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def release(
    session: AsyncSession,
    reminder_id: int,
    due_at: datetime,
    *,
    worker: str,
    attempt: bool = False,
    error: str = "",
) -> None:
    """Give a claimed row back, due again at `due_at` (quiet hours, a retry after an error)."""
    values: dict[str, Any] = {
        "status": "pending",
        "due_at": due_at,
        "claimed_by": None,
        "claimed_at": None,
    }
    if attempt:
        values["attempts"] = Reminder.attempts + 1
        values["last_error"] = error[:500]
    await session.execute(
        update(Reminder)
        .where(
            Reminder.id == reminder_id, Reminder.status == "sending", Reminder.claimed_by == worker
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def recover_stale(
    session: AsyncSession,
    now: datetime,
    older_than: timedelta,
    *,
    me: str,
    dead_workers: tuple[str, ...] = (),
) -> int:
    return await claims.recover(
        session, Reminder, now, older_than, me=me, dead_workers=dead_workers
    )


async def claimers(session: AsyncSession) -> list[str]:
    return await claims.claimers(session, Reminder)


async def cancel_where(
    session: AsyncSession,
    *,
    user_id: int | None = None,
    class_id: int | None = None,
    reminder_id: int | None = None,
    kind: str | None = None,
) -> int:
    """Cancel the pending reminders matching every condition given."""
    conditions = [Reminder.status == "pending"]
    if kind is not None:
        conditions.append(Reminder.kind == kind)
    if user_id is not None:
        conditions.append(Reminder.user_id == user_id)
    if class_id is not None:
        conditions.append(Reminder.class_id == class_id)
    if reminder_id is not None:
        conditions.append(Reminder.id == reminder_id)
    result = await session.execute(
        update(Reminder)
        .where(and_(*conditions))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def snooze_key(reminder_id: int, due_at: datetime) -> str:
    """The idempotency key of a snoozed copy of a reminder."""
    return f"snooze:{reminder_id}:{due_at.isoformat()}"


async def pending_snoozes(session: AsyncSession, reminder_id: int) -> list[Reminder]:
    """The copies of a reminder that its snooze buttons made and that are not sent yet."""
    rows = await session.scalars(
        select(Reminder).where(
            Reminder.status == "pending",
            Reminder.idempotency_key.startswith(f"snooze:{reminder_id}:", autoescape=True),
        )
    )
    return list(rows)


async def pending_of(session: AsyncSession, user_id: int, limit: int = 20) -> list[Reminder]:
    rows = await session.scalars(
        select(Reminder)
        .where(Reminder.user_id == user_id, Reminder.status == "pending")
        .order_by(Reminder.due_at)
        .limit(limit)
    )
    return list(rows)


async def count_due(session: AsyncSession, now: datetime) -> int:
    """Reminders due and not yet sent (pending or being sent), for monitoring."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.status.in_(("pending", "sending")), Reminder.due_at <= now)
        )
        or 0
    )
