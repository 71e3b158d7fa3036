"""Staff follow-up reminders: registrations still "mới" after N days remind the staff member who
claimed them, or the staff chats when nobody has."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.types import HandlerConfig
from messages.timefmt import local_day
from storage.models import Registration
from storage.reminders import add_reminder
from storage.users import find_user


async def remind_stale_registrations(
    session: AsyncSession, *, now: datetime, days: int, config: HandlerConfig
) -> int:
    """One reminder per stale registration per day (idempotent within the day)."""
    rows = await session.scalars(
        select(Registration).where(
            Registration.status == "moi", Registration.created_at < now - timedelta(days=days)
        )
    )
    today = local_day(now, config.timezone).isoformat()
    made = 0
    for reg in rows:
        params = {"ref": reg.ref or "", "id": str(reg.id), "days": str(days)}
        targets: list[tuple[int | None, str, str]] = []
        staff = await find_user(session, "telegram", reg.claimed_by) if reg.claimed_by else None
        if staff is not None:
            targets.append((staff.id, staff.channel, staff.chat_id))
        else:
            for ref in config.staff_chat_ids:
                channel, _, chat = ref.rpartition(":")
                targets.append((None, channel or "telegram", chat))
        for user_id, channel, chat in targets:
            made += await add_reminder(
                session,
                user_id=user_id,
                channel=channel,
                chat_id=chat,
                kind="staff",
                message_key="rem_staff_stale",
                params=params,
                due_at=now,
                expires_at=now + timedelta(days=1),
                idempotency_key=f"stale:{reg.id}:{channel}:{chat}:{today}",
                created_at=now,
            )
    return made
