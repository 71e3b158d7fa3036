"""Migration 0012 on SQLite and PostgreSQL: applicant ids recorded before the fix, on
registrations whose owner has since deleted their data, become "user"; staff stay named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import RegistrationEvent
from storage.registrations import create_registration, set_status
from storage.users import get_or_create_user

NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)
DATA = {"kind": "htx", "full_name": "A", "phone": "+84912345678", "province": "92"}


@pytest.mark.empty_db  # migrated step by step
async def test_ids_left_in_anonymised_histories_are_scrubbed(db_url: str):
    engine = create_engine(db_url)
    try:
        await upgrade(engine, "0011")
        async with session_factory(engine)() as s:
            users = []
            for n in ("1", "2"):
                user, _, _ = await get_or_create_user(
                    s,
                    channel="telegram",
                    external_id=n,
                    chat_id=n,
                    display_name=n,
                    username=None,
                    language="vi",
                    now=NOW,
                )
                users.append(user)
            rows = [
                await create_registration(
                    s, user_id=u.id, data={**DATA, "sector": "trong_trot"}, now=NOW
                )
                for u in users
            ]
            for row, user in zip(rows, users, strict=True):
                ref = f"telegram:{user.external_id}"
                await set_status(s, row, "moi", actor=ref, note="cập nhật thông tin", now=NOW)
                await set_status(s, row, "da_lien_he", actor="telegram:777", note="", now=NOW)
            rows[0].user_id = None  # the first applicant deleted their data before the fix
            await s.commit()
        await upgrade(engine)
        async with session_factory(engine)() as s:
            events = await s.execute(
                select(RegistrationEvent.registration_id, RegistrationEvent.actor).order_by(
                    RegistrationEvent.id
                )
            )
            by_row: dict[int, list[str]] = {}
            for registration_id, actor in events:
                by_row.setdefault(registration_id, []).append(actor)
        assert by_row[rows[0].id] == ["user", "user", "telegram:777"]
        assert by_row[rows[1].id] == ["user", "telegram:2", "telegram:777"]  # still theirs
    finally:
        await engine.dispose()
