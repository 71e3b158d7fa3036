"""Channel-neutral types: what comes in, what goes out, and what a handler may use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FormState, User

if TYPE_CHECKING:
    from messages.search import QAIndex


@dataclass(frozen=True)
class Attachment:
    """A file to send or that was received: its bytes, or the platform's id for it (a
    Telegram file_id can be sent again without uploading), or both."""

    filename: str
    data: bytes = b""
    mime: str = "application/octet-stream"
    kind: str = "document"  # or "photo"
    file_id: str = ""


@dataclass(frozen=True)
class InboundEvent:
    """One thing a user did: typed text, pressed a button, shared a contact, or sent media."""

    channel: str
    user_id: str
    chat_id: str
    text: str | None = None
    payload: str | None = None
    # Several numbered choices typed at once ("1,3") on a channel that numbers its buttons: their
    # payloads, resolved by the channel from the numbers on the person's screen.
    picks: tuple[str, ...] = ()
    contact_phone: str | None = None
    unsupported: str | None = None  # e.g. "sticker", "photo": content we cannot read
    # A photo or file the person sent, by reference (only forms that ask for one read it).
    attachment: Attachment | None = None
    display_name: str = ""
    username: str | None = None
    language_code: str | None = None

    @property
    def user_ref(self) -> str:
        return f"{self.channel}:{self.user_id}"


@dataclass(frozen=True)
class Button:
    """A choice. `payload` comes back as InboundEvent.payload; `url` opens a link instead."""

    label: str
    payload: str = ""
    url: str | None = None


@dataclass(frozen=True)
class Reply:
    """A message to send. `text` is neutral markup (see messages.i18n), already escaped."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    request_contact: bool = False
    document: Attachment | None = None
    # None: the chat the event came from. Otherwise another chat, on `channel` if given.
    chat_id: str | None = None
    channel: str | None = None
    # Edit this earlier message (e.g. a broadcast's progress) instead of sending a new one.
    edit_message_id: str | None = None


@dataclass(frozen=True)
class HandlerConfig:
    """The part of the settings that handlers need (handlers never import bot.settings)."""

    admins: frozenset[str] = frozenset()
    staff_chat_ids: tuple[str, ...] = ()
    timezone: str = "Asia/Ho_Chi_Minh"
    max_text_length: int = 1000
    class_reminders: tuple[str, ...] = ("1d@08:00", "2h")  # before each class, see settings
    quiet_hours: tuple[time, time] = (time(21, 0), time(6, 30))  # local; HTXBOT_QUIET_HOURS
    bot_username: str = ""  # for deep links; learnt from Telegram's getMe at start
    # Yearly targets per locality: province code (or "all") → {registration kind: number}.
    targets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass
class Ctx:
    """Dependencies of one update: one session, the user, the clock and shared services."""

    session: AsyncSession
    user: User
    config: HandlerConfig
    now: datetime
    qa: QAIndex | None = None
    form: FormState | None = None  # the dialog in progress, if any
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.user.language or "vi"

    @property
    def actor(self) -> str:
        return f"{self.user.channel}:{self.user.external_id}"

    @property
    def is_staff(self) -> bool:
        return self.actor in self.config.admins or "staff" in self.user.role_set


class Handler(Protocol):
    """Every handler: the event, the update's dependencies, and the command's arguments."""

    async def __call__(self, event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]: ...
