"""The one APScheduler AsyncIOScheduler, shared by every channel. It only runs jobs whose
effects are database rows: the reminder dispatcher, stale-claim recovery, the daily job that
creates staff follow-up reminders and the one that forgets the words of old questions. Jobs live in
memory; the rows are what survives."""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import HtxApp
from bot.broadcaster import Broadcaster
from bot.dispatcher import Dispatcher
from bot.settings import Settings
from bot.shared_rate import SharedBudget
from handlers.registration.followup import remind_stale_registrations
from messages.quiet_hours import parse_quiet_hours
from storage.asked_questions import forget_old_words

log = logging.getLogger("htxbot.scheduler")


class Runtime:
    def __init__(self, app: HtxApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        quiet = parse_quiet_hours(settings.quiet_hours)
        self.dispatcher = Dispatcher(app, quiet=quiet)
        budget = (
            SharedBudget(app.sessions, "broadcast", settings.broadcast_rate)
            if settings.rate_is_shared
            else None
        )
        self.broadcaster = Broadcaster(
            app,
            rate=settings.broadcast_rate,
            quiet=quiet,
            worker=self.dispatcher.worker,
            budget=budget,
        )
        self.scheduler = AsyncIOScheduler(timezone=ZoneInfo(settings.timezone))

    async def start(self) -> None:
        await self.dispatcher.recover()
        await self.broadcaster.recover()
        # Ticks return at once (wait=False): deliveries go on in the background and the next
        # tick tops the pipeline up, so the outbox never runs dry between batches.
        for job_id, tick in (
            ("dispatch", self.dispatcher.tick),
            ("broadcast", self.broadcaster.tick),
        ):
            self.scheduler.add_job(
                tick,
                "interval",
                kwargs={"wait": False},
                id=job_id,
                seconds=self.settings.dispatch_interval,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        for job_id, recover in (
            ("recover", self.dispatcher.recover),
            ("recover_broadcasts", self.broadcaster.recover),
            ("refresh_faq", self.app.refresh_faq),  # answers another process published
        ):
            self.scheduler.add_job(
                recover, "interval", seconds=60, max_instances=1, coalesce=True, id=job_id
            )
        for job_id, daily, hour in (
            ("staff_followups", self.staff_followups, 8),
            ("forget_old_questions", self.forget_old_questions, 3),
        ):
            self.scheduler.add_job(
                daily, "cron", hour=hour, minute=0, max_instances=1, coalesce=True, id=job_id
            )
        self.scheduler.start()

    async def forget_old_questions(self) -> int:
        """Questions asked over a month ago keep their counts, not their words or asker."""
        async with self.app.sessions() as s:
            forgotten = await forget_old_words(s, self.app.clock())
            await s.commit()
        if forgotten:
            log.info("words of old questions forgotten: %d", forgotten)
        return forgotten

    async def staff_followups(self) -> int:
        async with self.app.sessions() as s:
            made = await remind_stale_registrations(
                s,
                now=self.app.clock(),
                days=self.settings.stale_registration_days,
                config=self.app.config,
            )
            await s.commit()
        if made:
            log.info("staff follow-up reminders created: %d", made)
        return made

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    async def stop(self) -> None:
        """Stop claiming, let the sends under way finish, give back what was claimed and not
        sent (bulk messages still queued are shed, so this takes seconds, not minutes)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.dispatcher.halt()
        self.broadcaster.halt()
        self.app.shed_bulk()
        await asyncio.gather(self.dispatcher.stop(), self.broadcaster.stop())
        await self.release_claims()

    async def abort(self) -> None:
        """Shutdown ran out of time: cancel the deliveries still under way (the rows they
        held are released next; a message already on the wire may then go twice)."""
        await asyncio.gather(self.dispatcher.abort(), self.broadcaster.abort())

    async def release_claims(self) -> None:
        try:
            await self.dispatcher.release_claims()
            await self.broadcaster.release_claims()
        except Exception:  # the database may be gone; other processes recover the rows later
            log.exception("claimed rows not released at shutdown")
