"""How a feature says what it answers: commands, buttons, dialogs, deep links. Each feature
declares a FeatureRouter beside its handlers; handlers/router.py composes them, in order, into
one RoutingTable.

    ROUTER = FeatureRouter(
        "reminders",
        routes=(
            Route("my_reminders", list_my_reminders, ("nhacnho",), menu_description="cmd_nhacnho"),
            Route.press("reminder_delete", DeleteReminder, delete_reminder),
        ),
    )

A router built with `staff_only=True` is for staff alone, all of it: its commands, its buttons,
its prefix commands and its dialogs (someone whose staff role is revoked cannot continue one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from handlers.forms import Form
from handlers.payloads import Payload
from handlers.types import Ctx, Handler, InboundEvent, Reply

P = TypeVar("P", bound=Payload)
P_contra = TypeVar("P_contra", bound=Payload, contravariant=True)


class PressHandler(Protocol[P_contra]):
    """A button's handler: the payload, parsed, and the update's dependencies."""

    def __call__(self, button: P_contra, /, *, ctx: Ctx) -> Awaitable[list[Reply]]: ...


@dataclass(frozen=True)
class Route:
    """One way in: commands typed ('/lophoc'), or one kind of button pressed."""

    name: str  # for logs, metrics and the audit of refused staff actions
    handler: Handler
    commands: tuple[str, ...] = ()
    button: type[Payload] | None = None
    menu_description: str | None = None  # message key: listed in the platform's command menu
    # Answered without touching a dialog in progress: the reply then says the dialog is still
    # open, since what is typed next answers it (a question after /lophoc was read as a phone).
    beside_dialog: bool = False
    # The first argument is a number, also read glued on ('/dieu17'); not for every command:
    # '/ngung2' must not quietly unsubscribe.
    takes_a_number: bool = False

    @classmethod
    def press(cls, name: str, kind: type[P], handler: PressHandler[P]) -> Route:
        """The route of one kind of button; its handler gets the payload parsed."""

        async def pressed(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
            button = kind.parse(event.payload)
            if button is None:  # the router sends here only what this kind parses
                raise ValueError(f"{name}: {event.payload!r} is not a {kind.__name__}")
            return await handler(button, ctx=ctx)

        return cls(name, pressed, button=kind)


@dataclass(frozen=True)
class DeepLink:
    """`/start <prefix><rest>` (a link or QR code on a poster) opens one thing directly."""

    prefix: str  # 'lop_'
    open: Callable[[Ctx, str], Awaitable[list[Reply]]]  # given what follows the prefix


@dataclass(frozen=True)
class PrefixCommand:
    """'/dangky_42': a command with its argument glued on (Telegram makes these tappable in a
    list); '/dangky42' is read the same."""

    prefix: str  # 'dangky_'
    route: Route


@dataclass(frozen=True)
class TextClaim:
    """Plain text a feature recognises before it is read as a question ('nhắc tôi 7h mai họp'):
    `read` gives the route's arguments, or None when the text is not for it."""

    route: Route
    read: Callable[[str, Ctx], list[str] | None]


@dataclass(frozen=True)
class FeatureRouter:
    """Everything one feature answers, declared beside its handlers."""

    name: str
    routes: tuple[Route, ...] = ()
    forms: tuple[Form, ...] = ()  # its dialogs: an open one takes what is not a command
    deep_links: tuple[DeepLink, ...] = ()
    prefix_commands: tuple[PrefixCommand, ...] = ()
    claims_text: tuple[TextClaim, ...] = ()
    free_text: Route | None = None  # what any other text is (one feature: questions)
    staff_only: bool = False


@dataclass(frozen=True)
class Entry:
    """A route as composed: whether only staff may take it comes from its router."""

    route: Route
    staff_only: bool = False


class RoutingTable:
    """The feature routers composed, in order, checked for clashes when built."""

    def __init__(self, features: Iterable[FeatureRouter]) -> None:
        self.features = tuple(features)
        self.commands: dict[str, Entry] = {}
        self.prefix_commands: dict[str, Entry] = {}
        self.forms: dict[str, tuple[Form, bool]] = {}  # name → the form, staff only
        self.deep_links: dict[str, DeepLink] = {}
        self.claims: list[tuple[TextClaim, bool]] = []
        self.menu: list[Route] = []  # the platform's command menu, in order
        buttons: dict[str, Entry] = {}
        names: set[str] = set()
        free_text: list[Entry] = []
        for feature in self.features:
            staff = feature.staff_only
            if staff and (feature.deep_links or feature.free_text or feature.claims_text):
                raise ValueError(f"{feature.name}: deep links and free text are for everyone")
            routes = [
                *feature.routes,
                *(p.route for p in feature.prefix_commands),
                *(c.route for c in feature.claims_text if c.route not in feature.routes),
                *([feature.free_text] if feature.free_text else []),
            ]
            for route in routes:
                _add(names, route.name, f"route {route.name!r}")
                if route.takes_a_number and not route.commands:
                    raise ValueError(f"{route.name}: takes a number but has no command")
                if route.menu_description:
                    if staff:
                        raise ValueError(f"{route.name}: the command menu is everyone's")
                    self.menu.append(route)
            for route in feature.routes:
                for command in route.commands:
                    _put(self.commands, command, Entry(route, staff), f"command /{command}")
                if route.button is not None:
                    _put(buttons, route.button.head, Entry(route, staff), route.button.head)
            for prefixed in feature.prefix_commands:
                entry = Entry(prefixed.route, staff)
                _put(self.prefix_commands, prefixed.prefix, entry, f"/{prefixed.prefix}…")
            for form in feature.forms:
                _put(self.forms, form.name, (form, staff), f"dialog {form.name!r}")
            for link in feature.deep_links:
                _put(self.deep_links, link.prefix, link, f"deep link {link.prefix!r}")
            self.claims += [(claim, staff) for claim in feature.claims_text]
            if feature.free_text is not None:
                free_text.append(Entry(feature.free_text, staff))
        if len(free_text) != 1:
            raise ValueError(f"one feature reads free text, not {len(free_text)}")
        self.free_text = free_text[0]
        # The most specific first: 'menu:main' before the 'menu' of menu items now gone.
        self.buttons = sorted(buttons.values(), key=lambda e: -len(_head(e.route)))
        staff_prefixes = {_prefix(e) for e in self.buttons if e.staff_only}
        # A button of a staff-only prefix is staff-only even when it is stale or malformed.
        self.staff_prefixes = staff_prefixes - {
            _prefix(e) for e in self.buttons if not e.staff_only
        }
        self.takes_a_number = frozenset(
            c for c, e in self.commands.items() if e.route.takes_a_number
        )

    def button(self, payload: str) -> Entry | None:
        """The route of a pressed button; None if no kind of button parses its payload."""
        for entry in self.buttons:
            kind = entry.route.button
            if kind is not None and kind.parse(payload) is not None:
                return entry
        return None


def _head(route: Route) -> str:
    return route.button.head if route.button is not None else ""


def _prefix(entry: Entry) -> str:
    return entry.route.button.prefix if entry.route.button is not None else ""


def _add(seen: set[str], key: str, what: str) -> None:
    if key in seen:
        raise ValueError(f"{what} is declared twice")
    seen.add(key)


def _put(table: dict[str, Any], key: str, value: Any, what: str) -> None:
    if key in table:
        raise ValueError(f"{what} is declared twice")
    table[key] = value
