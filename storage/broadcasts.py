"""Broadcasts: segments of subscribed people, one row per recipient, claimed in batches."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage import claims
from storage.models import Broadcast, BroadcastRecipient, Enrolment, Registration, User

SEGMENT_KEYS = ("province", "class_id", "reg_status", "sector", "language", "channel", "role")
ROLES = ("farmer", "leader", "staff")  # leader: runs a co-op (set up the legal calendar)


def audience(segment: dict[str, Any]) -> Select[Any]:
    """Subscribed people matching every condition of the segment (an empty segment: all)."""
    query: Any = select(User.id, User.channel, User.chat_id).where(User.subscribed.is_(True))
    if segment.get("province"):
        query = query.where(User.province_code.in_(list(segment["province"])))
    if segment.get("language"):
        query = query.where(User.language == segment["language"])
    if segment.get("channel"):
        query = query.where(User.channel == segment["channel"])
    if segment.get("role"):
        query = query.where(_role_condition(segment["role"], segment.get("staff_refs") or []))
    if segment.get("class_id"):
        query = query.where(
            exists().where(
                Enrolment.user_id == User.id,
                Enrolment.class_id == int(segment["class_id"]),
                Enrolment.status == "enrolled",
            )
        )
    reg_conditions = []
    if segment.get("reg_status"):
        reg_conditions.append(Registration.status == segment["reg_status"])
    if segment.get("sector"):
        reg_conditions.append(Registration.sector == segment["sector"])
    if reg_conditions:
        query = query.where(exists().where(Registration.user_id == User.id, *reg_conditions))
    return query


def _role_condition(role: str, staff_refs: list[str]) -> ColumnElement[bool]:
    """`staff_refs`: the accounts staff because settings list them (HTXBOT_ADMINS), copied
    into the segment when the broadcast is written."""
    staff = User.roles.like("%staff%") | (User.channel + ":" + User.external_id).in_(staff_refs)
    leader = User.roles.like("%leader%")
    if role == "staff":
        return staff
    if role == "leader":
        return leader
    return ~staff & ~leader


async def count_audience(session: AsyncSession, segment: dict[str, Any]) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(audience(segment).subquery())) or 0
    )


async def create_broadcast(session: AsyncSession, **fields: Any) -> Broadcast:
    row = Broadcast(status="scheduled", total=0, **fields)
    session.add(row)
    await session.flush()
    return row


async def start_due(
    session: AsyncSession, now: datetime, *, override_only: bool = False
) -> list[Broadcast]:
    """Broadcasts whose time has come: atomically marked sending (one process wins), and their
    recipients written, one row each."""
    query = select(Broadcast).where(Broadcast.status == "scheduled", Broadcast.send_at <= now)
    if override_only:
        query = query.where(Broadcast.quiet_override.is_(True))
    due = list(await session.scalars(query))
    started = []
    for bc in due:
        won = await session.execute(
            update(Broadcast)
            .where(Broadcast.id == bc.id, Broadcast.status == "scheduled")
            .values(status="sending", started_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(won, "rowcount", 0) != 1:
            continue
        people = audience(bc.segment).subquery()
        source = select(
            literal(bc.id),
            people.c.id,
            people.c.channel,
            people.c.chat_id,
            literal("pending"),
            literal(0),
            literal(""),
        ).where(people.c.id.is_not(None))  # SQLite needs a WHERE before ON CONFLICT
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await session.execute(
            insert(BroadcastRecipient)
            .from_select(
                ["broadcast_id", "user_id", "channel", "chat_id", "status", "attempts", "error"],
                source,
            )
            .on_conflict_do_nothing(index_elements=["broadcast_id", "user_id"])
        )
        total = await session.scalar(
            select(func.count())
            .select_from(BroadcastRecipient)
            .where(BroadcastRecipient.broadcast_id == bc.id)
        )
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == bc.id)
            .values(total=total or 0)
            .execution_options(synchronize_session=False)
        )
        started.append(bc)
    return started


async def claim_recipients(
    session: AsyncSession, *, now: datetime, worker: str, channels: list[str], limit: int
) -> list[BroadcastRecipient]:
    """Pending recipients of running broadcasts, claimed for this worker (storage.claims)."""
    live = select(Broadcast.id).where(Broadcast.status == "sending")
    return await claims.claim(
        session,
        BroadcastRecipient,
        where=[
            BroadcastRecipient.channel.in_(channels),
            BroadcastRecipient.broadcast_id.in_(live),
        ],
        order_by=[BroadcastRecipient.id],
        worker=worker,
        now=now,
        limit=limit,
    )


async def finish_recipient(
    session: AsyncSession,
    recipient_id: int,
    status: str,
    *,
    worker: str,
    now: datetime,
    error: str = "",
) -> None:
    values: dict[str, Any] = {"status": status, "error": error[:300]}
    if status == "sent":
        values["sent_at"] = now
    if status == "pending":
        values |= {
            "claimed_by": None,
            "claimed_at": None,
            "attempts": BroadcastRecipient.attempts + 1,
        }
    await session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.id == recipient_id,
            BroadcastRecipient.status == "sending",
            BroadcastRecipient.claimed_by == worker,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def recover_recipients(
    session: AsyncSession,
    now: datetime,
    older_than: timedelta,
    *,
    me: str,
    dead_workers: tuple[str, ...] = (),
) -> int:
    return await claims.recover(
        session, BroadcastRecipient, now, older_than, me=me, dead_workers=dead_workers
    )


async def recipient_claimers(session: AsyncSession) -> list[str]:
    return await claims.claimers(session, BroadcastRecipient)


async def progress(session: AsyncSession, broadcast_id: int) -> Counter[str]:
    rows = await session.execute(
        select(BroadcastRecipient.status, func.count())
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(BroadcastRecipient.status)
    )
    return Counter({status: int(n) for status, n in rows})


async def finish_if_complete(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Mark done when nobody is left to send to; True for the one call that did it. Called
    after every message, so it asks whether one is left, not how many (with 100,000 recipients
    counting them each time was most of the bot's CPU)."""
    left = await session.scalar(
        select(BroadcastRecipient.id)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status.in_(("pending", "sending")),
        )
        .limit(1)
    )
    if left is not None:
        return False
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
        .values(status="done", finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


async def cancel_broadcast(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(("scheduled", "sending")))
        .values(status="cancelled", finished_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == "pending"
        )
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


async def recent(session: AsyncSession, limit: int = 10) -> list[Broadcast]:
    return list(
        await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
    )


async def running_progress(session: AsyncSession) -> dict[int, Counter[str]]:
    """Recipients by status of every broadcast being sent, for monitoring."""
    rows = await session.execute(
        select(BroadcastRecipient.broadcast_id, BroadcastRecipient.status, func.count())
        .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
        .where(Broadcast.status == "sending")
        .group_by(BroadcastRecipient.broadcast_id, BroadcastRecipient.status)
    )
    out: dict[int, Counter[str]] = {}
    for broadcast_id, status, n in rows:
        out.setdefault(int(broadcast_id), Counter())[status] = int(n)
    return out


async def attachment_data(session: AsyncSession, broadcast_id: int) -> bytes:
    """The bytes of a broadcast's photo or file (a deferred column: read only when needed)."""
    data = await session.scalar(
        select(Broadcast.attachment_data).where(Broadcast.id == broadcast_id)
    )
    return bytes(data or b"")
