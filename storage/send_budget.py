"""The outbound rate budget shared by several processes: each message reserves the next free
slot of a token bucket kept in one row, so all processes together stay under the platform's
limit. On PostgreSQL the database's clock is used, so hosts with skewed clocks still agree."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import ColumnElement, func, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SendBudget


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _now(session: AsyncSession) -> ColumnElement[Any]:
    if _dialect(session) == "postgresql":
        return func.extract("epoch", func.clock_timestamp())
    return literal(time.time())


def _later(session: AsyncSession, a: Any, b: Any) -> ColumnElement[Any]:
    return func.greatest(a, b) if _dialect(session) == "postgresql" else func.max(a, b)


async def ensure(session: AsyncSession, key: str) -> None:
    """Create the budget row if it does not exist yet."""
    insert = pg_insert if _dialect(session) == "postgresql" else sqlite_insert
    await session.execute(
        insert(SendBudget).values(key=key, next_slot=0.0).on_conflict_do_nothing()
    )


async def reserve(session: AsyncSession, key: str, interval: float) -> float:
    """Take the next slot; returns how many seconds to wait before sending (0 if none)."""
    now = _now(session)
    row = (
        await session.execute(
            update(SendBudget)
            .where(SendBudget.key == key)
            .values(next_slot=_later(session, SendBudget.next_slot, now) + interval)
            .returning(SendBudget.next_slot - interval - now)
        )
    ).first()
    if row is None:
        raise LookupError(f"no send budget '{key}'")
    return max(0.0, float(row[0]))


async def pause(session: AsyncSession, key: str, seconds: float) -> None:
    """The platform asked to slow down: no process sends before `seconds` from now."""
    await session.execute(
        update(SendBudget)
        .where(SendBudget.key == key)
        .values(next_slot=_later(session, SendBudget.next_slot, _now(session) + seconds))
    )
