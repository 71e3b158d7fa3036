"""The reminder dispatcher: claims due rows atomically, applies grace windows and quiet hours,
sends through the channel's outbox (bulk lane), records the outcome, schedules the next one."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import HtxApp, user_hash
from bot.outbox import BULK, Stopping, Unreachable
from bot.pipeline import Pipeline
from handlers.reminders import add_next_occurrence, render_reminder
from messages.quiet_hours import QuietHours, quiet_until
from storage.classes import enrolment_of
from storage.models import Reminder, TrainingClass, User
from storage.reminders import (
    cancel_where,
    claim_due,
    claimers,
    finish,
    recover_stale,
    release,
)

log = logging.getLogger("htxbot.reminders")
MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=2)


def _dead_here(worker: str) -> bool:
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdecimal() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Dispatcher(Pipeline):
    def __init__(self, app: HtxApp, *, quiet: QuietHours, batch: int = 140) -> None:
        self.app = app
        self.quiet = quiet
        self.batch = batch  # about five seconds of sending at Telegram's rate
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.model, self.sessions = Reminder, app.sessions
        self.sent = self.missed = self.failed = 0
        super().__init__()

    async def recover(self) -> int:
        """Rows a dead process left in 'sending' go back to pending: at once when it ran on
        this machine (its pid is gone), after STALE_CLAIM otherwise."""
        async with self.app.sessions() as s:
            dead = tuple(w for w in await claimers(s) if _dead_here(w))
            n = await recover_stale(
                s, self.app.clock(), STALE_CLAIM, me=self.worker, dead_workers=dead
            )
            await s.commit()
        if n:
            log.warning("recovered %d reminders left in flight by a stopped process", n)
        return n

    async def _tick(self, *, wait: bool) -> int:
        """Claim what is due now and deliver it; returns how many rows were claimed. With
        wait=False (the scheduler's job) deliveries go on in the background and the next tick
        tops the pipeline up, so the outbox never runs dry between batches; at most about
        two batches are claimed and not yet sent."""
        channels = list(self.app.senders)
        room = self.room
        if not channels or room <= 0:
            return 0
        async with self.app.sessions() as s:
            rows = await claim_due(
                s,
                now=self.app.clock(),
                worker=self.worker,
                channels=channels,
                limit=min(room, self.batch),
            )
            await s.commit()
        return await self._run([self._deliver(r) for r in rows], wait)

    async def _deliver(self, row: Reminder) -> None:
        tz, now = self.app.config.timezone, self.app.clock()
        if now > row.expires_at:
            await self._finish(row, "missed", "came due while the bot was down or too late")
            await self._schedule_next(row)
            log.warning(
                "reminder %d missed: due %s, useless after %s", row.id, row.due_at, row.expires_at
            )
            return
        later = None if row.user_chose_time else quiet_until(now, tz, self.quiet)
        if later is not None and later < row.expires_at:
            async with self.app.sessions() as s:
                await release(s, row.id, later, worker=self.worker)
                await s.commit()
            return
        async with self.app.sessions() as s:
            user = await s.get(User, row.user_id) if row.user_id else None
            if row.kind == "class" and not await self._still_enrolled(s, row):
                await finish(
                    s, row.id, "cancelled", now=now, worker=self.worker, error="no longer enrolled"
                )
                await s.commit()
                return
        lang = user.language if user else "vi"
        try:
            await self.app.send(
                row.channel, row.chat_id, render_reminder(row, lang), priority=BULK
            )
        except Unreachable as exc:
            await self._unreachable(row, str(exc))
            return
        except Stopping:  # shutting down: release_claims() gives the row back
            return
        except Exception as exc:
            async with self.app.sessions() as s:
                gave_up = row.attempts + 1 >= MAX_ATTEMPTS
                if gave_up:
                    await finish(s, row.id, "failed", now=now, worker=self.worker, error=str(exc))
                    self.failed += 1
                else:
                    backoff = timedelta(seconds=30 * 2**row.attempts)
                    await release(
                        s, row.id, now + backoff, worker=self.worker, attempt=True, error=str(exc)
                    )
                await s.commit()
            if gave_up:
                await self._schedule_next(row)
            return
        await self._finish(row, "sent")
        await self._schedule_next(row)

    async def _schedule_next(self, row: Reminder) -> None:
        """A recurring reminder goes on whether this one was sent, missed or failed."""
        async with self.app.sessions() as s:
            if await add_next_occurrence(
                s, row, now=self.app.clock(), tz=self.app.config.timezone
            ):
                await s.commit()

    async def _still_enrolled(self, session: AsyncSession, row: Reminder) -> bool:
        cls = await session.get(TrainingClass, row.class_id)
        mine = await enrolment_of(session, row.class_id or 0, row.user_id or 0)
        return bool(cls and cls.status == "published" and mine and mine.status == "enrolled")

    async def _finish(self, row: Reminder, status: str, error: str = "") -> None:
        async with self.app.sessions() as s:
            await finish(s, row.id, status, now=self.app.clock(), worker=self.worker, error=error)
            await s.commit()
        if status == "sent":
            self.sent += 1
        elif status == "missed":
            self.missed += 1

    async def _unreachable(self, row: Reminder, error: str) -> None:
        """Blocked by the person (Telegram 403): unsubscribe them, cancel what was pending."""
        async with self.app.sessions() as s:
            await finish(
                s,
                row.id,
                "failed",
                now=self.app.clock(),
                worker=self.worker,
                error=f"blocked: {error}",
            )
            if row.user_id:
                user = await s.get(User, row.user_id)
                if user is not None:
                    user.subscribed = False
                await cancel_where(s, user_id=row.user_id)
            await s.commit()
        self.failed += 1
        log.info(
            "chat %s blocked the bot: unsubscribed, reminders cancelled", user_hash(row.chat_id)
        )
