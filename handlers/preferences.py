"""Per-user preferences: announcements on/off and interface language."""

from __future__ import annotations

from handlers.broadcasts import compose_broadcast
from handlers.main_menu import MenuAnnouncements, menu_reply
from handlers.payloads import Payload, Tail
from handlers.routing import FeatureRouter, Route
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import LANGUAGE_NAMES, LANGUAGES, t


class PickLanguage(Payload, prefix="lang"):
    """A language button (none, or one this version lacks: the languages are offered)."""

    code: Tail | None = None


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
    """/ngonngu (optionally `/ngonngu en`): switch the UI language, or offer the languages."""
    return _switch_language(ctx, args[0] if args else "")


async def pick_language(button: PickLanguage, *, ctx: Ctx) -> list[Reply]:
    """A language button: switch the UI language."""
    return _switch_language(ctx, button.code or "")


def _switch_language(ctx: Ctx, wanted: str) -> list[Reply]:
    if wanted.lower() in LANGUAGES:
        ctx.user.language = wanted.lower()
        return [menu_reply(ctx, "language_set")]
    buttons = (
        (
            PickLanguage("vi").button(f"🇻🇳 {LANGUAGE_NAMES['vi']}"),
            PickLanguage("en").button(f"🇬🇧 {LANGUAGE_NAMES['en']}"),
        ),
    )
    return [Reply(t("choose_language", ctx.lang), buttons=buttons)]


ANNOUNCEMENTS = FeatureRouter(
    "announcements",
    routes=(
        Route(
            "unsubscribe",
            stop_announcements,
            ("ngung", "stop"),
            menu_description="cmd_ngung",
            beside_dialog=True,
        ),
        Route(
            "subscribe",
            resume_announcements,
            ("batdau",),
            menu_description="cmd_batdau",
            beside_dialog=True,
        ),
        Route("menu_announcements", show_announcements, button=MenuAnnouncements),
    ),
)
LANGUAGE = FeatureRouter(
    "language",
    routes=(
        Route(
            "language",
            choose_language,
            ("ngonngu", "language"),
            menu_description="cmd_ngonngu",
            beside_dialog=True,
        ),
        Route.press("language_pick", PickLanguage, pick_language),
    ),
)
