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
    """Atomically move up to `limit` pending rows matching `where` to this worker, so two
    processes never claim the same row.

    On SQLite, one UPDATE whose subquery picks the rows: it runs under the write lock, so a
    second process waiting for that lock then takes the next rows rather than finding these
    gone. (Picked by a SELECT before, outside the lock, both processes chose the same rows and
    the second claimed none, every time they polled together.) On PostgreSQL, ids first with
    FOR UPDATE SKIP LOCKED (rows another process is claiming are skipped), then a conditional
    UPDATE takes those still pending: in one statement PostgreSQL may run a LIMIT subquery
    more than once and claim more than asked."""
    values = {"status": "sending", "claimed_by": worker, "claimed_at": now}
    pick = select(model.id).where(model.status == "pending", *where).order_by(*order_by)
    if session.get_bind().dialect.name == "sqlite":
        if await session.scalar(pick.limit(1)) is None:
            return []  # nothing due (most seconds): no write lock taken for nothing
        claimed = await session.scalars(
            update(model)
            .where(model.id.in_(pick.limit(limit).scalar_subquery()))
            .values(**values)
            .returning(model)
            .execution_options(synchronize_session=False)
        )
        return list(claimed)
    ids = list(await session.scalars(pick.limit(limit).with_for_update(skip_locked=True)))
    if not ids:
        return []
    rows = await session.scalars(
        update(model)
        .where(model.id.in_(ids), model.status == "pending")
        .values(**values)
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
