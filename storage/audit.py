"""Audit log of staff actions and refused attempts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLog


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target: str = "",
    allowed: bool = True,
    detail: str = "",
) -> AuditLog:
    row = AuditLog(
        actor=actor[:96],
        action=action[:64],
        target=target[:128],
        allowed=allowed,
        detail=detail[:2000],
    )
    session.add(row)
    await session.flush()
    return row


async def recent(session: AsyncSession, limit: int = 20) -> list[AuditLog]:
    rows = await session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit))
    return list(rows)
