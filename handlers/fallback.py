"""Friendly answers to what the bot cannot use: media, unknown commands, empty or long text."""

from __future__ import annotations

from handlers.main_menu import menu_reply
from handlers.routing import FeatureRouter, Route
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import t
from storage.forms import clear_form

_MEDIA_VI = {
    "sticker": "nhãn dán (sticker)",
    "photo": "ảnh",
    "voice": "tin nhắn thoại",
    "audio": "tệp âm thanh",
    "video": "video",
    "document": "tệp đính kèm",
    "location": "vị trí",
}


async def explain_unsupported_content(
    event: InboundEvent, *, ctx: Ctx, args: list[str]
) -> list[Reply]:
    """A sticker, photo, voice note…: say kindly we read text only, show the menu."""
    kind = event.unsupported or ""
    what = _MEDIA_VI.get(kind) if ctx.lang == "vi" else kind or None
    return [
        menu_reply(ctx, "unsupported_content", what=what or t("unsupported_generic", ctx.lang))
    ]


async def explain_unknown_command(
    event: InboundEvent, *, ctx: Ctx, args: list[str]
) -> list[Reply]:
    """A command the bot does not know: point to /trogiup and show the menu."""
    return [menu_reply(ctx, "unknown_command", command=args[0] if args else "")]


async def ask_for_shorter_text(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """Text over the length limit: ask for a shorter message; nothing is stored."""
    length = len(event.text or "")
    return [Reply(t("text_too_long", ctx.lang, length=length, limit=ctx.config.max_text_length))]


async def show_menu_for_empty_message(
    event: InboundEvent, *, ctx: Ctx, args: list[str]
) -> list[Reply]:
    """Whitespace or nothing: show the menu."""
    return [menu_reply(ctx, "empty_message")]


async def cancel_current_action(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/huy: leave whatever form is in progress."""
    had_form = await clear_form(ctx.session, ctx.user.id)
    return [menu_reply(ctx, "cancelled" if had_form else "nothing_to_cancel")]


ROUTER = FeatureRouter(
    "fallback",
    routes=(
        Route("cancel", cancel_current_action, ("huy", "cancel"), menu_description="cmd_huy"),
    ),
)
