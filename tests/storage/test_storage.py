"""Storage on SQLite and PostgreSQL: migrations match the models, users unique per channel."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Base, User
from storage.users import find_user, get_or_create_user


@pytest.fixture
async def engine(db_url: str):
    eng = create_engine(db_url)
    await upgrade(eng)
    yield eng
    await eng.dispose()


async def test_migrations_match_models(engine):
    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_upgrade_twice_is_harmless(engine):
    await upgrade(engine)


async def test_same_user_twice_is_one_row_per_channel(engine):
    sessions = session_factory(engine)
    async with sessions() as s:
        a, created_a, _ = await get_or_create_user(
            s, channel="telegram", external_id="1", chat_id="1", display_name="An"
        )
        b, created_b, _ = await get_or_create_user(
            s, channel="telegram", external_id="1", chat_id="1", display_name="An Nguyễn"
        )
        c, _, _ = await get_or_create_user(s, channel="zalo", external_id="1", chat_id="z1")
        await s.commit()
    assert created_a and not created_b and a.id == b.id != c.id
    async with sessions() as s:
        assert (await find_user(s, "telegram", "1")).display_name == "An Nguyễn"
        assert (await find_user(s, "telegram", "zalo:1")).chat_id == "z1"
        s.add(
            User(
                channel="telegram",
                external_id="1",
                chat_id="1",
                display_name="",
                language="vi",
                roles="",
                subscribed=True,
            )
        )
        with pytest.raises(IntegrityError):
            await s.flush()


async def test_times_come_back_timezone_aware(engine):
    sessions = session_factory(engine)
    async with sessions() as s:
        await get_or_create_user(s, channel="telegram", external_id="9", chat_id="9")
        await s.commit()
    async with sessions() as s:
        user = await s.scalar(select(User))
        assert user.created_at.tzinfo is not None
