"""Telegram adapter: python-telegram-bot receives updates, HtxApp handles them, replies go back."""

from __future__ import annotations

import dataclasses
import hmac
import json
import logging
import time
from dataclasses import replace

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.error import RetryAfter as TgRetryAfter
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app import HtxApp
from bot.chat_locks import ChatLocks
from bot.outbox import INTERACTIVE, Outbox, Retry, RetryAfter, Transient, Unreachable
from bot.render import split_text
from bot.settings import Settings
from bot.shared_rate import SharedBudget
from bot.telegram_files import FileSender
from handlers.router import menu_commands
from handlers.types import Attachment, InboundEvent, Reply

CHANNEL = "telegram"
CONCURRENT_UPDATES = 4
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
log = logging.getLogger("htxbot.telegram")

_MEDIA = (
    "sticker",
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "document",
    "location",
    "animation",
    "poll",
    "dice",
    "venue",
)


def file_url_for(base_url: str) -> str:
    """The file endpoint beside a Bot API base URL ('…/bot' → '…/file/bot')."""
    return base_url[: -len("bot")] + "file/bot" if base_url.endswith("/bot") else base_url


def event_from_message(message: Message) -> InboundEvent | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    base = InboundEvent(
        channel=CHANNEL,
        user_id=str(user.id),
        chat_id=str(message.chat.id),
        display_name=user.full_name,
        username=user.username,
        language_code=user.language_code,
    )
    if message.contact is not None:
        # Only the sender's own number counts: a forwarded contact is someone else's data.
        if message.contact.user_id == user.id:
            return replace(base, contact_phone=message.contact.phone_number)
        return replace(base, unsupported="contact")
    if message.text is not None:
        return replace(base, text=message.text)
    kind = next((k for k in _MEDIA if getattr(message, k, None)), "other")
    return replace(base, unsupported=kind, attachment=attachment_of(message))


def attachment_of(message: Message) -> Attachment | None:
    """A photo or file by its file_id (not downloaded: only a form that asks for one uses it,
    and Telegram lets the bot send it again by that id)."""
    if message.photo:
        return Attachment(filename="anh.jpg", kind="photo", file_id=message.photo[-1].file_id)
    doc = message.document
    if doc is not None:
        return Attachment(
            filename=doc.file_name or "tep",
            kind="document",
            file_id=doc.file_id,
            mime=doc.mime_type or "application/octet-stream",
        )
    return None


def event_from_update(update: Update) -> InboundEvent | None:
    """A neutral event, or None for updates the bot ignores (edits, channel posts…)."""
    query = update.callback_query
    if query is not None:
        user = query.from_user
        chat_id = query.message.chat.id if query.message else user.id
        return InboundEvent(
            channel=CHANNEL,
            user_id=str(user.id),
            chat_id=str(chat_id),
            payload=query.data or "",
            display_name=user.full_name,
            username=user.username,
            language_code=user.language_code,
        )
    if update.message is not None:
        return event_from_message(update.message)
    return None


def reply_markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """The reply's keyboard: inline buttons, or the one button that shares the person's phone
    number."""
    if reply.request_contact:
        label = reply.buttons[0][0].label if reply.buttons else "📱"
        return ReplyKeyboardMarkup(
            [[KeyboardButton(label, request_contact=True)]],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.payload)
                for b in row
            ]
            for row in reply.buttons
        ]
    )


class TelegramChannel:
    """Wires one python-telegram-bot Application to the shared HtxApp."""

    name = CHANNEL
    secret_header = "X-Telegram-Bot-Api-Secret-Token"

    def __init__(self, app: HtxApp, settings: Settings, *, webhook: bool = False) -> None:
        self.app = app
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(file_url_for(settings.telegram_api_base_url))
            # Different users' updates run side by side; one user's stay in order (ChatLocks).
            .concurrent_updates(CONCURRENT_UPDATES)
        )
        if webhook:  # updates arrive through accept_webhook(), not a getUpdates poller
            builder = builder.updater(None)
        self.application = builder.build()
        self.webhook_url = settings.webhook_url if webhook else ""
        self.webhook_secret = settings.webhook_secret
        self.accepting = True
        # Our own outbox, not python-telegram-bot's AIORateLimiter: it needs priorities.
        budget = (
            SharedBudget(app.sessions, CHANNEL, settings.telegram_rate)
            if settings.rate_is_shared
            else None
        )
        self.outbox = Outbox(
            self._send_now,
            rate=settings.telegram_rate if settings.telegram_rate_limit else None,
            budget=budget,
        )
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.poll_timeout = settings.poll_timeout
        self.chat_locks = ChatLocks()
        self.files = FileSender()
        app.register_sender(CHANNEL, self.send, self.outbox)

    async def _register_commands(self) -> None:
        for lang in ("vi", "en"):
            commands = [BotCommand(c, d) for c, d in menu_commands(lang)]
            await self.application.bot.set_my_commands(
                commands, language_code=None if lang == "vi" else lang
            )

    async def _on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update: answer button presses at once, then handle and reply."""
        if not isinstance(update, Update):
            return
        received = time.perf_counter()
        if update.callback_query is not None:
            try:  # stops the button's spinner; too old after a restart, and that is fine
                await update.callback_query.answer()
            except TelegramError as exc:
                log.info("answerCallbackQuery failed: %s", exc)
        chat = update.effective_chat
        async with self.chat_locks.hold(str(chat.id) if chat else ""):
            event = event_from_update(update)
            if event is None:
                return
            await self.app.respond(event, received)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram error: %s", context.error, exc_info=context.error)

    async def send(self, chat_id: str, reply: Reply, *, priority: int = INTERACTIVE) -> str | None:
        """Queue one reply on the outbox; raises Unreachable when the chat blocked the bot."""
        return await self.outbox.submit(chat_id, reply, priority=priority)

    async def _send_now(self, chat_id: str, reply: Reply) -> str | None:
        """Send one neutral reply (split under Telegram's length limit) as HTML, translating
        Telegram's errors into the outbox's: blocked, slow down, or try again. Returns the id
        of the last message sent. When a later call of several fails, the error carries what is
        left to send, so a retry does not send the file or the first parts again."""
        bot = self.application.bot
        left: Reply | None = None  # set once part of the reply is out
        try:
            if reply.edit_message_id:
                keyboard = reply_markup(reply)
                await bot.edit_message_text(
                    reply.text,
                    chat_id=chat_id,
                    message_id=int(reply.edit_message_id),
                    parse_mode=ParseMode.HTML,
                    # Only inline keyboards can be edited in.
                    reply_markup=keyboard if isinstance(keyboard, InlineKeyboardMarkup) else None,
                    link_preview_options=NO_PREVIEW,
                )
                return reply.edit_message_id
            if reply.document is not None:
                captioned = await self.files.send(bot, chat_id, reply, reply_markup(reply))
                if captioned is not None:
                    return str(captioned.message_id)
                left = dataclasses.replace(reply, document=None)
                await self.outbox.extra_turn()  # the text is a second call
            parts = split_text(reply.text, MessageLimit.MAX_TEXT_LENGTH)
            sent = None
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                if i:
                    await self.outbox.extra_turn()
                message = await bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=reply_markup(reply) if last else None,
                )
                sent = str(message.message_id)
                if not last:
                    left = dataclasses.replace(
                        reply, document=None, text="\n\n".join(parts[i + 1 :])
                    )
            return sent
        except Forbidden as exc:
            raise Unreachable(str(exc)) from exc
        except BadRequest as exc:
            if "chat not found" in str(exc).lower() or "deactivated" in str(exc).lower():
                raise Unreachable(str(exc)) from exc
            raise
        except TgRetryAfter as exc:
            seconds = (
                exc.retry_after
                if isinstance(exc.retry_after, (int, float))
                else exc.retry_after.total_seconds()
            )
            raise _rest(RetryAfter(float(seconds)), left) from exc
        except (TimedOut, NetworkError) as exc:
            raise _rest(Transient(str(exc)), left) from exc

    async def accept_webhook(self, secret: str | None, body: bytes) -> int:
        """One webhook request from Telegram; returns the HTTP status to answer. 403 without
        the right secret; 503 while shutting down, so Telegram delivers it again later."""
        if not hmac.compare_digest((secret or "").encode(), self.webhook_secret.encode()):
            return 403
        if not self.accepting or not self.application.running:
            return 503
        try:
            update = Update.de_json(json.loads(body), self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("malformed webhook body: %s", exc)
            return 400
        if update is None:
            return 400
        await self.application.update_queue.put(update)
        return 200

    async def start(self, *, webhook_url: str | None = None) -> None:
        """Initialise, then receive updates: set the webhook, or long-poll getUpdates.
        Pending updates are never dropped."""
        self.webhook_url = webhook_url or self.webhook_url
        await self.application.initialize()
        username = self.application.bot.username
        self.app.config = dataclasses.replace(self.app.config, bot_username=username or "")
        await self._register_commands()
        await self.outbox.start()
        await self.application.start()
        if self.webhook_url:
            await self.application.bot.set_webhook(
                self.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            return
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            poll_interval=0.0,
            timeout=self.poll_timeout,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )

    async def stop_updates(self) -> None:
        """Take no more updates and finish the handlers under way (their replies still go)."""
        self.accepting = False
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()

    async def stop(self) -> None:
        await self.stop_updates()
        await self.outbox.stop()
        await self.application.shutdown()


def _rest(error: Retry, left: Reply | None) -> Retry:
    error.remaining = left
    return error
