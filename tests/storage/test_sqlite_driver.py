"""The SQLite driver's shortcuts (storage/sqlite_driver.py) change how often we wait for the
connection's thread, never what a transaction does."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.claims import claim
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Reminder, User, utcnow
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


async def test_a_read_only_session_makes_no_trip_to_the_thread(engine, trips):
    sessions = session_factory(engine)
    async with sessions() as s:  # warm the pool: connecting is trips of its own
        await s.scalar(select(func.count()).select_from(User))
    trips.clear()
    async with sessions() as s:
        await get_or_create_user(s, channel="telegram", external_id="1", chat_id="1")
        await s.commit()
    assert len(trips) == 2  # the insert and the commit; the select ran on the loop's thread
    trips.clear()
    async with sessions() as s:
        user, created, _ = await get_or_create_user(
            s, channel="telegram", external_id="1", chat_id="1"
        )
        await s.commit()
    assert not created and user.external_id == "1"
    assert trips == []  # no commit nor the pool's rollback: nothing was written


def _record_threads(driver: FewHopsConnection) -> list[int]:
    """SQL function whoami(): records the thread each call runs on."""
    seen: list[int] = []

    def whoami() -> int:
        seen.append(threading.get_ident())
        return 1

    driver._conn.create_function("whoami", 0, whoami)
    return seen


async def test_reads_in_a_transaction_stay_on_the_connections_thread(engine):
    """Only a read with no transaction open runs on the loop: inside one it would share the
    connection with the write before it."""
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        seen = _record_threads(driver)
        await conn.execute(text("SELECT whoami()"))
        assert seen == [threading.get_ident()]
        await conn.execute(text("UPDATE users SET display_name = 'x' WHERE id = -1"))
        await conn.execute(text("SELECT whoami()"))
        assert len(seen) == 2 and seen[1] != threading.get_ident()
        await conn.commit()


async def test_a_read_waits_its_turn_behind_a_call_on_the_connections_thread(tmp_path):
    """While the thread works on the connection, a read must not use it from the loop: it is
    queued behind, whoever put the work there (here SQLAlchemy's way, straight on the queue)."""
    driver = FewHopsConnection(
        functools.partial(sqlite3.connect, tmp_path / "q.db", check_same_thread=False)
    )
    await driver
    seen = _record_threads(driver)
    started = threading.Event()

    def slow() -> None:
        started.set()
        time.sleep(0.2)

    loop = asyncio.get_running_loop()
    busy = loop.create_future()
    driver._tx.put_nowait((busy, slow))
    try:
        await asyncio.to_thread(started.wait, 5)
        cursor = driver.cursor()
        await cursor.execute("SELECT whoami()")
        assert busy.done() and seen and seen[0] != threading.get_ident()
        await cursor.execute("SELECT whoami()")  # the thread idle again: on the loop
        assert seen[1] == threading.get_ident()
    finally:
        await driver.close()


async def test_a_long_read_moves_to_the_thread_and_gives_every_row(engine, trips):
    """A read still running after INLINE_BUDGET is interrupted and run again on the
    connection's thread, so it cannot hold up every other update; the answer is whole."""
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE n (x INTEGER)"))
        await conn.execute(text("INSERT INTO n VALUES (:x)"), [{"x": i} for i in range(1000)])
    trips.clear()
    async with engine.connect() as conn:
        # A million pairs: far beyond the budget on any machine.
        total = await conn.scalar(text("SELECT count(*) FROM n a, n b WHERE a.x + b.x >= 0"))
        quick = await conn.scalar(text("SELECT count(*) FROM n"))
    assert total == 1_000_000 and quick == 1000
    assert [t for t in trips if "run_statement" in t] == [
        "FewHopsConnection.run_statement.<locals>.run"
    ]


async def test_a_read_of_a_locked_file_waits_on_the_thread_not_the_loop(tmp_path):
    """Another process holding the file: the read must not wait on the event loop (every
    update would stop with it), but on the connection's thread, as before."""
    path = tmp_path / "locked.db"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (x INTEGER)")
    setup.execute("INSERT INTO t VALUES (1)")
    setup.commit()
    setup.close()
    driver = FewHopsConnection(
        functools.partial(sqlite3.connect, path, timeout=5, check_same_thread=False)
    )
    await driver
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (2)")
    holder.commit()  # the lock stays: exclusive locking mode keeps it until closed
    loop = asyncio.get_running_loop()
    released: list[float] = []

    def release() -> None:  # on time only if the loop is free while the read waits
        holder.close()
        released.append(loop.time())

    asked = loop.time()
    loop.call_later(0.2, release)
    try:
        cursor = driver.cursor()
        await cursor.execute("SELECT count(*) FROM t")
        assert await cursor.fetchall() == [(2,)]
        # Waiting on the loop, the release would come after the 5 s timeout, not at 0.2 s.
        assert len(released) == 1 and released[0] - asked < 2.5
        check = driver.cursor()
        await check.execute("PRAGMA busy_timeout")
        assert await check.fetchall() == [(5000,)]  # its own timeout is back
        await check.execute("PRAGMA busy_timeout=100")
        await check.execute("SELECT 1")  # on the loop: gives back 100, not what it first saw
        await check.execute("PRAGMA busy_timeout")
        assert await check.fetchall() == [(100,)]
    finally:
        if not released:
            holder.close()
        await driver.close()


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


async def test_a_claim_with_nothing_due_takes_no_write_lock(engine, trips):
    """The dispatchers poll every second: with nothing due, a claim is a read on the loop's
    thread, not a write transaction (the UPDATE that claims runs only when rows are due)."""
    sessions = session_factory(engine)
    async with sessions() as s:  # warm the pool: connecting is trips of its own
        await s.scalar(select(func.count()).select_from(Reminder))
    trips.clear()
    async with sessions() as s:
        claimed = await claim(
            s, Reminder, where=[], order_by=[Reminder.due_at], worker="w", now=utcnow(), limit=5
        )
        await s.commit()
    assert claimed == [] and trips == []
