"""The claim-and-deliver loop shared by the reminder dispatcher and the broadcaster: ticks are
serialised, deliveries run in the background up to about two batches ahead, and stop() lets
the tick under way and its deliveries finish before the database engine closes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.claims import release_mine

log = logging.getLogger("htxbot.pipeline")


class Pipeline:
    batch: int = 100
    model: Any  # the claimed table: Reminder or BroadcastRecipient
    worker: str
    sessions: async_sessionmaker[AsyncSession]

    def __init__(self) -> None:
        self._in_flight: set[asyncio.Task[None]] = set()
        self._tick_lock = asyncio.Lock()
        self.stopping = False

    @property
    def room(self) -> int:
        """How many more rows may be claimed now (at most about two batches not yet sent)."""
        return 2 * self.batch - len(self._in_flight)

    async def tick(self, *, wait: bool = True) -> int:
        """One look for work; returns how many rows were claimed. With wait=False (the
        scheduler's job) deliveries go on in the background and the next tick tops the
        pipeline up, so the outbox never runs dry between batches."""
        if self.stopping:
            return 0
        async with self._tick_lock:
            return 0 if self.stopping else await self._tick(wait=wait)

    async def _tick(self, *, wait: bool) -> int:
        raise NotImplementedError

    async def _run(self, deliveries: list[Coroutine[Any, Any, None]], wait: bool) -> int:
        tasks = [asyncio.create_task(d) for d in deliveries]
        self._in_flight.update(tasks)
        for task in tasks:
            task.add_done_callback(self._in_flight.discard)
        if wait and tasks:
            await asyncio.gather(*tasks)
        return len(tasks)

    async def stop(self) -> None:
        """Let the tick under way finish, then the deliveries it started."""
        self.stopping = True
        async with self._tick_lock:
            pass
        await self.drain()

    async def release_claims(self) -> int:
        """At shutdown: rows this process claimed and did not send go back to pending."""
        async with self.sessions() as s:
            n = await release_mine(s, self.model, self.worker)
            await s.commit()
        if n:
            log.info("gave back %d claimed %s at shutdown", n, self.model.__tablename__)
        return n

    async def drain(self) -> None:
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
