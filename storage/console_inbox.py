"""Messages waiting for a person on the console channel: posted by whichever `htxbot chat`
process produced them (a staff answer, a reminder, a broadcast), taken by that person's own
terminal. Taking deletes, so two terminals never both show one message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsoleMessage


async def post(
    session: AsyncSession,
    *,
    chat_id: str,
    reply: dict[str, Any],
    now: datetime,
    file_name: str = "",
    file_data: bytes | None = None,
) -> None:
    session.add(
        ConsoleMessage(
            chat_id=chat_id,
            reply=reply,
            file_name=file_name,
            file_data=file_data,
            created_at=now,
        )
    )
    await session.flush()


async def take(session: AsyncSession, chat_id: str) -> list[ConsoleMessage]:
    """The messages waiting for `chat_id`, oldest first, removed in the same statement."""
    waiting = select(ConsoleMessage.id).where(ConsoleMessage.chat_id == chat_id).limit(1)
    if await session.scalar(waiting) is None:
        return []  # looked at twice a second: a read, not a write, when there is nothing
    rows = await session.scalars(
        delete(ConsoleMessage).where(ConsoleMessage.chat_id == chat_id).returning(ConsoleMessage)
    )
    return sorted(rows, key=lambda row: row.id)
