"""The claim-and-deliver loop shared by the reminder dispatcher and the broadcaster: ticks are
serialised, deliveries run in the background up to about two batches ahead, and stop() lets
the tick under way and its deliveries finish before the database engine closes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
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
        self._halted = asyncio.Event()

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

    def halt(self) -> None:
        """Claim nothing more; deliveries waiting for their turn give up (see until_halted)."""
        self.stopping = True
        self._halted.set()

    async def until_halted(self, wait: Awaitable[Any]) -> None:
        """Wait for `wait` (a pacing sleep), or less if the pipeline is halted meanwhile."""
        waiting = asyncio.ensure_future(wait)
        halted = asyncio.ensure_future(self._halted.wait())
        await asyncio.wait({waiting, halted}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiting, halted):
            task.cancel()

    async def abort(self) -> None:
        """Shutdown ran out of time: cancel the deliveries still under way."""
        for task in list(self._in_flight):
            task.cancel()
        await self.drain()

    async def stop(self) -> None:
        """Let the tick under way finish, then the deliveries it started."""
        self.halt()
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
