"""Per-user preferences: announcements on/off and interface language."""

from __future__ import annotations

from handlers.broadcasts import compose_broadcast
from handlers.main_menu import menu_reply
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import LANGUAGE_NAMES, LANGUAGES, t


async def stop_announcements(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/ngung: stop receiving announcements."""
    ctx.user.subscribed = False
    return [Reply(t("unsubscribed", ctx.lang))]


async def resume_announcements(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/batdau: receive announcements again."""
    ctx.user.subscribed = True
    return [Reply(t("subscribed", ctx.lang))]


async def show_announcements(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """The announcements menu item: staff write one; others see whether they receive them."""
    if ctx.is_staff:
        return await compose_broadcast(event, ctx=ctx, args=args)
    return [Reply(t("subscribed" if ctx.user.subscribed else "unsubscribed", ctx.lang))]


async def choose_language(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/ngonngu (optionally `/ngonngu en`) or a language button: switch the UI language."""
    wanted = args[0].lower() if args else ""
    if wanted in LANGUAGES:
        ctx.user.language = wanted
        return [menu_reply(ctx, "language_set")]
    buttons = (
        (
            Button(f"🇻🇳 {LANGUAGE_NAMES['vi']}", "lang:vi"),
            Button(f"🇬🇧 {LANGUAGE_NAMES['en']}", "lang:en"),
        ),
    )
    return [Reply(t("choose_language", ctx.lang), buttons=buttons)]
