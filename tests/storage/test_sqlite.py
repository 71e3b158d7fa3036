"""SQLite as the bot uses it (storage/db.py): settings that let several processes share the
file, and transactions that keep or undo exactly what they should."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.claims import claim
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Reminder, User, utcnow


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


def _other_process_writes(path: Path) -> None:
    """What a second process does: take the write lock (failing after 0.2 s) and insert."""
    other = sqlite3.connect(path, timeout=0.2)
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


async def test_every_connection_shares_the_file_safely(engine):
    """WAL (readers never wait for a writer), a 30 s busy timeout (a writer waits for
    another process's write instead of failing) and foreign keys enforced."""
    async with engine.connect() as conn:
        pragmas = {
            name: (await conn.execute(text(f"PRAGMA {name}"))).scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "busy_timeout": 30_000,
        "foreign_keys": 1,
        "synchronous": 1,  # NORMAL
    }
    async with engine.connect() as conn:
        await conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        await conn.execute(text("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO child VALUES (1)"))


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
    _other_process_writes(tmp_path / "d.db")
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


async def test_a_claim_with_nothing_due_takes_no_write_lock(engine, tmp_path):
    """The dispatchers poll every second: with nothing due, a claim must not hold the file's
    write lock, or another process's writes would wait for it."""
    sessions = session_factory(engine)
    async with sessions() as s:
        claimed = await claim(
            s, Reminder, where=[], order_by=[Reminder.due_at], worker="w", now=utcnow(), limit=5
        )
        _other_process_writes(tmp_path / "d.db")  # the session is still open
        await s.commit()
    assert claimed == []
