"""Registrations of founding interest: create, find, move through the pipeline, report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Registration, RegistrationEvent

STATUSES = ("moi", "da_lien_he", "dang_ho_tro", "da_thanh_lap", "tam_dung", "khong_tiep_tuc")
OPEN_STATUSES = ("moi", "da_lien_he", "dang_ho_tro", "tam_dung")
DUPLICATE_WINDOW = timedelta(hours=24)
# The actor of the steps the applicant takes (register, update, withdraw): never their id,
# which would outlive /xoadulieu in the history.
APPLICANT = "user"


async def create_registration(
    session: AsyncSession, *, user_id: int, data: dict[str, Any], now: datetime
) -> Registration:
    """Insert and give the row its reference code (DK-<year>-<id, 5 digits>)."""
    row = Registration(
        user_id=user_id,
        kind=data["kind"],
        full_name=data["full_name"],
        phone=data["phone"],
        province_code=data["province"],
        commune_code=data.get("commune", ""),
        sector=data["sector"],
        products=data.get("products", ""),
        members_expected=int(data.get("members", 0)),
        support=list(data.get("support", [])),
        call_time=data.get("call_time", ""),
        notes=[],
        status="moi",
        consent_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    row.ref = f"DK-{now.year}-{row.id:05d}"
    session.add(
        RegistrationEvent(
            registration_id=row.id, at=now, actor=APPLICANT, from_status="", to_status="moi"
        )
    )
    await session.flush()
    return row


def update_registration(row: Registration, data: dict[str, Any], now: datetime) -> None:
    """Overwrite an earlier registration with newer answers (the duplicate path)."""
    row.full_name, row.phone = data["full_name"], data["phone"]
    row.province_code, row.commune_code = data["province"], data.get("commune", "")
    row.sector, row.products = data["sector"], data.get("products", "")
    row.members_expected = int(data.get("members", 0))
    row.support, row.call_time = list(data.get("support", [])), data.get("call_time", "")
    row.updated_at = now


async def find_duplicate(
    session: AsyncSession, *, user_id: int, phone: str, kind: str, now: datetime
) -> Registration | None:
    """The same person's open registration with the same phone and type in the last 24 hours
    (never someone else's: phone numbers are typed, not verified)."""
    return await session.scalar(
        select(Registration)
        .where(
            Registration.user_id == user_id,
            Registration.phone == phone,
            Registration.kind == kind,
            Registration.created_at >= now - DUPLICATE_WINDOW,
            Registration.status.in_(OPEN_STATUSES),
        )
        .order_by(Registration.id.desc())
        .limit(1)
    )


async def by_ref(session: AsyncSession, ref: str) -> Registration | None:
    return await session.scalar(select(Registration).where(Registration.ref == ref.upper()))


async def of_user(session: AsyncSession, user_id: int) -> list[Registration]:
    rows = await session.scalars(
        select(Registration).where(Registration.user_id == user_id).order_by(Registration.id)
    )
    return list(rows)


def _filtered(province: str | None, status: str | None) -> Select[Any]:
    query = select(Registration)
    if province:
        query = query.where(Registration.province_code == province)
    if status:
        query = query.where(Registration.status == status)
    return query


async def page(
    session: AsyncSession, *, province: str | None, status: str | None, offset: int, limit: int
) -> tuple[list[Registration], int]:
    """One page of registrations, newest first, and how many match in all."""
    query = _filtered(province, status)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(Registration.id.desc()).offset(offset).limit(limit)
    )
    return list(rows), int(total)


async def matching(
    session: AsyncSession, *, since: datetime | None = None, province: str | None = None
) -> list[Registration]:
    query = _filtered(province, None)
    if since is not None:
        query = query.where(Registration.created_at >= since)
    return list(await session.scalars(query.order_by(Registration.id)))


async def set_status(
    session: AsyncSession,
    row: Registration,
    status: str,
    *,
    actor: str,
    note: str,
    now: datetime,
) -> RegistrationEvent:
    event = RegistrationEvent(
        registration_id=row.id,
        at=now,
        actor=actor,
        from_status=row.status,
        to_status=status,
        note=note,
    )
    row.status, row.updated_at = status, now
    session.add(event)
    await session.flush()
    return event


async def history(session: AsyncSession, registration_id: int) -> list[RegistrationEvent]:
    rows = await session.scalars(
        select(RegistrationEvent)
        .where(RegistrationEvent.registration_id == registration_id)
        .order_by(RegistrationEvent.id)
    )
    return list(rows)


async def anonymise_for_user(session: AsyncSession, user_id: int, ref: str) -> int:
    """Strip personal data from a user's registrations, `ref` (channel:id) from their history
    included; the rows stay for anonymous counts."""
    rows = await of_user(session, user_id)
    for row in rows:
        row.user_id, row.full_name, row.phone, row.notes = None, "", "", []
        row.products, row.call_time = "", ""
    if rows:
        await session.execute(
            update(RegistrationEvent)
            .where(
                RegistrationEvent.registration_id.in_([row.id for row in rows]),
                RegistrationEvent.actor == ref,
            )
            .values(actor=APPLICANT)
        )
    await session.flush()
    return len(rows)


@dataclass(frozen=True)
class Counts:
    by: dict[str, dict[str, int]]
    total: int


async def counts(
    session: AsyncSession, year: int | None = None, tz: str = "Asia/Ho_Chi_Minh"
) -> Counts:
    """Counts by province, commune, type, sector, status and month (YYYY-MM, local time)."""
    rows = list(
        await session.execute(
            select(
                Registration.province_code,
                Registration.commune_code,
                Registration.kind,
                Registration.sector,
                Registration.status,
                Registration.created_at,
            )
        )
    )
    by: dict[str, dict[str, int]] = {
        k: {} for k in ("province", "commune", "kind", "sector", "status", "month")
    }
    total = 0
    zone = ZoneInfo(tz)
    for province, commune, kind, sector, status, created_utc in rows:
        created = created_utc.astimezone(zone)
        if year is not None and created.year != year:
            continue
        total += 1
        month = f"{created.year}-{created.month:02d}"
        for key, value in (
            ("province", province),
            ("commune", commune),
            ("kind", kind),
            ("sector", sector),
            ("status", status),
            ("month", month),
        ):
            if value:
                by[key][value] = by[key].get(value, 0) + 1
    return Counts(by, total)


async def founded_counts(
    session: AsyncSession, year: int, tz: str = "Asia/Ho_Chi_Minh"
) -> dict[str, dict[str, int]]:
    """Registrations now 'đã thành lập' that got there during `year`: province → kind → n."""
    rows = await session.execute(
        select(
            Registration.id,
            Registration.province_code,
            Registration.kind,
            func.max(RegistrationEvent.at),
        )
        .join(RegistrationEvent, RegistrationEvent.registration_id == Registration.id)
        .where(
            RegistrationEvent.to_status == "da_thanh_lap", Registration.status == "da_thanh_lap"
        )
        .group_by(Registration.id, Registration.province_code, Registration.kind)
    )
    out: dict[str, dict[str, int]] = {}
    for _, province, kind, at in rows:
        if at is not None and _as_utc(at).astimezone(ZoneInfo(tz)).year == year:
            out.setdefault(province, {})
            out[province][kind] = out[province].get(kind, 0) + 1
    return out


def _as_utc(value: datetime | str) -> datetime:
    """Aggregates bypass the column type: SQLite returns text, PostgreSQL a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
