"""The main menu: its buttons, and the reply that shows them. Every dialog and answer leads back
here, so it sits below the features (and the form engine) that show it."""

from __future__ import annotations

from handlers.payloads import Payload, Tail
from handlers.types import Button, Ctx, Reply
from messages.i18n import label, t


class MenuMain(Payload, prefix="menu", verb="main"):
    pass


class MenuQuestion(Payload, prefix="menu", verb="qa"):
    pass


class MenuRegister(Payload, prefix="menu", verb="register"):
    pass


class MenuClasses(Payload, prefix="menu", verb="classes"):
    pass


class MenuReminders(Payload, prefix="menu", verb="reminders"):
    pass


class MenuAnnouncements(Payload, prefix="menu", verb="announcements"):
    pass


class MenuHelp(Payload, prefix="menu", verb="help"):
    pass


class MenuStaff(Payload, prefix="menu", verb="staff"):
    pass


class MenuOther(Payload, prefix="menu"):
    """A menu button this version no longer has: it opens the main menu."""

    item: Tail | None = None


def main_menu_buttons(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    lang = ctx.lang
    rows: list[tuple[Button, ...]] = [
        (MenuQuestion().button(label("btn_qa", lang)),),
        (MenuRegister().button(label("btn_register", lang)),),
        (
            MenuClasses().button(label("btn_classes", lang)),
            MenuReminders().button(label("btn_reminders", lang)),
        ),
        (
            MenuAnnouncements().button(label("btn_announcements", lang)),
            MenuHelp().button(label("btn_help", lang)),
        ),
    ]
    if ctx.is_staff:
        rows.append((MenuStaff().button(label("btn_staff", lang)),))
    return tuple(rows)


def menu_button(lang: str) -> Button:
    """«Menu»: back to the main menu."""
    return MenuMain().button(label("btn_menu", lang))


def menu_reply(ctx: Ctx, key: str = "main_menu", **params: object) -> Reply:
    return Reply(t(key, ctx.lang, **params), buttons=main_menu_buttons(ctx))
