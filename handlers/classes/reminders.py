"""Reminders for everyone enrolled in a class: by default the day before at 08:00 and two hours
before (HTXBOT_CLASS_REMINDERS), each useless once the class has started."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.classes.view import where
from messages.timefmt import local_time
from storage.models import TrainingClass, User
from storage.reminders import add_reminder, cancel_where

_OFFSET = re.compile(r"^(\d+)([dhm])(?:@(\d{1,2}):(\d{2}))?$")


def due_times(
    starts_at: datetime, offsets: tuple[str, ...], tz: str
) -> list[tuple[str, datetime]]:
    """'1d@08:00' → 08:00 local the day before; '2h' → two hours before; '30m' → 30 minutes."""
    out = []
    local_start = starts_at.astimezone(ZoneInfo(tz))
    for spec in offsets:
        m = _OFFSET.match(spec.strip())
        if not m:
            continue
        n, unit, hh, mm = int(m[1]), m[2], m[3], m[4]
        if unit == "d" and hh is not None:
            day = local_start.date() - timedelta(days=n)
            due = datetime.combine(day, time(int(hh), int(mm)), tzinfo=ZoneInfo(tz))
        else:
            due = (
                local_start
                - {"d": timedelta(days=n), "h": timedelta(hours=n), "m": timedelta(minutes=n)}[
                    unit
                ]
            )
        out.append((spec, due.astimezone(starts_at.tzinfo)))
    return out


async def schedule_for(
    session: AsyncSession,
    cls: TrainingClass,
    user: User,
    *,
    now: datetime,
    tz: str,
    offsets: tuple[str, ...],
) -> int:
    """Rows for one enrolled person; offsets already past are skipped. Idempotent."""
    made = 0
    for spec, due in due_times(cls.starts_at, offsets, tz):
        if due <= now or due >= cls.starts_at:
            continue
        made += await add_reminder(
            session,
            user_id=user.id,
            channel=user.channel,
            chat_id=user.chat_id,
            kind="class",
            message_key="rem_class",
            class_id=cls.id,
            due_at=due,
            expires_at=cls.starts_at,
            params={
                "title": cls.title,
                "when": local_time(cls.starts_at, tz, user.language),
                "where": where(cls, user.language),
            },
            idempotency_key=f"class:{cls.id}:{user.id}:{spec}:{cls.starts_at.isoformat()}",
            created_at=now,
        )
    return made


async def cancel_for(session: AsyncSession, class_id: int, user_id: int | None = None) -> int:
    return await cancel_where(session, class_id=class_id, user_id=user_id)
