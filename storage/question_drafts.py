"""Questions the bot was unsure of, kept for their "send to staff" button: written behind.

Most unsure answers are never sent on to staff, yet saving each one in its own update made a
third of the questions write (two trips to SQLite's thread and its write lock: about 0.6 ms of
CPU each under load, the largest single cost left in bench/e2e_throughput.py). So a draft is
queued in memory under a random token, which the button carries, and the queue is written in
one transaction a moment later (DELAY) and at shutdown. What that costs: a draft is lost if
the process dies before writing it, if the database refuses writes for GIVE_UP seconds, or if it
cannot store that draft at all; its button then says to type the question again.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Question, User

log = logging.getLogger("htxbot.drafts")
DELAY = 0.2  # seconds from the first queued draft to the write: far less than reading a reply
GIVE_UP = 600.0  # seconds a draft is kept while the database refuses writes (backing off)
# A user row made this long after a draft is someone else's: SQLite reuses a deleted user's id.
NEWER_USER = timedelta(minutes=1)  # (a margin for clocks that differ between processes)
_TOKEN = re.compile(r"q[A-Za-z0-9_-]{12}")


def is_token(text: str) -> bool:
    return _TOKEN.fullmatch(text) is not None


@dataclass
class _Draft:
    token: str
    user_id: int
    text: str
    created_at: datetime
    queued_at: float = field(default_factory=time.monotonic)


class DraftQueue:
    """Drafts not yet written, by token; flush() writes them. One per process."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._queued: dict[str, _Draft] = {}
        self._writing: dict[str, _Draft] = {}
        self._lock = asyncio.Lock()
        self._nonempty = asyncio.Event()
        self._failures = 0  # flushes in a row the database refused

    def add(self, user_id: int, text: str, now: datetime) -> str:
        """Queue a draft; returns its token (a letter and 12 URL-safe characters)."""
        token = "q" + secrets.token_urlsafe(9)
        self._queued[token] = _Draft(token, user_id, text, now)
        self._nonempty.set()
        return token

    def owner(self, token: str) -> int | None:
        """The user id of a draft queued or being written here; None if it is not here."""
        draft = self._queued.get(token) or self._writing.get(token)
        return draft.user_id if draft else None

    def forget_user(self, user_id: int) -> None:
        """The person deleted their data: their queued drafts are not written. (One being
        written meanwhile, or held by another process, is removed with the user by the foreign
        key's cascade, or refused by it once the user is gone.)"""
        for token in [t for t, d in self._queued.items() if d.user_id == user_id]:
            del self._queued[token]

    async def wait(self) -> None:
        """Until a draft is queued."""
        await self._nonempty.wait()

    def next_delay(self) -> float:
        """How long to let drafts gather before the next flush: DELAY, doubled after each
        flush the database refused, up to 30 s."""
        return min(DELAY * 2**self._failures, 30.0)

    async def flush(self) -> int:
        """Write every queued draft; returns how many were written. A draft the database
        refuses for itself (its user is gone, text it cannot store) is dropped; on any other
        failure the drafts stay queued, for GIVE_UP seconds at most."""
        async with self._lock:
            self._writing, self._queued = self._queued, {}
            self._nonempty.clear()
            drafts = list(self._writing.values())
            try:
                written, kept = await self._write(drafts) if drafts else (0, [])
                self._failures = 0 if not kept else self._failures + 1
            except BaseException as exc:  # cancelled too: the drafts must not be lost
                kept = drafts
                if not isinstance(exc, Exception):
                    self._requeue(kept)
                    raise
                log.exception("drafts not written, kept for the next try")
                written, self._failures = 0, self._failures + 1
            finally:
                self._writing = {}
            self._requeue(kept)
            return written

    def _requeue(self, drafts: list[_Draft]) -> None:
        now = time.monotonic()
        kept = [d for d in drafts if now - d.queued_at < GIVE_UP]
        if len(kept) < len(drafts):
            log.error("%d drafts given up: the database refused them", len(drafts) - len(kept))
        self._queued.update({d.token: d for d in kept})
        if self._queued:
            self._nonempty.set()

    async def _write(self, drafts: list[_Draft]) -> tuple[int, list[_Draft]]:
        """(how many were written, those to try again)."""
        try:
            return await self._insert(drafts), []
        except DBAPIError as exc:
            if _transient(exc):
                raise
        # One of them spoils the batch (its user deleted meanwhile, text the database cannot
        # store): each on its own, so only that one is dropped.
        written, again = 0, []
        for draft in drafts:
            try:
                written += await self._insert([draft])
            except DBAPIError as exc:
                if _transient(exc):
                    again.append(draft)
                else:  # or written already, if a cancelled write had gone through
                    log.warning("draft dropped, the database refuses it: %s", type(exc).__name__)
        return written, again

    async def _insert(self, drafts: list[_Draft]) -> int:
        async with self._sessions() as session:
            ids = {d.user_id for d in drafts}
            users = await session.execute(select(User.id, User.created_at).where(User.id.in_(ids)))
            created: dict[int, datetime] = {uid: at for uid, at in users}
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
                if d.user_id in created and created[d.user_id] <= d.created_at + NEWER_USER
            ]
            if len(rows) < len(drafts):
                log.info("%d drafts dropped: their user is gone", len(drafts) - len(rows))
            if rows:
                await session.execute(insert(Question), rows)
                await session.commit()
            return len(rows)


def _transient(exc: DBAPIError) -> bool:
    """A failure of the database or the connection, not of one draft: try them all again."""
    return isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated
