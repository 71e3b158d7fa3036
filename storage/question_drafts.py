"""Questions the bot was unsure of, kept for their "send to staff" button: written behind.

Most unsure answers are never sent on to staff, yet saving each one in its own update made a
third of the questions write (two trips to SQLite's thread and its write lock: about 0.6 ms of
CPU each under load, the largest single cost left in bench/e2e_throughput.py). So a draft is
queued in memory under a random token, which the button carries, and the queue is written in
one transaction a moment later (DELAY) and at shutdown. What that costs: a draft still queued
when the process dies is lost, and its button then says to type the question again.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Question

log = logging.getLogger("htxbot.drafts")
DELAY = 0.2  # seconds from the first queued draft to the write: far less than reading a reply
MAX_ATTEMPTS = 5  # failed writes (the database unavailable) before a draft is given up
_TOKEN = re.compile(r"q[A-Za-z0-9_-]{12}")


def is_token(text: str) -> bool:
    return _TOKEN.fullmatch(text) is not None


@dataclass
class _Draft:
    token: str
    user_id: int
    text: str
    created_at: datetime
    attempts: int = 0


class DraftQueue:
    """Drafts not yet written, by token; flush() writes them. One per process."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._queued: dict[str, _Draft] = {}
        self._writing: dict[str, _Draft] = {}
        self._lock = asyncio.Lock()
        self._nonempty = asyncio.Event()

    def add(self, user_id: int, text: str, now: datetime) -> str:
        """Queue a draft; returns its token (a letter and 12 URL-safe characters)."""
        token = "q" + secrets.token_urlsafe(9)
        self._queued[token] = _Draft(token, user_id, text, now)
        self._nonempty.set()
        return token

    def holds(self, token: str) -> bool:
        """Whether the draft is queued or being written here (flush() then puts it in the
        database, where the button's handler looks for it)."""
        return token in self._queued or token in self._writing

    def forget_user(self, user_id: int) -> None:
        """The person deleted their data: their drafts are not written. (Drafts another process
        still holds fail to be written: their user is gone, and the foreign key says so.)"""
        for token in [t for t, d in self._queued.items() if d.user_id == user_id]:
            del self._queued[token]

    async def wait(self) -> None:
        """Until a draft is queued."""
        await self._nonempty.wait()

    async def flush(self) -> int:
        """Write every queued draft; returns how many were written. Drafts whose user is gone
        are dropped; on any other failure they stay queued for the next flush."""
        async with self._lock:
            self._writing, self._queued = self._queued, {}
            self._nonempty.clear()
            drafts = list(self._writing.values())
            try:
                return await self._write(drafts) if drafts else 0
            except BaseException as exc:  # cancelled too: the drafts must not be lost
                if isinstance(exc, Exception):
                    for draft in drafts:
                        draft.attempts += 1
                    log.exception("drafts not written, kept for the next try")
                kept = [d for d in drafts if d.attempts < MAX_ATTEMPTS]
                self._queued.update({d.token: d for d in kept})
                if self._queued:
                    self._nonempty.set()
                if isinstance(exc, Exception):
                    return 0
                raise
            finally:
                self._writing = {}

    async def _write(self, drafts: list[_Draft]) -> int:
        try:
            await self._insert(drafts)
            return len(drafts)
        except IntegrityError:
            # One of them belongs to someone who deleted their data meanwhile: the rest go
            # one by one, so theirs alone is dropped.
            written = 0
            for draft in drafts:
                try:
                    await self._insert([draft])
                    written += 1
                except IntegrityError:  # written already, if a cancelled write had gone through
                    log.info("draft not written: its user is gone, or it was written already")
            return written

    async def _insert(self, drafts: list[_Draft]) -> None:
        rows = [
            {
                "token": d.token,
                "user_id": d.user_id,
                "text": d.text,
                "status": "draft",
                "created_at": d.created_at,
                "published": False,
            }
            for d in drafts
        ]
        async with self._sessions() as session:
            await session.execute(insert(Question), rows)
            await session.commit()
