"""Drafts of unsure questions, written behind (storage/question_drafts.py), on SQLite and
PostgreSQL: queued under a token, written together, never for a user who is gone, and not lost
when a write fails or is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory
from storage.models import Question, User
from storage.question_drafts import MAX_ATTEMPTS, DraftQueue, is_token

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


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
    tokens = [queue.add(alice, "câu hỏi một", NOW), queue.add(bob, "câu hỏi hai", NOW)]
    assert all(is_token(t) for t in tokens) and tokens[0] != tokens[1]
    assert all(queue.holds(t) for t in tokens)
    assert await drafts_in_db(sessions) == {}  # nothing written yet: the reply goes first

    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda conn: commits.append(1))
    assert await queue.flush() == 2
    assert len(commits) == 1  # one transaction for the lot
    rows = await drafts_in_db(sessions)
    assert set(rows) == set(tokens)
    first = rows[tokens[0]]
    assert (first.user_id, first.text, first.status) == (alice, "câu hỏi một", "draft")
    assert first.created_at == NOW and not first.published
    assert not queue.holds(tokens[0]) and await queue.flush() == 0


async def test_a_deleted_users_drafts_are_not_written_and_the_others_are(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alice, bob, carol = [await new_user(sessions, str(n)) for n in range(3)]
    queue = DraftQueue(sessions)
    queue.add(alice, "của Alice", NOW)
    forgotten = queue.add(bob, "của Bob, xoá trước khi ghi", NOW)
    queue.add(carol, "của Carol, người dùng đã xoá ở tiến trình khác", NOW)
    queue.forget_user(bob)
    assert not queue.holds(forgotten)
    async with sessions() as s:  # another process deleted Carol: the foreign key refuses hers
        await s.execute(delete(User).where(User.id == carol))
        await s.commit()
    assert await queue.flush() == 1
    assert [q.text for q in (await drafts_in_db(sessions)).values()] == ["của Alice"]


async def test_a_failed_write_keeps_the_drafts_for_the_next_flush_then_gives_up(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await new_user(sessions, "1")
    queue = DraftQueue(sessions)
    token = queue.add(alice, "đợi ghi lại", NOW)
    real_insert = DraftQueue._insert

    async def locked(self: DraftQueue, drafts: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(DraftQueue, "_insert", locked)
    assert await queue.flush() == 0
    assert queue.holds(token)
    monkeypatch.setattr(DraftQueue, "_insert", real_insert)
    assert await queue.flush() == 1
    assert set(await drafts_in_db(sessions)) == {token}

    doomed = queue.add(alice, "không bao giờ ghi được", NOW)
    monkeypatch.setattr(DraftQueue, "_insert", locked)
    for _ in range(MAX_ATTEMPTS):
        assert queue.holds(doomed)
        await queue.flush()
    assert not queue.holds(doomed)  # given up, not retried for ever


async def test_a_cancelled_write_loses_no_draft(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await new_user(sessions, "1")
    queue = DraftQueue(sessions)
    token = queue.add(alice, "bị huỷ giữa chừng", NOW)
    started = asyncio.Event()
    real_insert = DraftQueue._insert

    async def slow(self: DraftQueue, drafts: Any) -> None:
        started.set()
        await asyncio.sleep(10)

    monkeypatch.setattr(DraftQueue, "_insert", slow)
    flushing = asyncio.create_task(queue.flush())
    await started.wait()
    assert queue.holds(token)  # being written: a button pressed now waits for it
    flushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flushing
    assert queue.holds(token)
    monkeypatch.setattr(DraftQueue, "_insert", real_insert)
    assert await queue.flush() == 1


async def test_wait_returns_once_a_draft_is_queued(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    queue = DraftQueue(sessions)
    waiting = asyncio.create_task(queue.wait())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    queue.add(await new_user(sessions, "1"), "có rồi", NOW)
    await asyncio.wait_for(waiting, 1)


def test_tokens_are_told_from_ids_and_from_anything_else() -> None:
    assert is_token("qAbC_-1234567")
    for text in ("12", "q123", "qAbC_-1234567x", "xAbC_-1234567", "qAbC:-1234567", ""):
        assert not is_token(text), text
