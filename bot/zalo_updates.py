"""Zalo updates → neutral events. An update is {"event_name": "message.text.received",
"message": {"message_id", "from": {"id", "display_name"}, "chat": {"id", "chat_type"}, "date",
"text"}}; getUpdates wraps it in {"ok": true, "result": …}, and a webhook body may be either."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

from handlers.types import InboundEvent

CHANNEL = "zalo"
TEXT_EVENT = "message.text.received"
# message.<kind>.received → what the bot tells the person it cannot read.
_UNSUPPORTED = {
    "image": "photo",
    "sticker": "sticker",
    "voice": "voice",
    "audio": "audio",
    "video": "video",
    "file": "document",
    "document": "document",
    "location": "location",
    "link": "other",
    "unsupported": "other",
}


class MalformedUpdate(ValueError):
    """Not an update Zalo would send: a webhook answers 400."""


def _ref(value: object) -> str:
    return str(value) if isinstance(value, (str, int)) and str(value) else ""


def parse_update(raw: object) -> dict[str, Any]:
    """The update inside a webhook body or a getUpdates result, checked for the fields the
    bot needs (event name, sender id, chat id); raises MalformedUpdate otherwise."""
    if isinstance(raw, dict) and raw.get("ok") is True and isinstance(raw.get("result"), dict):
        raw = raw["result"]
    if not isinstance(raw, dict) or not isinstance(raw.get("event_name"), str):
        raise MalformedUpdate("no event_name")
    message = raw.get("message")
    if raw["event_name"].startswith("message."):
        if not isinstance(message, dict):
            raise MalformedUpdate("no message")
        sender, chat = message.get("from"), message.get("chat")
        if not isinstance(sender, dict) or not _ref(sender.get("id")):
            raise MalformedUpdate("no message.from.id")
        if not isinstance(chat, dict) or not _ref(chat.get("id")):
            raise MalformedUpdate("no message.chat.id")
    return raw


def event_from_update(update: dict[str, Any]) -> InboundEvent | None:
    """A neutral event, or None for what the bot ignores (other bots, non-message events)."""
    name = str(update.get("event_name", ""))
    message = update.get("message")
    if not name.startswith("message.") or not isinstance(message, dict):
        return None
    sender, chat = message.get("from") or {}, message.get("chat") or {}
    if sender.get("is_bot"):
        return None
    display = sender.get("display_name") or sender.get("name") or sender.get("first_name") or ""
    base = InboundEvent(
        channel=CHANNEL,
        user_id=_ref(sender.get("id")),
        chat_id=_ref(chat.get("id")),
        display_name=str(display),
    )
    text = message.get("text")
    if name == TEXT_EVENT and isinstance(text, str):
        return replace(base, text=text)
    kind = name.removeprefix("message.").removesuffix(".received")
    return replace(base, unsupported=_UNSUPPORTED.get(kind, "other"))


def update_key(update: dict[str, Any]) -> str | None:
    """Identifies one delivery of one message, to drop a repeated delivery."""
    message = update.get("message")
    message_id = message.get("message_id") if isinstance(message, dict) else None
    return f"{update.get('event_name')}:{message_id}" if message_id else None


class RecentKeys:
    """The last `size` update keys seen: a webhook retry or a repeated poll answer is handled
    once (in this process; the reply to a repeat after a restart may go out twice)."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def seen(self, key: str | None) -> bool:
        """True when `key` was seen already; remembers it otherwise."""
        if key is None:
            return False
        if key in self._keys:
            self._keys.move_to_end(key)
            return True
        self._keys[key] = None
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return False
