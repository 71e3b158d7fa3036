"""Welcome, main menu, staff menu and help."""

from __future__ import annotations

from handlers.forms import FormCancel, FormResume
from handlers.main_menu import (
    MenuHelp,
    MenuMain,
    MenuOther,
    MenuQuestion,
    MenuStaff,
    menu_button,
    menu_reply,
)
from handlers.routing import FeatureRouter, Route
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import label, t


def unfinished_dialog_note(ctx: Ctx, key: str = "form_open_note") -> list[Reply]:
    """Said with the menu while a dialog is half-done: what is typed next still answers it,
    which would puzzle someone who thinks /start began afresh."""
    if ctx.form is None:
        return []
    buttons = (
        (
            FormResume().button(label("btn_resume", ctx.lang)),
            FormCancel().button(label("btn_cancel", ctx.lang)),
        ),
    )
    return [Reply(t(key, ctx.lang), buttons=buttons)]


async def greet_with_main_menu(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/start: a short welcome and the main menu."""
    name = ctx.user.display_name or event.display_name or ""
    return [menu_reply(ctx, "welcome", name=name), *unfinished_dialog_note(ctx)]


async def show_main_menu(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/menu or the menu button: the main menu again."""
    replies = [menu_reply(ctx)]
    if ctx.is_staff:
        replies.append(Reply(t("staff_menu", ctx.lang)))
    return [*replies, *unfinished_dialog_note(ctx)]


async def show_menu_for_an_old_button(
    event: InboundEvent, *, ctx: Ctx, args: list[str]
) -> list[Reply]:
    """A button of a dialog already finished or cancelled: says so, with the main menu."""
    replies = [menu_reply(ctx, "old_button")]
    if ctx.is_staff:
        replies.append(Reply(t("staff_menu", ctx.lang)))
    return replies


async def show_help(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/trogiup: how to use the bot, with the menu."""
    return [menu_reply(ctx, "help")]


async def show_staff_menu(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """Staff menu button: the staff commands."""
    return [
        Reply(
            t("staff_menu", ctx.lang),
            buttons=((menu_button(ctx.lang),),),
        )
    ]


async def invite_question(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """Q&A button: tell the user they can simply type a question."""
    # Mid-dialog, a question typed now would be taken as the dialog's answer (a name, say).
    return unfinished_dialog_note(ctx, "qa_prompt_form_open") or [Reply(t("qa_prompt", ctx.lang))]


ROUTER = FeatureRouter(
    "menu",
    routes=(
        Route("start", greet_with_main_menu, ("start",), menu_description="cmd_start"),
        Route("menu", show_main_menu, ("menu",), menu_description="cmd_menu"),
        Route(
            "help",
            show_help,
            ("trogiup", "help"),
            menu_description="cmd_trogiup",
            beside_dialog=True,
        ),
        Route("menu_main", show_main_menu, button=MenuMain),
        Route("menu_qa", invite_question, button=MenuQuestion),
        Route("menu_help", show_help, button=MenuHelp),
        Route("menu_stale", show_main_menu, button=MenuOther),
    ),
)
STAFF_ROUTER = FeatureRouter(
    "staff_menu",
    routes=(Route("menu_staff", show_staff_menu, button=MenuStaff),),
    staff_only=True,
)
