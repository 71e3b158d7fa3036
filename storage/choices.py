"""What a typed number means on a channel without buttons: the choices last offered to a chat,
and the chat's language (to word the hint), both kept on the user row of that channel."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import User

Choice = dict[str, str]  # {"label": …, "payload": …} or {"label": …, "url": …}


async def offered_choices(
    session: AsyncSession, channel: str, external_id: str
) -> tuple[bool, list[Choice]]:
    """(whether this user is known, the choices last offered to them)."""
    row = (
        await session.execute(
            select(User.id, User.offered_choices).where(
                User.channel == channel, User.external_id == external_id
            )
        )
    ).first()
    if row is None:
        return False, []
    return True, list(row[1] or [])


async def chat_language(session: AsyncSession, channel: str, chat_id: str) -> str:
    """The language of the person behind a chat ('vi' when the chat has no user row)."""
    found = await session.scalar(
        select(User.language).where(User.channel == channel, User.chat_id == chat_id).limit(1)
    )
    return found or "vi"


async def offer_choices(
    session: AsyncSession, channel: str, chat_id: str, choices: list[Choice]
) -> None:
    """Remember what was just offered to a chat (an empty list: digits are plain text again)."""
    await session.execute(
        update(User)
        .where(User.channel == channel, User.chat_id == chat_id)
        .values(offered_choices=choices)
    )
