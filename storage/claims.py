"""Claiming rows for sending, shared by reminders and broadcast recipients: both tables have
`status` (pending → sending → …), `claimed_by` and `claimed_at`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession


async def claim(
    session: AsyncSession,
    model: Any,
    *,
    where: list[ColumnElement[bool]],
    order_by: list[Any],
    worker: str,
    now: datetime,
    limit: int,
) -> list[Any]:
    """Atomically move up to `limit` pending rows matching `where` to this worker. Ids first
    (FOR UPDATE SKIP LOCKED on PostgreSQL: rows another process is claiming are skipped), then
    one conditional UPDATE takes those still pending (on SQLite it holds the write lock), so two
    processes never claim the same row. Two statements, because in one PostgreSQL may run a
    LIMIT subquery more than once and claim more than asked."""
    ids = list(
        await session.scalars(
            select(model.id)
            .where(model.status == "pending", *where)
            .order_by(*order_by)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    rows = await session.scalars(
        update(model)
        .where(model.id.in_(ids), model.status == "pending")
        .values(status="sending", claimed_by=worker, claimed_at=now)
        .returning(model)
        .execution_options(synchronize_session=False)
    )
    return list(rows)


async def recover(
    session: AsyncSession,
    model: Any,
    now: datetime,
    older_than: timedelta,
    *,
    me: str,
    dead_workers: tuple[str, ...] = (),
) -> int:
    """Rows left in 'sending' by a process that died go back to pending (the one that was in
    flight may then be sent twice; none is lost): at once for workers known to be dead,
    after `older_than` for any other — never this worker's own, which may just be queued."""
    stale = (model.claimed_at < now - older_than) & (model.claimed_by != me)
    if dead_workers:
        stale = stale | model.claimed_by.in_(dead_workers)
    result = await session.execute(
        update(model)
        .where(model.status == "sending", stale)
        .values(status="pending", claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


async def release_mine(session: AsyncSession, model: Any, worker: str) -> int:
    """At shutdown: rows this worker claimed and did not send go back to pending."""
    result = await session.execute(
        update(model)
        .where(model.status == "sending", model.claimed_by == worker)
        .values(status="pending", claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


async def claimers(session: AsyncSession, model: Any) -> list[str]:
    """Workers currently holding claimed rows."""
    rows = await session.scalars(
        select(model.claimed_by).where(model.status == "sending").distinct()
    )
    return [r for r in rows if r]
