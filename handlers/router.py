"""The one ordered routing table: commands, button payloads, active form, then free text.

Adapters call `route()`; they never choose handlers themselves.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from handlers import fallback, menu, my_data, preferences, qa, staff_questions, staff_roles
from handlers.types import Ctx, Handler, InboundEvent, Reply
from messages.i18n import t
from storage import audit


@dataclass(frozen=True)
class Route:
    name: str
    handler: Handler
    commands: tuple[str, ...] = ()
    payload: str | None = None  # button payload prefix, before the first ':'
    staff_only: bool = False
    menu_description: str | None = None  # message key: listed in the platform's command menu


ROUTES: tuple[Route, ...] = (
    Route("start", menu.greet_with_main_menu, ("start",), menu_description="cmd_start"),
    Route("menu", menu.show_main_menu, ("menu",), menu_description="cmd_menu"),
    Route("help", menu.show_help, ("trogiup", "help"), menu_description="cmd_trogiup"),
    Route("cancel", fallback.cancel_current_action, ("huy", "cancel"), menu_description="cmd_huy"),
    Route("ask", qa.answer_question_command, ("hoi",), menu_description="cmd_hoi"),
    Route("article", qa.show_article, ("dieu",), menu_description="cmd_dieu"),
    Route(
        "unsubscribe",
        preferences.stop_announcements,
        ("ngung", "stop"),
        menu_description="cmd_ngung",
    ),
    Route(
        "subscribe", preferences.resume_announcements, ("batdau",), menu_description="cmd_batdau"
    ),
    Route("my_data", my_data.show_my_data, ("toi",), menu_description="cmd_toi"),
    Route(
        "delete_data",
        my_data.ask_to_confirm_deletion,
        ("xoadulieu",),
        menu_description="cmd_xoadulieu",
    ),
    Route(
        "language",
        preferences.choose_language,
        ("ngonngu", "language"),
        menu_description="cmd_ngonngu",
    ),
    Route("grant_staff", staff_roles.grant_staff_role, ("capquyen",), staff_only=True),
    Route("revoke_staff", staff_roles.revoke_staff_role, ("thuhoiquyen",), staff_only=True),
    Route("open_questions", staff_questions.list_open_questions, ("cauhoimoi",), staff_only=True),
    Route("answer_question", staff_questions.answer_open_question, ("traloi",), staff_only=True),
    # Button payloads.
    Route("menu_main", menu.show_main_menu, payload="menu:main"),
    Route("menu_qa", menu.invite_question, payload="menu:qa"),
    Route("menu_help", menu.show_help, payload="menu:help"),
    Route("menu_staff", menu.show_staff_menu, payload="menu:staff", staff_only=True),
    Route("menu_pending", menu.announce_coming_soon, payload="menu"),
    Route("confirm_delete", my_data.delete_my_data_if_confirmed, payload="del"),
    Route("language_pick", preferences.choose_language, payload="lang"),
    Route("qa_entry", qa.show_entry_by_button, payload="qa"),
    Route("qa_send", qa.send_question_to_staff, payload="ask"),
    Route("faq_save", staff_questions.publish_answer_as_faq, payload="faq", staff_only=True),
)

FREE_TEXT = Route("question", qa.answer_free_text)
_BY_COMMAND = {cmd: r for r in ROUTES for cmd in r.commands}
_PAYLOAD_ROUTES = sorted((r for r in ROUTES if r.payload), key=lambda r: -len(r.payload or ""))


def _fold(text: str) -> str:
    """Lowercase without diacritics, so '/Ngừng' finds /ngung."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_command(text: str) -> tuple[str, list[str]] | None:
    """'/dieu@htxbot 42' → ('dieu', ['42']); None when the text is not a command."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, *args = text[1:].split()
    return _fold(head.split("@", 1)[0]), args


def find_route(event: InboundEvent, ctx: Ctx) -> tuple[Route, list[str]]:
    """Which route handles this event, and the arguments to give it."""
    text = (event.text or "").strip()
    if event.unsupported:
        return Route("unsupported", fallback.explain_unsupported_content), []
    if event.payload is not None:
        for r in _PAYLOAD_ROUTES:
            prefix = r.payload or ""
            if event.payload == prefix or event.payload.startswith(prefix + ":"):
                rest = event.payload[len(prefix) + 1 :]
                return r, rest.split(":") if rest else []
        return Route("stale_button", menu.show_main_menu), []
    if len(text) > ctx.config.max_text_length:
        return Route("too_long", fallback.ask_for_shorter_text), []
    command = parse_command(text)
    if command is not None:
        name, args = command
        found = _BY_COMMAND.get(name)
        if found is None:
            return Route("unknown_command", fallback.explain_unknown_command), ["/" + name]
        return found, args
    if not text:
        return Route("empty", fallback.show_menu_for_empty_message), []
    return FREE_TEXT, [text]


async def route(event: InboundEvent, *, ctx: Ctx) -> tuple[str, list[Reply]]:
    """Handle one event; returns the route name (for logs and metrics) and the replies."""
    found, args = find_route(event, ctx)
    if found.staff_only and not ctx.is_staff:
        await audit.record(
            ctx.session,
            actor=ctx.actor,
            action=found.name,
            allowed=False,
            detail=(event.text or event.payload or "")[:200],
        )
        return found.name + ":refused", [Reply(t("staff_only", ctx.lang))]
    return found.name, await found.handler(event, ctx=ctx, args=args)


def menu_commands(lang: str) -> list[tuple[str, str]]:
    """(command, description) pairs for the platform's command menu (setMyCommands)."""
    return [(r.commands[0], t(r.menu_description, lang)) for r in ROUTES if r.menu_description]
