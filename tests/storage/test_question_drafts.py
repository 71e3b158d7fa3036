"""Drafts of unsure questions, written behind (storage/question_drafts.py), on SQLite and
PostgreSQL: queued under a token, written together, never for a user who is gone (nor for a new
user given a deleted one's id), kept while the database refuses writes, one bad draft dropped
alone, and nothing lost when a write is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import question_drafts
from storage.db import create_engine, session_factory
from storage.models import Question, User
from storage.question_drafts import DELAY, DraftQueue, is_token


def now() -> datetime:
    """Drafts are compared with their user's creation time: a real clock, not a fixed one."""
    return datetime.now(UTC)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


async def new_user(sessions: async_sessionmaker[AsyncSession], external_id: str) -> int:
    async with sessions() as s:
        user = User(channel="test", external_id=external_id, chat_id=external_id)
        s.add(user)
        await s.commit()
        return user.id


async def drafts_in_db(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Question]:
    async with sessions() as s:
        return {q.token or "": q for q in await s.scalars(select(Question))}


async def test_drafts_are_written_together_on_flush_with_their_tokens(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    alice, bob = await new_user(sessions, "1"), await new_user(sessions, "2")
    queue = DraftQueue(sessions)
    at = now()
    tokens = [queue.add(alice, "câu hỏi một", at), queue.add(bob, "câu hỏi hai", at)]
    assert all(is_token(t) for t in tokens) and tokens[0] != tokens[1]
    assert [queue.owner(t) for t in tokens] == [alice, bob]
    assert await drafts_in_db(sessions) == {}  # nothing written yet: the reply goes first

    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda conn: commits.append(1))
    assert await queue.flush() == 2
    assert len(commits) == 1  # one transaction for the lot
    rows = await drafts_in_db(sessions)
    assert set(rows) == set(tokens)
    first = rows[tokens[0]]
    assert (first.user_id, first.text, first.status) == (alice, "câu hỏi một", "draft")
    assert first.created_at == at and not first.published
    assert queue.owner(tokens[0]) is None and await queue.flush() == 0


async def test_a_deleted_users_drafts_are_not_written_and_the_others_are(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alice, bob, carol = [await new_user(sessions, str(n)) for n in range(3)]
    queue = DraftQueue(sessions)
    queue.add(alice, "của Alice", now())
    forgotten = queue.add(bob, "của Bob, xoá trước khi ghi", now())
    queue.add(carol, "của Carol, người dùng đã xoá ở tiến trình khác", now())
    queue.forget_user(bob)
    assert queue.owner(forgotten) is None
    async with sessions() as s:  # another process deleted Carol
        await s.execute(delete(User).where(User.id == carol))
        await s.commit()
    assert await queue.flush() == 1
    assert [q.text for q in (await drafts_in_db(sessions)).values()] == ["của Alice"]


async def test_a_draft_is_not_given_to_a_new_user_who_got_a_deleted_users_id(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """SQLite gives a deleted user's id to the next new user: a draft held meanwhile (another
    process's, or one kept while the database refused writes) must not become theirs."""
    old = await new_user(sessions, "1")
    queue = DraftQueue(sessions)
    queue.add(old, "câu hỏi của người đã xoá dữ liệu", now() - timedelta(minutes=5))
    async with sessions() as s:
        await s.execute(delete(User).where(User.id == old))
        s.add(User(id=old, channel="test", external_id="2", chat_id="2", created_at=now()))
        await s.commit()
    assert await queue.flush() == 0
    assert await drafts_in_db(sessions) == {}


async def test_a_draft_the_database_refuses_is_dropped_alone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alice = await new_user(sessions, "1")
    queue = DraftQueue(sessions)
    good = queue.add(alice, "ghi được", now())
    clash = queue.add(alice, "đụng mã", now())
    async with sessions() as s:  # written already (a cancelled write that went through)
        s.add(Question(token=clash, user_id=alice, text="đụng mã", status="draft"))
        await s.commit()
    assert await queue.flush() == 1
    assert set(await drafts_in_db(sessions)) == {good, clash}
    assert queue.owner(clash) is None  # not retried for ever


async def test_drafts_wait_while_the_database_refuses_writes_then_are_written(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await new_user(sessions, "1")
    queue = DraftQueue(sessions)
    token = queue.add(alice, "đợi ghi lại", now())
    real_insert = DraftQueue._insert

    async def locked(self: DraftQueue, drafts: Any) -> int:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(DraftQueue, "_insert", locked)
    assert queue.next_delay() == DELAY
    for n in range(1, 4):
        assert await queue.flush() == 0
        assert queue.owner(token) == alice
        assert queue.next_delay() == DELAY * 2**n  # backing off
    monkeypatch.setattr(DraftQueue, "_insert", real_insert)
    assert await queue.flush() == 1
    assert set(await drafts_in_db(sessions)) == {token}
    assert queue.next_delay() == DELAY

    doomed = queue.add(alice, "không bao giờ ghi được", now())
    monkeypatch.setattr(DraftQueue, "_insert", locked)
    monkeypatch.setattr(question_drafts, "GIVE_UP", 0.0)
    await queue.flush()
    assert queue.owner(doomed) is None  # given up, not kept for ever


async def test_a_cancelled_write_loses_no_draft(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await new_user(sessions, "1")
    queue = DraftQueue(sessions)
    token = queue.add(alice, "bị huỷ giữa chừng", now())
    started = asyncio.Event()
    real_insert = DraftQueue._insert

    async def slow(self: DraftQueue, drafts: Any) -> int:
        started.set()
        await asyncio.sleep(10)
        return 0

    monkeypatch.setattr(DraftQueue, "_insert", slow)
    flushing = asyncio.create_task(queue.flush())
    await started.wait()
    assert queue.owner(token) == alice  # being written: a button pressed now waits for it
    flushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flushing
    assert queue.owner(token) == alice
    monkeypatch.setattr(DraftQueue, "_insert", real_insert)
    assert await queue.flush() == 1


async def test_wait_returns_once_a_draft_is_queued(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    queue = DraftQueue(sessions)
    waiting = asyncio.create_task(queue.wait())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    queue.add(await new_user(sessions, "1"), "có rồi", now())
    await asyncio.wait_for(waiting, 1)


def test_tokens_are_told_from_ids_and_from_anything_else() -> None:
    assert is_token("qAbC_-1234567")
    for text in ("12", "q123", "qAbC_-1234567x", "xAbC_-1234567", "qAbC:-1234567", ""):
        assert not is_token(text), text
