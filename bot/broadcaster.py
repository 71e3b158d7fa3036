"""Delivers broadcasts: starts those whose time has come (outside quiet hours unless staff
overrode them), claims recipients in batches, sends on the bulk lane at HTXBOT_BROADCAST_RATE,
marks blocked people unsubscribed, and reports to the staff member when done."""

from __future__ import annotations

import asyncio
import logging
import time as clock
from datetime import timedelta

from bot.app import HtxApp
from bot.dispatcher import _dead_here
from bot.outbox import BULK, INTERACTIVE, Budget, Stopping, Transient, Unreachable
from bot.pipeline import Pipeline
from handlers.broadcasts import (
    broadcast_attachment,
    final_report,
    progress_reply,
    render_broadcast,
)
from handlers.types import Attachment
from messages.quiet_hours import QuietHours, is_quiet
from storage.broadcasts import (
    attachment_data,
    claim_recipients,
    finish_if_complete,
    finish_recipient,
    progress,
    recipient_claimers,
    recover_recipients,
    start_due,
)
from storage.models import Broadcast, BroadcastRecipient, User

log = logging.getLogger("htxbot.broadcasts")
MAX_ATTEMPTS = 3
PROGRESS_EVERY = 3.0  # seconds between edits of the status message


class Broadcaster(Pipeline):
    def __init__(
        self,
        app: HtxApp,
        *,
        rate: float,
        quiet: QuietHours,
        worker: str,
        budget: Budget | None = None,
    ) -> None:
        self.app, self.rate, self.quiet, self.worker = app, rate, quiet, worker
        self.budget = budget  # shared with other processes, when several run
        self.model, self.sessions = BroadcastRecipient, app.sessions
        self.batch = max(10, int(rate * 4))
        self._next = 0.0
        self._lock = asyncio.Lock()
        super().__init__()
        self._last_edit: dict[int, float] = {}
        self._files: dict[int, Attachment | None] = {}

    async def _pace(self) -> None:
        """The broadcast's own budget, under the channel's overall one."""
        if self.budget is not None:
            await self.until_halted(self.budget.wait())
            return
        async with self._lock:
            now = clock.monotonic()
            at = max(now, self._next)
            self._next = at + 1.0 / self.rate
        if at > now:
            await self.until_halted(asyncio.sleep(at - now))

    async def recover(self) -> int:
        async with self.app.sessions() as s:
            dead = tuple(w for w in await recipient_claimers(s) if _dead_here(w))
            n = await recover_recipients(
                s, self.app.clock(), timedelta(minutes=2), me=self.worker, dead_workers=dead
            )
            await s.commit()
        return n

    async def _tick(self, *, wait: bool) -> int:
        now = self.app.clock()
        channels = list(self.app.senders)
        if not channels:
            return 0
        async with self.app.sessions() as s:
            # In quiet hours only broadcasts staff explicitly allowed may start.
            quiet = is_quiet(now, self.app.config.timezone, self.quiet)
            started = await start_due(s, now, override_only=quiet)
            await s.commit()
        for bc in started:
            log.info("broadcast %d started", bc.id)
            await self._show_progress(bc.id, final=False)
        room = self.room
        if room <= 0:
            return 0
        async with self.app.sessions() as s:
            rows = await claim_recipients(
                s, now=now, worker=self.worker, channels=channels, limit=min(room, self.batch)
            )
            await s.commit()
        return await self._run([self._deliver(r) for r in rows], wait)

    async def _deliver(self, row: BroadcastRecipient) -> None:
        async with self.app.sessions() as s:
            bc = await s.get(Broadcast, row.broadcast_id)
            user = await s.get(User, row.user_id)
        if bc is None or bc.status != "sending" or user is None or not user.subscribed:
            await self._record(row, "cancelled", "")
            return
        await self._pace()
        if self.stopping:  # shutting down: release_claims() gives the row back
            return
        status, error = "sent", ""
        reply = render_broadcast(bc, user.language, await self._attachment(bc))
        try:
            await self.app.send(row.channel, row.chat_id, reply, priority=BULK)
        except Stopping:
            return
        except Unreachable as exc:
            status, error = "blocked", str(exc)
            async with self.app.sessions() as s:
                blocked = await s.get(User, row.user_id)
                if blocked is not None:
                    blocked.subscribed = False
                await s.commit()
        except (Transient, Exception) as exc:  # anything else: retried a few times
            status = "pending" if row.attempts + 1 < MAX_ATTEMPTS else "failed"
            error = str(exc)
        await self._record(row, status, error)

    async def _attachment(self, bc: Broadcast) -> Attachment | None:
        """The broadcast's photo or file, its bytes read from the database once per process."""
        if not bc.attachment_kind:
            return None
        if bc.id not in self._files:
            data = b""
            if not bc.attachment_file_id:
                async with self.app.sessions() as s:
                    data = await attachment_data(s, bc.id)
            self._files[bc.id] = broadcast_attachment(bc, data)
        return self._files[bc.id]

    async def _record(self, row: BroadcastRecipient, status: str, error: str) -> None:
        async with self.app.sessions() as s:
            await finish_recipient(
                s, row.id, status, worker=self.worker, now=self.app.clock(), error=error
            )
            done = await finish_if_complete(s, row.broadcast_id, self.app.clock())
            await s.commit()
        if done:
            await self._show_progress(row.broadcast_id, final=True)
        elif clock.monotonic() - self._last_edit.get(row.broadcast_id, 0.0) >= PROGRESS_EVERY:
            self._last_edit[row.broadcast_id] = clock.monotonic()
            await self._show_progress(row.broadcast_id, final=False)

    async def _show_progress(self, broadcast_id: int, *, final: bool) -> None:
        """Send, then edit, the sender's status message; at the end, the final report too."""
        async with self.app.sessions() as s:
            bc = await s.get(Broadcast, broadcast_id)
            counts = await progress(s, broadcast_id)
        if bc is None or not bc.report_chat_id or bc.report_channel not in self.app.senders:
            return
        try:
            message_id = await self.app.send(
                bc.report_channel,
                bc.report_chat_id,
                progress_reply(bc, counts, self.rate, final=final),
                priority=INTERACTIVE,
            )
            if bc.report_message_id is None and message_id:
                async with self.app.sessions() as s:
                    stored = await s.get(Broadcast, broadcast_id)
                    if stored is not None:
                        stored.report_message_id = message_id
                    await s.commit()
            if final:
                log.info("broadcast %d done: %s", bc.id, dict(counts))
                await self.app.send(
                    bc.report_channel,
                    bc.report_chat_id,
                    final_report(bc, counts),
                    priority=INTERACTIVE,
                )
        except Exception:  # a progress message must never stop the broadcast
            log.exception("broadcast progress not shown")
