"""The application core shared by every channel: storage, knowledge base, routing, logging."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import yaml
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.metrics import Metrics
from bot.outbox import Outbox, Unreachable
from bot.settings import Settings
from handlers.router import route
from handlers.staff_questions import staff_answer_entry
from handlers.types import Ctx, HandlerConfig, InboundEvent, Reply
from messages.i18n import language_for, t
from messages.kb import load_kb
from messages.quiet_hours import parse_quiet_hours
from messages.search import QAIndex
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import utcnow
from storage.questions import published_answers
from storage.users import get_or_create_user

log = logging.getLogger("htxbot")
RETRIES = 5


def _retryable(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(
        w in text for w in ("locked", "busy", "serializ", "deadlock", "unique", "duplicate")
    )


class Sender(Protocol):
    """A running channel's way to send one reply to one of its chats."""

    async def __call__(self, chat_id: str, reply: Reply, *, priority: int = ...) -> str | None: ...


def user_hash(ref: str) -> str:
    """A stable pseudonym for logs, so log files hold no user ids."""
    return hashlib.sha256(ref.encode()).hexdigest()[:10]


def handler_config(settings: Settings) -> HandlerConfig:
    staff_chats = tuple(
        ref if ":" in ref else f"telegram:{ref}" for ref in settings.staff_chat_ids
    )
    return HandlerConfig(
        admins=frozenset(settings.admins),
        staff_chat_ids=staff_chats,
        timezone=settings.timezone,
        targets=load_targets(settings.targets_file),
        class_reminders=tuple(settings.class_reminders),
        quiet_hours=parse_quiet_hours(settings.quiet_hours),
    )


def load_targets(path: Path | None) -> dict[str, dict[str, int]]:
    """Yearly targets per locality from HTXBOT_TARGETS_FILE (see targets.example.yaml)."""
    if path is None:
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        str(k): {str(kind): int(n) for kind, n in v.items()}
        for k, v in (raw.get("targets") or {}).items()
    }


@dataclass
class Outcome:
    route: str
    replies: list[Reply]


class HtxApp:
    """Owns the engine and the Q&A index; turns one inbound event into replies."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.config = handler_config(settings)
        self.clock = clock
        self.engine: AsyncEngine = create_engine(settings.database_url)
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self.qa: QAIndex | None = None
        self.senders: dict[str, Sender] = {}
        self.outboxes: dict[str, Outbox] = {}
        self.metrics = Metrics()

    async def start(self) -> None:
        """Migrate the database, build the Q&A index."""
        await upgrade(self.engine)
        started = time.perf_counter()
        self.qa = QAIndex.from_kb(load_kb())
        async with self.sessions() as session:
            self.qa.add_entries(staff_answer_entry(q) for q in await published_answers(session))
        log.info(
            "qa index: %d entries in %.0f ms",
            len(self.qa.entries),
            (time.perf_counter() - started) * 1000,
        )

    async def refresh_faq(self) -> int:
        """Index the staff answers published since start, by any process (a scheduler job
        runs this every minute); returns how many were new here."""
        if self.qa is None:
            return 0
        async with self.sessions() as session:
            answers = await published_answers(session)
        added = self.qa.add_entries(staff_answer_entry(q) for q in answers)
        if added:
            log.info("qa index: %d staff answers published elsewhere added", added)
        return added

    async def close(self) -> None:
        """Close the database."""
        await self.engine.dispose()

    async def handle(self, event: InboundEvent) -> Outcome:
        """One update: one session, one commit; never raises (errors become a polite reply).
        A write conflict (SQLite busy, PostgreSQL serialization or a racing insert) rolls the
        whole update back and runs it again, so no reply goes out for work that was undone."""
        started = time.perf_counter()
        route_name = "error"
        lang = language_for(event.language_code)
        replies: list[Reply] = []
        for attempt in range(1, RETRIES + 1):
            try:
                route_name, replies, lang = await self._handle_once(event, lang)
                break
            except (OperationalError, IntegrityError) as exc:
                if attempt < RETRIES and _retryable(exc):
                    await asyncio.sleep(random.uniform(0.01, 0.05) * attempt)
                    continue
                log.exception(
                    "update failed: channel=%s user=%s", event.channel, user_hash(event.user_ref)
                )
            except Exception:
                log.exception(
                    "update failed: channel=%s user=%s", event.channel, user_hash(event.user_ref)
                )
            route_name, replies = "error", [Reply(t("error_generic", lang))]
            break
        log.info(
            "update channel=%s user=%s route=%s ms=%.1f",
            event.channel,
            user_hash(event.user_ref),
            route_name,
            (time.perf_counter() - started) * 1000,
        )
        return Outcome(route_name, replies)

    async def _handle_once(self, event: InboundEvent, lang: str) -> tuple[str, list[Reply], str]:
        async with self.sessions() as session:
            if self.settings.is_postgres:
                # One person's updates may reach two processes at once (webhooks behind a load
                # balancer): they take turns, so neither works from a stale form step.
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:ref))"), {"ref": event.user_ref}
                )
            user, _, form = await get_or_create_user(
                session,
                channel=event.channel,
                external_id=event.user_id,
                chat_id=event.chat_id,
                display_name=event.display_name,
                username=event.username,
                language=lang,
                now=self.clock(),
            )
            lang = user.language
            ctx = Ctx(
                session=session,
                user=user,
                config=self.config,
                now=self.clock(),
                qa=self.qa,
                form=form,
            )
            route_name, replies = await route(event, ctx=ctx)
            await session.commit()
        return route_name, replies, lang

    async def send(self, channel: str, chat_id: str, reply: Reply, *, priority: int) -> str | None:
        """Send on a running channel; raises Unreachable (blocked) or the send's error."""
        sender = self.senders.get(channel)
        if sender is None:
            raise LookupError(f"channel {channel} is not running")
        return await sender(chat_id, reply, priority=priority)

    def register_sender(self, channel: str, sender: Sender, outbox: Outbox | None = None) -> None:
        """A running channel offers to deliver replies addressed to its chats."""
        self.senders[channel] = sender
        if outbox is not None:
            self.outboxes[channel] = outbox

    def shed_bulk(self) -> None:
        """Shutting down: bulk messages not yet sent are given back instead (Stopping)."""
        for outbox in self.outboxes.values():
            outbox.shed_bulk()

    async def respond(self, event: InboundEvent, received: float | None = None) -> Outcome:
        """Handle one event and send its replies; `received` (perf_counter) is when the
        update arrived, for the reply latency metric."""
        started = time.perf_counter() if received is None else received
        outcome = await self.handle(event)
        await self.deliver(event, outcome.replies)
        self.metrics.updates.labels(event.channel, outcome.route).inc()
        self.metrics.reply_seconds.labels(event.channel).observe(time.perf_counter() - started)
        return outcome

    async def deliver(self, event: InboundEvent, replies: list[Reply]) -> None:
        """Send each reply to its chat, on its channel, in order."""
        for reply in replies:
            channel = reply.channel or event.channel
            chat_id = reply.chat_id or event.chat_id
            sender = self.senders.get(channel)
            if sender is None:
                log.warning(
                    "no %s channel running: a message to a chat there was not sent", channel
                )
                continue
            try:
                await sender(chat_id, reply)
            except Unreachable:
                log.info(
                    "chat unreachable (blocked?): channel=%s chat=%s", channel, user_hash(chat_id)
                )
            except Exception:
                log.exception("send failed: channel=%s", channel)
