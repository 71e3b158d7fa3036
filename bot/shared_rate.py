"""A rate budget kept in the database, for several bot processes sending as one bot: each
message takes the next free slot of a token bucket shared through one row (storage/
send_budget.py). If the database cannot be reached, the process falls back on its own
bucket rather than stop sending."""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import send_budget

log = logging.getLogger("htxbot.rate")
MAX_LATE_RETRIES = 3


class SharedBudget:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], key: str, rate: float) -> None:
        self.sessions = sessions
        self.key = key
        self.interval = 1.0 / rate
        self._ready = False
        self._local_next = 0.0

    async def _ensure(self) -> None:
        if not self._ready:
            async with self.sessions() as s:
                await send_budget.ensure(s, self.key)
                await s.commit()
            self._ready = True

    async def wait(self) -> None:
        """Wait for this process's turn under the shared budget. A turn this process woke up
        too late for (its event loop was busy) is not used: sending then would bunch with the
        other processes' turns and go over the limit, so it takes a new one."""
        for _ in range(MAX_LATE_RETRIES):
            delay = await self._reserve()
            at = time.monotonic() + delay
            if delay > 0:
                await asyncio.sleep(delay)
            if time.monotonic() - at < self.interval:
                return

    async def _reserve(self) -> float:
        try:
            await self._ensure()
            async with self.sessions() as s:
                delay = await send_budget.reserve(s, self.key, self.interval)
                await s.commit()
            return delay
        except Exception as exc:  # the database is down: keep a local pace meanwhile
            log.warning("shared send budget unavailable (%s): pacing locally", exc)
            now = time.monotonic()
            at = max(now, self._local_next)
            self._local_next = at + self.interval
            return at - now

    async def pause(self, seconds: float) -> None:
        """Tell every process to hold off (the platform answered 429)."""
        try:
            await self._ensure()
            async with self.sessions() as s:
                await send_budget.pause(s, self.key, seconds)
                await s.commit()
        except Exception as exc:
            log.warning("could not share a pause of %.1fs: %s", seconds, exc)
