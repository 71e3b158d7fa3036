"""Training classes and enrolments. Seats are taken with a conditional UPDATE on the class row,
so two people pressing "Đăng ký" for the last seat at once can never both get it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Enrolment, TrainingClass, User

OPEN = "published"


async def create_class(session: AsyncSession, *, now: datetime, **fields: Any) -> TrainingClass:
    row = TrainingClass(seats_taken=0, created_at=now, updated_at=now, **fields)
    session.add(row)
    await session.flush()
    return row


async def upcoming(
    session: AsyncSession,
    now: datetime,
    *,
    province: str | None = None,
    topic: str | None = None,
    limit: int = 10,
) -> list[TrainingClass]:
    """Published classes that have not started, nearest first; a province sees its own and
    those for every province."""
    query = select(TrainingClass).where(
        TrainingClass.status == OPEN, TrainingClass.starts_at > now
    )
    if province:
        query = query.where(
            or_(TrainingClass.province_code == province, TrainingClass.province_code == "")
        )
    if topic:
        query = query.where(TrainingClass.topic == topic)
    return list(await session.scalars(query.order_by(TrainingClass.starts_at).limit(limit)))


@dataclass(frozen=True)
class EnrolResult:
    status: str  # enrolled | waiting | already | closed | cancelled_class | full_waiting
    position: int = 0  # place on the waiting list


async def waiting_position(session: AsyncSession, enrolment: Enrolment) -> int:
    ahead = await session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.class_id == enrolment.class_id,
            Enrolment.status == "waiting",
            Enrolment.id <= enrolment.id,
        )
    )
    return int(ahead or 0)


def enrolment_shut(cls: TrainingClass, now: datetime) -> str | None:
    """Why nobody can enrol now ('cancelled_class' or 'closed'), or None if they can."""
    if cls.status != OPEN:
        return "cancelled_class" if cls.status == "cancelled" else "closed"
    if now >= cls.deadline_at or now >= cls.starts_at:
        return "closed"
    return None


async def enrol(
    session: AsyncSession, cls: TrainingClass, user: User, now: datetime
) -> EnrolResult:
    """Take a seat if one is free, else join the waiting list."""
    shut = enrolment_shut(cls, now)
    if shut is not None:
        return EnrolResult(shut)
    await lock_class(session, cls.id)
    existing = await session.scalar(
        select(Enrolment).where(Enrolment.class_id == cls.id, Enrolment.user_id == user.id)
    )
    if existing is not None and existing.status in ("enrolled", "waiting"):
        pos = await waiting_position(session, existing) if existing.status == "waiting" else 0
        return EnrolResult("already", pos)
    took = await session.execute(
        update(TrainingClass)
        .where(
            TrainingClass.id == cls.id,
            TrainingClass.status == OPEN,
            TrainingClass.seats_taken < TrainingClass.capacity,
        )
        .values(seats_taken=TrainingClass.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    status = "enrolled" if getattr(took, "rowcount", 0) == 1 else "waiting"
    if existing is None:
        existing = Enrolment(
            class_id=cls.id, user_id=user.id, status=status, created_at=now, updated_at=now
        )
        session.add(existing)
    else:  # cancelled earlier, coming back: a new place at the end of the queue
        await session.delete(existing)
        await session.flush()
        existing = Enrolment(
            class_id=cls.id, user_id=user.id, status=status, created_at=now, updated_at=now
        )
        session.add(existing)
    await session.flush()
    await session.refresh(cls)
    if status == "waiting":
        return EnrolResult("waiting", await waiting_position(session, existing))
    return EnrolResult("enrolled")


async def lock_class(session: AsyncSession, class_id: int) -> None:
    """Serialise seat changes of one class on PostgreSQL (SQLite already has one writer), so a
    leave and an enrolment at the same moment cannot pass each other."""
    await session.execute(
        select(TrainingClass.id).where(TrainingClass.id == class_id).with_for_update()
    )


async def cancel_enrolment(
    session: AsyncSession, enrolment: Enrolment, now: datetime
) -> Enrolment | None:
    """Leave a class; a freed seat goes to the first person waiting, who is returned — unless
    staff cut the capacity below the number enrolled, in which case the seat is simply gone."""
    await lock_class(session, enrolment.class_id)
    was = enrolment.status
    enrolment.status, enrolment.updated_at = "cancelled", now
    await session.flush()
    if was != "enrolled":
        return None
    over = await session.execute(
        update(TrainingClass)
        .where(
            TrainingClass.id == enrolment.class_id,
            TrainingClass.seats_taken > TrainingClass.capacity,
        )
        .values(seats_taken=TrainingClass.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(over, "rowcount", 0) == 1:
        return None
    promoted = await session.scalar(
        select(Enrolment)
        .where(Enrolment.class_id == enrolment.class_id, Enrolment.status == "waiting")
        .order_by(Enrolment.id)
        .limit(1)
    )
    if promoted is None:
        await session.execute(
            update(TrainingClass)
            .where(TrainingClass.id == enrolment.class_id, TrainingClass.seats_taken > 0)
            .values(seats_taken=TrainingClass.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )
        return None
    promoted.status, promoted.updated_at = "enrolled", now
    await session.flush()
    return promoted


async def active_enrolments(session: AsyncSession, user_id: int) -> list[Enrolment]:
    rows = await session.scalars(
        select(Enrolment).where(
            Enrolment.user_id == user_id, Enrolment.status.in_(("enrolled", "waiting"))
        )
    )
    return list(rows)


async def roster(session: AsyncSession, class_id: int) -> list[tuple[Enrolment, User]]:
    rows = await session.execute(
        select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.class_id == class_id, Enrolment.status.in_(("enrolled", "waiting")))
        .order_by(Enrolment.status, Enrolment.id)
    )
    return [(e, u) for e, u in rows]


async def of_user(
    session: AsyncSession, user_id: int, now: datetime
) -> list[tuple[Enrolment, TrainingClass]]:
    rows = await session.execute(
        select(Enrolment, TrainingClass)
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(
            Enrolment.user_id == user_id,
            Enrolment.status.in_(("enrolled", "waiting")),
            and_(TrainingClass.starts_at > now, TrainingClass.status == OPEN),
        )
        .order_by(TrainingClass.starts_at)
    )
    return [(e, c) for e, c in rows]


async def enrolment_of(session: AsyncSession, class_id: int, user_id: int) -> Enrolment | None:
    return await session.scalar(
        select(Enrolment).where(Enrolment.class_id == class_id, Enrolment.user_id == user_id)
    )


async def grow_capacity(
    session: AsyncSession, cls: TrainingClass, capacity: int, now: datetime
) -> list[Enrolment]:
    """Change the capacity; new seats go to the waiting list in order (returned)."""
    cls.capacity, cls.updated_at = capacity, now
    await session.flush()
    promoted = []
    while True:
        took = await session.execute(
            update(TrainingClass)
            .where(TrainingClass.id == cls.id, TrainingClass.seats_taken < TrainingClass.capacity)
            .values(seats_taken=TrainingClass.seats_taken + 1)
            .execution_options(synchronize_session=False)
        )
        if getattr(took, "rowcount", 0) != 1:
            break
        nxt = await session.scalar(
            select(Enrolment)
            .where(Enrolment.class_id == cls.id, Enrolment.status == "waiting")
            .order_by(Enrolment.id)
        )
        if nxt is None:
            await session.execute(
                update(TrainingClass)
                .where(TrainingClass.id == cls.id)
                .values(seats_taken=TrainingClass.seats_taken - 1)
                .execution_options(synchronize_session=False)
            )
            break
        nxt.status, nxt.updated_at = "enrolled", now
        await session.flush()
        promoted.append(nxt)
    await session.refresh(cls)
    return promoted
