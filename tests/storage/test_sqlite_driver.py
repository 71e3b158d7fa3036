"""The SQLite driver's shortcuts (storage/sqlite_driver.py) change how often we wait for the
connection's thread, never what a transaction does."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import User, utcnow
from storage.sqlite_driver import FewHopsConnection
from storage.users import get_or_create_user


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    await upgrade(eng)
    yield eng
    await eng.dispose()


def _user(external_id: str) -> User:
    now = utcnow()
    return User(
        channel="telegram",
        external_id=external_id,
        chat_id=external_id,
        display_name="",
        language="vi",
        roles="",
        subscribed=True,
        created_at=now,
        last_seen_at=now,
    )


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every trip to a connection's thread, by the name of what it ran."""
    made: list[str] = []
    original = FewHopsConnection._execute

    async def counted(self: FewHopsConnection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(getattr(fn, "__qualname__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(FewHopsConnection, "_execute", counted)
    return made


async def test_a_read_only_session_is_one_trip_per_select(engine, trips):
    sessions = session_factory(engine)
    async with sessions() as s:  # warm the pool: connecting is trips of its own
        await s.scalar(select(func.count()).select_from(User))
    trips.clear()
    async with sessions() as s:
        await get_or_create_user(s, channel="telegram", external_id="1", chat_id="1")
        await s.commit()
    assert len(trips) == 3  # the select, the insert, the commit
    trips.clear()
    async with sessions() as s:
        user, created, _ = await get_or_create_user(
            s, channel="telegram", external_id="1", chat_id="1"
        )
        await s.commit()
    assert not created and user.external_id == "1"
    assert len(trips) == 1  # no commit nor the pool's rollback: nothing was written


async def test_rows_counts_and_new_ids_come_back(engine):
    sessions = session_factory(engine)
    async with sessions() as s:
        users = [_user(str(i)) for i in range(5)]
        s.add_all(users)
        await s.flush()
        assert sorted(u.id for u in users) == list(range(users[0].id, users[0].id + 5))
        done = await s.execute(
            update(User).where(User.external_id.in_(("1", "2"))).values(display_name="X")
        )
        assert done.rowcount == 2  # type: ignore[attr-defined]
        await s.commit()
    async with sessions() as s:
        names = (await s.scalars(select(User.display_name).order_by(User.id))).all()
        first = (await s.execute(select(User.external_id).order_by(User.id))).first()
    assert names == ["", "X", "X", "", ""] and first == ("0",)


async def test_a_failed_first_write_is_rolled_back_and_frees_the_file(engine, tmp_path):
    sessions = session_factory(engine)
    async with sessions() as s:
        s.add(_user("1"))
        await s.commit()
    async with sessions() as s:
        s.add(_user("1"))  # the very first statement of the transaction fails
        with pytest.raises(IntegrityError):
            await s.flush()
    # The pooled connection must hold no transaction now, or its write lock would stall
    # every other process (it would wait 30 s and fail).
    other = sqlite3.connect(tmp_path / "d.db", timeout=0.2)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO users (channel, external_id, chat_id, display_name, "
            "language, roles, subscribed, created_at, last_seen_at) "
            "VALUES ('zalo', '9', '9', '', 'vi', '', 1, '2026-01-01', '2026-01-01')"
        )
        other.commit()
    finally:
        other.close()
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 2


async def test_work_undone_by_a_later_failure_is_not_kept(engine):
    sessions = session_factory(engine)
    async with sessions() as s:
        s.add(_user("1"))
        await s.commit()
    async with sessions() as s:
        s.add(_user("2"))
        await s.flush()
        await s.execute(text("UPDATE users SET display_name = 'gone' WHERE external_id = '1'"))
        s.add(_user("1"))
        with pytest.raises(IntegrityError):
            await s.flush()
        await s.rollback()
        rows = (await s.execute(select(User.external_id, User.display_name))).all()
    assert rows == [("1", "")]


async def test_aiosqlites_own_helpers_also_keep_commit_honest(engine, tmp_path):
    """A write through aiosqlite's execute() helper (not our cursor) must still be committed."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, FewHopsConnection)
        await driver.execute("CREATE TABLE notes (n INTEGER)")
        await driver.execute("INSERT INTO notes VALUES (1)")
        await driver.commit()
        cursor = driver.cursor()
        await cursor.executescript("INSERT INTO notes VALUES (2); INSERT INTO notes VALUES (3);")
        await driver.commit()
    other = sqlite3.connect(tmp_path / "d.db", timeout=0.2)
    try:
        assert other.execute("SELECT count(*) FROM notes").fetchone() == (3,)
    finally:
        other.close()


async def test_streamed_rows_come_in_order(engine):
    sessions = session_factory(engine)
    async with sessions() as s:
        s.add_all(_user(str(i)) for i in range(7))
        await s.commit()
    async with sessions() as s:
        streamed = await s.stream_scalars(
            select(User.external_id).order_by(User.id).execution_options(yield_per=3)
        )
        assert [x async for x in streamed] == [str(i) for i in range(7)]
