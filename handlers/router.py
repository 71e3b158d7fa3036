"""The one ordered routing table: an open dialog takes whatever is not a command; then button
payloads, commands, and free text as a question.

Adapters call `route()`; they never choose handlers themselves.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from handlers import (
    broadcasts,
    fallback,
    forms,
    legal_calendar,
    menu,
    my_data,
    preferences,
    qa,
    ratings,
    reminders,
    staff_questions,
    staff_roles,
)
from handlers.classes import farmer as cls_farmer
from handlers.classes import staff as cls_staff
from handlers.classes.create_form import CREATE_FORM
from handlers.classes.edit_form import EDIT_FORM
from handlers.ids import as_id
from handlers.registration import farmer as reg_farmer
from handlers.registration import staff as reg_staff
from handlers.registration import staff_reports as reg_reports
from handlers.registration.form import REGISTRATION
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
    # Answered without touching a dialog in progress: the reply then says the dialog is still
    # open, since what is typed next answers it (a question after /lophoc was read as a phone).
    beside_dialog: bool = False


ROUTES: tuple[Route, ...] = (
    Route("broadcast", broadcasts.compose_broadcast, ("thongbao",), staff_only=True),
    Route(
        "broadcasts",
        broadcasts.list_broadcasts,
        ("dsthongbao",),
        staff_only=True,
        beside_dialog=True,
    ),
    Route("broadcast_cancel", broadcasts.cancel_announcement, ("huythongbao",), staff_only=True),
    Route("broadcast_button", broadcasts.cancel_announcement, payload="bc", staff_only=True),
    Route("menu_announcements", preferences.show_announcements, payload="menu:announcements"),
    Route("start", menu.greet_with_main_menu, ("start",), menu_description="cmd_start"),
    Route("menu", menu.show_main_menu, ("menu",), menu_description="cmd_menu"),
    Route(
        "help",
        menu.show_help,
        ("trogiup", "help"),
        menu_description="cmd_trogiup",
        beside_dialog=True,
    ),
    Route("cancel", fallback.cancel_current_action, ("huy", "cancel"), menu_description="cmd_huy"),
    Route(
        "ask", qa.answer_question_command, ("hoi",), menu_description="cmd_hoi", beside_dialog=True
    ),
    Route("article", qa.show_article, ("dieu",), menu_description="cmd_dieu", beside_dialog=True),
    Route(
        "unsubscribe",
        preferences.stop_announcements,
        ("ngung", "stop"),
        menu_description="cmd_ngung",
        beside_dialog=True,
    ),
    Route(
        "subscribe",
        preferences.resume_announcements,
        ("batdau",),
        menu_description="cmd_batdau",
        beside_dialog=True,
    ),
    Route(
        "my_data", my_data.show_my_data, ("toi",), menu_description="cmd_toi", beside_dialog=True
    ),
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
        beside_dialog=True,
    ),
    Route("register", reg_farmer.start_registration, ("dangky",), menu_description="cmd_dangky"),
    Route(
        "my_registrations",
        reg_farmer.list_my_registrations,
        ("dangkycuatoi",),
        menu_description="cmd_dangkycuatoi",
        beside_dialog=True,
    ),
    Route(
        "classes",
        cls_farmer.list_upcoming_classes,
        ("lophoc",),
        menu_description="cmd_lophoc",
        beside_dialog=True,
    ),
    Route(
        "my_classes",
        cls_farmer.list_my_classes,
        ("lopcuatoi",),
        menu_description="cmd_lopcuatoi",
        beside_dialog=True,
    ),
    Route(
        "remind_me",
        reminders.remind_me,
        ("nhactoi",),
        menu_description="cmd_nhactoi",
        beside_dialog=True,
    ),
    Route(
        "my_reminders",
        reminders.list_my_reminders,
        ("nhacnho",),
        menu_description="cmd_nhacnho",
        beside_dialog=True,
    ),
    Route(
        "legal_calendar",
        legal_calendar.start_legal_calendar,
        ("lichhtx",),
        menu_description="cmd_lichhtx",
    ),
    Route("create_class", cls_staff.create_class_dialog, ("taolop",), staff_only=True),
    Route("class_roster", cls_staff.show_roster, ("dslop",), staff_only=True, beside_dialog=True),
    Route("class_qr", cls_staff.send_qr, ("qr",), staff_only=True, beside_dialog=True),
    Route(
        "list_registrations",
        reg_staff.list_registrations,
        ("dsdangky",),
        staff_only=True,
        beside_dialog=True,
    ),
    Route(
        "registration_report",
        reg_reports.show_registration_report,
        ("baocao",),
        staff_only=True,
        beside_dialog=True,
    ),
    Route("registration_export", reg_reports.send_registrations_file, ("xuat",), staff_only=True),
    Route("grant_staff", staff_roles.grant_staff_role, ("capquyen",), staff_only=True),
    Route("revoke_staff", staff_roles.revoke_staff_role, ("thuhoiquyen",), staff_only=True),
    Route(
        "open_questions",
        staff_questions.list_open_questions,
        ("cauhoimoi",),
        staff_only=True,
        beside_dialog=True,
    ),
    Route("answer_question", staff_questions.answer_open_question, ("traloi",), staff_only=True),
    # Button payloads.
    Route("menu_main", menu.show_main_menu, payload="menu:main"),
    Route("menu_qa", menu.invite_question, payload="menu:qa"),
    Route("menu_help", menu.show_help, payload="menu:help"),
    Route("menu_staff", menu.show_staff_menu, payload="menu:staff", staff_only=True),
    Route("menu_register", reg_farmer.start_registration, payload="menu:register"),
    Route("menu_classes", cls_farmer.list_upcoming_classes, payload="menu:classes"),
    Route("menu_reminders", reminders.list_my_reminders, payload="menu:reminders"),
    Route("reminder", reminders.act_on_reminder, payload="rem"),
    Route("class", cls_farmer.act_on_class, payload="cls"),
    Route("class_staff", cls_staff.act_on_class_as_staff, payload="clss", staff_only=True),
    Route("menu_stale", menu.show_main_menu, payload="menu"),
    Route("registration_own", reg_farmer.act_on_my_registration, payload="reg"),
    Route("registration_staff", reg_staff.act_on_registration, payload="regs", staff_only=True),
    Route("confirm_delete", my_data.delete_my_data_if_confirmed, payload="del"),
    Route("language_pick", preferences.choose_language, payload="lang"),
    Route("qa_entry", qa.show_entry_by_button, payload="qa"),
    Route("qa_send", qa.send_question_to_staff, payload="ask"),
    Route("qa_rate", ratings.rate_answer, payload="rate"),
    Route("faq_save", staff_questions.act_on_answer, payload="faq", staff_only=True),
)

FREE_TEXT = Route("question", qa.answer_free_text)
# `/dangky_42` opens registration 42 (Telegram makes such commands tappable in a list).
PREFIX_COMMANDS = {
    "dangky_": Route("open_registration", reg_staff.open_registration, staff_only=True)
}
FORMS = {
    f.name: f
    for f in (
        REGISTRATION,
        reg_farmer.NOTE_FORM,
        reg_staff.STATUS_FORM,
        cls_farmer.ENROL_FORM,
        CREATE_FORM,
        EDIT_FORM,
        legal_calendar.LEGAL_FORM,
        broadcasts.BROADCAST_FORM,
        staff_questions.FAQ_TITLE_FORM,
    )
}
STAFF_FORMS = {
    reg_staff.STATUS_FORM.name,
    CREATE_FORM.name,
    EDIT_FORM.name,
    broadcasts.BROADCAST_FORM.name,
    staff_questions.FAQ_TITLE_FORM.name,
}
# `/start lop_12` (a class's deep link or QR code) opens that class.
DEEP_LINKS = {"lop_": lambda ctx, rest: cls_farmer.show_class(ctx, as_id(rest) or 0)}


async def continue_form(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """Anything typed or pressed while a dialog is open answers its current question."""
    assert ctx.form is not None
    form = FORMS[ctx.form.form]
    takes_files = event.attachment is not None and form.step(ctx.form.step).files
    if event.unsupported and not takes_files:
        return [
            Reply(t("form_text_please", ctx.lang)),
            *await forms.ask(form, ctx.form.step, ctx, ctx.form.data),
        ]
    return await forms.advance(form, ctx.form, event, ctx)


_BY_COMMAND = {cmd: r for r in ROUTES for cmd in r.commands}
_GLUED_NUMBER = re.compile(r"([a-z]+)(\d+)")
# Commands whose first argument is a number; only these are read with it glued on ('/ngung2'
# must not quietly unsubscribe).
TAKES_A_NUMBER = frozenset({"dieu", "baocao", "huythongbao", "dslop", "qr", "traloi"})
_PAYLOAD_ROUTES = sorted((r for r in ROUTES if r.payload), key=lambda r: -len(r.payload or ""))


def _fold(text: str) -> str:
    """Lowercase without diacritics, so '/Ngừng' finds /ngung."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


async def open_deep_link(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """A `/start <thing>` link from a poster or a message: straight to that thing."""
    for prefix, opener in DEEP_LINKS.items():
        if args and args[0].startswith(prefix):
            return await opener(ctx, args[0][len(prefix) :])
    return await menu.greet_with_main_menu(event, ctx=ctx, args=[])


def parse_command(text: str) -> tuple[str, list[str]] | None:
    """'/dieu@htxbot 42' → ('dieu', ['42']); None when the text is not a command."""
    parts = text[1:].split() if text.startswith("/") else []
    if not parts:
        return None
    head, *args = parts
    return _fold(head.split("@", 1)[0]), args


def find_route(event: InboundEvent, ctx: Ctx) -> tuple[Route, list[str]]:
    """Which route handles this event, and the arguments to give it."""
    text = (event.text or "").strip()
    command = parse_command(text) if event.payload is None else None
    in_form = ctx.form is not None and ctx.form.form in FORMS
    if in_form and command is None and (event.payload is None or event.payload.startswith("f:")):
        staff_form = ctx.form is not None and ctx.form.form in STAFF_FORMS
        return Route("form", continue_form, staff_only=staff_form), []
    if event.unsupported or event.contact_phone:
        return Route("unsupported", fallback.explain_unsupported_content), []
    if event.payload is not None:
        for r in _PAYLOAD_ROUTES:
            prefix = r.payload or ""
            if event.payload == prefix or event.payload.startswith(prefix + ":"):
                rest = event.payload[len(prefix) + 1 :]
                return r, rest.split(":") if rest else []
        return Route("stale_button", menu.show_menu_for_an_old_button), []
    if len(text) > ctx.config.max_text_length:
        return Route("too_long", fallback.ask_for_shorter_text), []
    if command is not None:
        name, args = command
        for prefix, prefixed in PREFIX_COMMANDS.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                return prefixed, [name[len(prefix) :], *args]
        found = _BY_COMMAND.get(name)
        glued = _GLUED_NUMBER.fullmatch(name)
        if found is None and glued:  # a forgotten space or underscore: '/dieu17', '/dangky5'
            base, number = glued.groups()
            if base + "_" in PREFIX_COMMANDS:
                return PREFIX_COMMANDS[base + "_"], [number, *args]
            if base in TAKES_A_NUMBER:
                name, args, found = base, [number, *args], _BY_COMMAND[base]
        if name == "start" and args:
            for prefix in DEEP_LINKS:
                if args[0].lower().startswith(prefix):  # also one cut short: it says so
                    return Route("deep_link", open_deep_link), [args[0].lower()]
        if found is None:
            return Route("unknown_command", fallback.explain_unknown_command), ["/" + name]
        return found, args
    if not text:
        return Route("empty", fallback.show_menu_for_empty_message), []
    if (asked := reminders.reminder_request(text, ctx.now, ctx.config.timezone)) is not None:
        return _BY_COMMAND["nhactoi"], asked.split()
    return FREE_TEXT, [text]


async def route(event: InboundEvent, *, ctx: Ctx) -> tuple[str, list[Reply]]:
    """Handle one event; returns the route name (for logs and metrics) and the replies."""
    if ctx.form is not None and (
        ctx.form.form not in FORMS
        or not FORMS[ctx.form.form].has_step(ctx.form.step)
        or (ctx.form.form in STAFF_FORMS and not ctx.is_staff)
    ):
        # A dialog or step this version does not have (gone, or saved by a newer process
        # during a rolling deploy), or a staff dialog its owner may no longer use: nothing here
        # can continue it, so what they type is read as if no dialog were open. The row stays
        # for a process that knows it.
        ctx.form = None
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
    replies = await found.handler(event, ctx=ctx, args=args)
    if ctx.form is not None and found.beside_dialog:
        replies = [*replies, *menu.unfinished_dialog_note(ctx)]
    return found.name, replies


def menu_commands(lang: str) -> list[tuple[str, str]]:
    """(command, description) pairs for the platform's command menu (setMyCommands)."""
    return [(r.commands[0], t(r.menu_description, lang)) for r in ROUTES if r.menu_description]
