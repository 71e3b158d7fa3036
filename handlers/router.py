"""The features' routers composed in one ordered list, and the routing of one event: an open
dialog takes whatever is not a command; then button payloads, commands, and free text as a
question.

Each feature declares its routes beside its handlers (handlers/routing.py says how); the order
below is the order of the platform's command menu. Adapters call `route()`; they never choose
handlers themselves.
"""

from __future__ import annotations

import re
import unicodedata

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
from handlers.registration import farmer as reg_farmer
from handlers.registration import staff as reg_staff
from handlers.registration import staff_reports as reg_reports
from handlers.routing import Entry, FeatureRouter, Route, RoutingTable
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import t
from storage import audit

FEATURES: tuple[FeatureRouter, ...] = (
    menu.ROUTER,
    fallback.ROUTER,
    qa.ROUTER,
    ratings.ROUTER,
    preferences.ANNOUNCEMENTS,
    my_data.ROUTER,
    preferences.LANGUAGE,
    reg_farmer.ROUTER,
    cls_farmer.ROUTER,
    reminders.ROUTER,
    legal_calendar.ROUTER,
    # Staff only, each as a whole.
    menu.STAFF_ROUTER,
    broadcasts.STAFF_ROUTER,
    cls_staff.STAFF_ROUTER,
    reg_staff.STAFF_ROUTER,
    reg_reports.STAFF_ROUTER,
    staff_roles.STAFF_ROUTER,
    staff_questions.STAFF_ROUTER,
)
TABLE = RoutingTable(FEATURES)

_GLUED_NUMBER = re.compile(r"([a-z]+)(\d+)")


async def continue_form(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """Anything typed or pressed while a dialog is open answers its current question."""
    assert ctx.form is not None
    form, _ = TABLE.forms[ctx.form.form]
    takes_files = event.attachment is not None and form.step(ctx.form.step).files
    if event.unsupported and not takes_files:
        return [
            Reply(t("form_text_please", ctx.lang)),
            *await forms.ask(form, ctx.form.step, ctx, ctx.form.data),
        ]
    return await forms.advance(form, ctx.form, event, ctx)


async def open_deep_link(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """A `/start <thing>` link from a poster or a message: straight to that thing."""
    for prefix, link in TABLE.deep_links.items():
        if args and args[0].startswith(prefix):
            return await link.open(ctx, args[0][len(prefix) :])
    return await menu.greet_with_main_menu(event, ctx=ctx, args=[])


# What the router answers itself, whatever the features.
DEEP_LINK = Entry(Route("deep_link", open_deep_link))
UNSUPPORTED = Entry(Route("unsupported", fallback.explain_unsupported_content))
STALE_BUTTON = Route("stale_button", menu.show_menu_for_an_old_button)
TOO_LONG = Entry(Route("too_long", fallback.ask_for_shorter_text))
UNKNOWN_COMMAND = Entry(Route("unknown_command", fallback.explain_unknown_command))
EMPTY = Entry(Route("empty", fallback.show_menu_for_empty_message))


def _fold(text: str) -> str:
    """Lowercase without diacritics, so '/Ngừng' finds /ngung."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_command(text: str) -> tuple[str, list[str]] | None:
    """'/dieu@htxbot 42' → ('dieu', ['42']); None when the text is not a command."""
    parts = text[1:].split() if text.startswith("/") else []
    if not parts:
        return None
    head, *args = parts
    return _fold(head.split("@", 1)[0]), args


def find_route(event: InboundEvent, ctx: Ctx) -> tuple[Entry, list[str]]:
    """Which route handles this event, and the arguments to give it."""
    text = (event.text or "").strip()
    command = parse_command(text) if event.payload is None else None
    in_form = ctx.form is not None and ctx.form.form in TABLE.forms
    if (
        in_form
        and command is None
        and (event.payload is None or event.payload.startswith(forms.PREFIX + ":"))
    ):
        assert ctx.form is not None
        _, staff_form = TABLE.forms[ctx.form.form]
        return Entry(Route("form", continue_form), staff_only=staff_form), []
    if event.unsupported or event.contact_phone:
        return UNSUPPORTED, []
    if event.payload is not None:
        pressed = TABLE.button(event.payload)
        if pressed is not None:
            return pressed, []
        # Gone, or malformed: the stale button of a staff-only prefix stays staff-only.
        staff = event.payload.split(":", 1)[0] in TABLE.staff_prefixes
        return Entry(STALE_BUTTON, staff_only=staff), []
    if len(text) > ctx.config.max_text_length:
        return TOO_LONG, []
    if command is not None:
        return _command_route(*command)
    if not text:
        return EMPTY, []
    for claim, staff in TABLE.claims:
        if (claimed := claim.read(text, ctx)) is not None:
            return Entry(claim.route, staff), claimed
    return TABLE.free_text, [text]


def _command_route(name: str, args: list[str]) -> tuple[Entry, list[str]]:
    for prefix, prefixed in TABLE.prefix_commands.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return prefixed, [name[len(prefix) :], *args]
    found = TABLE.commands.get(name)
    glued = _GLUED_NUMBER.fullmatch(name)
    if found is None and glued:  # a forgotten space or underscore: '/dieu17', '/dangky5'
        base, number = glued.groups()
        if base + "_" in TABLE.prefix_commands:
            return TABLE.prefix_commands[base + "_"], [number, *args]
        if base in TABLE.takes_a_number:
            name, args, found = base, [number, *args], TABLE.commands[base]
    if name == "start" and args:
        for prefix in TABLE.deep_links:
            if args[0].lower().startswith(prefix):  # also one cut short: it says so
                return DEEP_LINK, [args[0].lower()]
    if found is None:
        return UNKNOWN_COMMAND, ["/" + name]
    return found, args


async def route(event: InboundEvent, *, ctx: Ctx) -> tuple[str, list[Reply]]:
    """Handle one event; returns the route name (for logs and metrics) and the replies."""
    if ctx.form is not None:
        known = TABLE.forms.get(ctx.form.form)
        if (
            known is None
            or not known[0].has_step(ctx.form.step)
            or (known[1] and not ctx.is_staff)
        ):
            # A dialog or step this version does not have (gone, or saved by a newer process
            # during a rolling deploy), or a staff dialog its owner may no longer use: nothing
            # here can continue it, so what they type is read as if no dialog were open. The
            # row stays for a process that knows it.
            ctx.form = None
    found, args = find_route(event, ctx)
    if found.staff_only and not ctx.is_staff:
        await audit.record(
            ctx.session,
            actor=ctx.actor,
            action=found.route.name,
            allowed=False,
            detail=(event.text or event.payload or "")[:200],
        )
        return found.route.name + ":refused", [Reply(t("staff_only", ctx.lang))]
    replies = await found.route.handler(event, ctx=ctx, args=args)
    if ctx.form is not None and found.route.beside_dialog:
        replies = [*replies, *menu.unfinished_dialog_note(ctx)]
    return found.route.name, replies


def menu_commands(lang: str) -> list[tuple[str, str]]:
    """(command, description) pairs for the platform's command menu (setMyCommands)."""
    return [(r.commands[0], t(r.menu_description or "", lang)) for r in TABLE.menu]
