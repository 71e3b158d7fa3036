"""Zalo adapter (Zalo Bot Platform): updates arrive by long polling (getUpdates) or through the
webhook server, which hands each request to `accept_webhook`; HtxApp handles them, in order per
chat, and the replies go back as plain text through this channel's outbox.

Zalo has no buttons: choices are numbered (bot/zalo_render.py) and a typed digit or label is
turned back into the button's payload here, from the choices stored with the user, so it works
after a restart and in any bot process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

import httpx

from bot.app import HtxApp
from bot.chat_locks import ChatLocks
from bot.outbox import INTERACTIVE, Outbox, Retry
from bot.render import pick_choice, pick_choices, same_label, which_button
from bot.settings import Settings
from bot.shared_rate import SharedBudget
from bot.zalo_api import ZaloApi, ZaloApiError, outbox_error
from bot.zalo_render import choices_to_rows, needs_language, render, rows_to_choices
from bot.zalo_updates import (
    CHANNEL,
    MalformedUpdate,
    RecentKeys,
    event_from_update,
    parse_update,
    update_key,
)
from handlers.qa import SMALL_TALK
from handlers.router import parse_command
from handlers.types import Button, InboundEvent, Reply
from messages.textnorm import words
from storage.choices import chat_language, offer_choices, offered_choices

log = logging.getLogger("htxbot.zalo")
CONCURRENT_UPDATES = 4  # different chats side by side, as on Telegram
TYPING_AFTER = 1.0  # "typing…" only for answers slower than this: one API call saved per reply
STARTUP_TRIES = 3
STOP_GRACE = 6.0  # seconds to finish the updates under way, inside the 8 s of shutdown
T = TypeVar("T")


class ZaloChannel:
    """Wires one Zalo bot to the shared HtxApp."""

    name = CHANNEL
    secret_header = "X-Bot-Api-Secret-Token"

    def __init__(
        self, app: HtxApp, settings: Settings, *, client: httpx.AsyncClient | None = None
    ) -> None:
        self.app = app
        self.api = ZaloApi(settings.zalo_bot_token, settings.zalo_api_base_url, client=client)
        self.secret = settings.zalo_webhook_secret
        # Zalo's own default is 30 s; 0 would turn the long poll into a busy loop.
        self.poll_timeout = max(1, settings.poll_timeout)
        budget = (
            SharedBudget(app.sessions, CHANNEL, settings.zalo_rate)
            if settings.rate_is_shared
            else None
        )
        self.outbox = Outbox(self._send_now, rate=settings.zalo_rate, budget=budget)
        self.chat_locks = ChatLocks()
        self.typing_after = TYPING_AFTER
        self.bot_name = ""
        self._slots = asyncio.Semaphore(CONCURRENT_UPDATES)
        self._recent = RecentKeys()
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._warned_open_webhook = False
        # Chats whose update is being answered → the choices offered so far in that answer
        # (None until a reply has buttons): its messages share one numbering.
        self._answering: dict[str, list[Button] | None] = {}
        self.accepting = True
        app.register_sender(CHANNEL, self.send, self.outbox)

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self, *, webhook_url: str | None = None) -> None:
        """Check the token (getMe); then register the webhook with the secret when given a URL,
        else delete any webhook and long-poll getUpdates in the background."""
        me = await self._retrying(self.api.get_me)
        self.bot_name = str(me.get("account_name") or me.get("id") or "")
        await self.outbox.start()
        if webhook_url:
            if not self.secret:
                raise ValueError("ZALO_WEBHOOK_SECRET (8–256 ký tự) là bắt buộc khi dùng webhook")
            await self._retrying(lambda: self.api.set_webhook(webhook_url, self.secret))
            log.info("zalo: webhook set for bot %s", self.bot_name)
            return
        # getUpdates does not work while a webhook is set.
        await self._retrying(self.api.delete_webhook)
        self._poller = asyncio.create_task(self._poll_forever(), name="zalo-poll")
        log.info("zalo: long polling for bot %s", self.bot_name)

    async def stop_updates(self) -> None:
        """Take no more updates; let the ones under way finish (their replies still go)."""
        self.accepting = False
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=STOP_GRACE)

    async def stop(self) -> None:
        """Stop polling, let the updates under way finish, then stop sending."""
        if self.accepting:  # not already done by a graceful shutdown
            await self.stop_updates()
        await self.outbox.stop()
        await self.api.close()

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """A start-up call, tried again after network errors and 5xx (not after a 401)."""
        for attempt in range(1, STARTUP_TRIES + 1):
            try:
                return await call()
            except (httpx.TransportError, ZaloApiError) as exc:
                transient = not isinstance(exc, ZaloApiError) or exc.code >= 500
                if not transient or attempt == STARTUP_TRIES:
                    raise
                await asyncio.sleep(attempt)
        raise AssertionError("unreachable")

    # --- receiving ---------------------------------------------------------------------------
    async def _poll_forever(self) -> None:
        """One getUpdates after another (Zalo returns one update per call); errors back off."""
        backoff = 1.0
        while True:
            try:
                update = await self.api.get_update(self.poll_timeout)
                backoff = 1.0
            except Exception as exc:  # anything: a dead poller would leave Zalo users unheard
                level = logging.WARNING if isinstance(exc, httpx.TransportError) else logging.ERROR
                log.log(level, "zalo getUpdates failed (%s); again in %.0fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if update is None:
                continue
            try:
                self._queue(parse_update(update))
            except MalformedUpdate as exc:
                log.warning("zalo: ignored a malformed update (%s)", exc)

    async def accept_webhook(self, secret_header: str | None, body: bytes) -> int:
        """One webhook request: 403 without the right X-Bot-Api-Secret-Token (when
        ZALO_WEBHOOK_SECRET is set), 400 for a body that is not an update, else 200 once the
        update is queued (answered at once, so Zalo never waits for the bot's work)."""
        if self.secret:
            given = (secret_header or "").encode()
            if not hmac.compare_digest(given, self.secret.encode()):
                return 403
        elif not self._warned_open_webhook:
            self._warned_open_webhook = True
            log.warning("zalo webhook accepted without a secret: set ZALO_WEBHOOK_SECRET")
        if not self.accepting:  # shutting down: Zalo is asked to deliver it again
            return 503
        try:
            update = parse_update(json.loads(body))
        except (ValueError, UnicodeDecodeError):  # MalformedUpdate is a ValueError too
            return 400
        self._queue(update)
        return 200

    def _queue(self, update: dict[str, Any]) -> None:
        """Handle an update in the background. Tasks of one chat take its lock in the order
        they were queued (asyncio locks are FIFO), so a person's messages stay in order."""
        if self._recent.seen(update_key(update)):
            return
        event = event_from_update(update)
        if event is None:
            return
        task = asyncio.create_task(self._handle(event))
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("zalo update failed", exc_info=task.exception())

    async def _handle(self, event: InboundEvent) -> None:
        # The chat's lock first, then a slot: a slot is never held while waiting for a lock.
        async with self.chat_locks.hold(event.chat_id), self._slots:
            typing = asyncio.create_task(self._typing_later(event.chat_id))
            self._answering[event.chat_id] = None
            try:
                for step in await self._events_for(event):
                    await self.app.respond(step)
            finally:
                typing.cancel()
                self._answering.pop(event.chat_id, None)

    async def _events_for(self, event: InboundEvent) -> list[InboundEvent]:
        """The events to handle for one message: a typed number or label becomes the button it
        names; a person's very first message is greeted as /start (Zalo sends no /start)."""
        async with self.app.sessions() as session:
            known, rows = await offered_choices(session, CHANNEL, event.user_id)
        if event.text is not None and rows:
            choices = rows_to_choices(rows)
            picked = pick_choice(event.text, choices)
            if picked is None and (numbers := same_label(event.text, choices)):
                await self.send(event.chat_id, Reply(which_button(event.text, numbers)))
                return []
            if picked is not None and picked.url:
                await self.send(event.chat_id, Reply(html.escape(picked.url)))
                return []
            if picked is not None:
                event = replace(event, text=None, payload=picked.payload)
            elif several := pick_choices(event.text or "", choices):
                event = replace(event, picks=tuple(b.payload for b in several))
        if known:
            return [event]
        command = parse_command((event.text or "").strip())
        if command is not None and command[0] == "start":
            return [event]
        start = replace(event, text="/start", payload=None, unsupported=None)
        if event.text is not None and " ".join(words(event.text)) in SMALL_TALK:
            return [start]  # "xin chào": the welcome is the answer
        return [start, event]

    async def _typing_later(self, chat_id: str) -> None:
        await asyncio.sleep(self.typing_after)
        try:
            await self.api.send_chat_action(chat_id, "typing")
        except (httpx.TransportError, ZaloApiError) as exc:
            log.debug("zalo sendChatAction failed: %s", exc)

    # --- sending -----------------------------------------------------------------------------
    async def send(self, chat_id: str, reply: Reply, *, priority: int = INTERACTIVE) -> str | None:
        """Queue one reply on the outbox; raises Unreachable when the person cannot be reached."""
        return await self.outbox.submit(chat_id, reply, priority=priority)

    async def _send_now(self, chat_id: str, reply: Reply) -> str | None:
        """Send one reply as plain text parts; returns the id of the last message sent. Zalo
        errors become the outbox's (Unreachable, RetryAfter, Transient); when a later part
        fails, the error carries the parts not sent, so a retry does not repeat the first."""
        if reply.edit_message_id:
            # Zalo cannot edit a message. This is a broadcast's progress being updated: sending
            # it anew every few seconds would flood the staff member, and the final report
            # arrives as a message of its own, so the update is skipped.
            return reply.edit_message_id
        lang = "vi"
        if needs_language(reply):
            async with self.app.sessions() as session:
                lang = await chat_language(session, CHANNEL, chat_id)
        # A class card (Đăng ký 1–2) followed by a filter list (3–8): both stay answerable.
        answering = chat_id in self._answering
        before = (self._answering.get(chat_id) or []) if answering else []
        rendered = render(reply, lang, first=len(before) + 1)
        if rendered.choices is not None:
            # Stored before sending: a reminder's reader may answer "1" the moment it arrives.
            offered = before + rendered.choices
            if answering:
                self._answering[chat_id] = offered
            await self._remember(chat_id, choices_to_rows(offered))
        sent: str | None = None
        for i, part in enumerate(rendered.parts):
            if i:
                await self.outbox.extra_turn()  # every part counts against the rate
            try:
                sent = await self.api.send_message(chat_id, part) or sent
            except Exception as exc:
                error = outbox_error(exc)
                if i and isinstance(error, Retry):
                    # Already plain text, numbered choices included: escaped, it renders back
                    # to itself, with no choices to store again.
                    error.remaining = Reply(html.escape("\n\n".join(rendered.parts[i:])))
                raise error from exc
        return sent

    async def _remember(self, chat_id: str, rows: list[dict[str, str]]) -> None:
        """Store what a typed number now means (a failure here must not stop the message)."""
        try:
            async with self.app.sessions() as session:
                await offer_choices(session, CHANNEL, chat_id, rows)
                await session.commit()
        except Exception:
            log.exception("zalo: the offered choices were not stored")
