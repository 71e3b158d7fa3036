"""The farmer's side: start the dialog, see my registrations, add a note, withdraw one."""

from __future__ import annotations

from handlers import forms
from handlers.forms import Data, Form, Parsed, Step
from handlers.main_menu import MenuMain, MenuRegister
from handlers.payloads import Payload, Tail
from handlers.registration.form import REGISTRATION
from handlers.routing import FeatureRouter, Route
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.timefmt import local_date
from storage.forms import clear_form
from storage.models import Registration
from storage.registrations import APPLICANT, OPEN_STATUSES, of_user, set_status

MAX_NOTE = 500


class AddNote(Payload, prefix="reg", verb="note"):
    registration_id: int


class Withdraw(Payload, prefix="reg", verb="withdraw"):
    """Asks first."""

    registration_id: int


class WithdrawConfirmed(Payload, prefix="reg", verb="withdraw_yes"):
    registration_id: int


class RegistrationGone(Payload, prefix="reg"):
    """A registration button that reads as none of the above: forged, or cut short."""

    rest: Tail | None = None


async def start_registration(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/dangky or the menu button: the registration dialog, from its first question, or from
    where the person stopped if they had begun one (what they typed is not thrown away)."""
    state = ctx.form
    if state is not None and state.form == REGISTRATION.name and state.data:
        data = dict(state.data)
        return [
            Reply(t("form_resumed", ctx.lang)),
            *await forms.ask(REGISTRATION, state.step, ctx, data),
        ]
    return await forms.start(REGISTRATION, ctx)


def _status(row: Registration, lang: str) -> str:
    return label(f"status_{row.status}", lang)


async def list_my_registrations(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/dangkycuatoi: my registrations with their status; note or withdraw buttons."""
    rows = await of_user(ctx.session, ctx.user.id)
    if not rows:
        return [Reply(t("reg_mine_empty", ctx.lang))]
    replies = []
    for row in rows:
        text = t(
            "reg_mine_item",
            ctx.lang,
            ref=row.ref,
            kind=label(f"kind_{row.kind}", ctx.lang),
            date=local_date(row.created_at, ctx.config.timezone),
            status=_status(row, ctx.lang),
        )
        buttons: tuple[tuple[Button, ...], ...] = ()
        if row.status in ("moi", "da_lien_he", "dang_ho_tro", "tam_dung"):
            buttons = (
                (
                    AddNote(row.id).button(label("btn_add_note", ctx.lang)),
                    Withdraw(row.id).button(label("btn_withdraw", ctx.lang)),
                ),
            )
        replies.append(Reply(text, buttons=buttons))
    return replies


async def _own(ctx: Ctx, registration_id: int) -> Registration | None:
    """The user's own registration named by a button, or None (never someone else's)."""
    row = await ctx.session.get(Registration, registration_id) if registration_id else None
    return row if row is not None and row.user_id == ctx.user.id else None


def ask_note(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("reg_ask_note", ctx.lang, ref=data.get("ref", "")))


async def read_note(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    text = " ".join((event.text or "").split())
    if not 1 <= len(text) <= MAX_NOTE:
        return Parsed(error="reg_bad_note", params={"limit": MAX_NOTE})
    return Parsed(text, done=True)


async def save_note(ctx: Ctx, data: Data) -> list[Reply]:
    await clear_form(ctx.session, ctx.user.id)
    row = await ctx.session.get(Registration, int(data["id"]))
    if row is None or row.user_id != ctx.user.id:
        return [Reply(t("reg_not_found", ctx.lang))]
    row.notes = [*row.notes, data["note"]]
    row.updated_at = ctx.now
    return [Reply(t("reg_note_saved", ctx.lang, ref=row.ref))]


NOTE_FORM = Form(
    "registration_note",
    (Step("note", ask_note, read_note, free_text=True),),
    save_note,
    show_back=False,
)


async def registration_gone(button: RegistrationGone, *, ctx: Ctx) -> list[Reply]:
    """A registration button that is not one: no such registration."""
    return [Reply(t("reg_not_found", ctx.lang))]


async def add_note(button: AddNote, *, ctx: Ctx) -> list[Reply]:
    """«Thêm ghi chú» on my registration: the note dialog."""
    row = await _own(ctx, button.registration_id)
    if row is None:
        return [Reply(t("reg_not_found", ctx.lang))]
    return await forms.start(NOTE_FORM, ctx, {"id": row.id, "ref": row.ref})


async def ask_to_withdraw(button: Withdraw, *, ctx: Ctx) -> list[Reply]:
    """«Rút đăng ký» on my registration: asks first."""
    row = await _own(ctx, button.registration_id)
    if row is None:
        return [Reply(t("reg_not_found", ctx.lang))]
    yes = WithdrawConfirmed(row.id).button(label("btn_withdraw_yes", ctx.lang))
    keep = MenuMain().button(label("btn_no", ctx.lang))  # «Không»: back to the menu
    return [Reply(t("reg_withdraw_confirm", ctx.lang, ref=row.ref), buttons=((yes, keep),))]


async def withdraw(button: WithdrawConfirmed, *, ctx: Ctx) -> list[Reply]:
    """Withdrawal confirmed: the registration, while still open, is not pursued."""
    row = await _own(ctx, button.registration_id)
    if row is None or row.status not in OPEN_STATUSES:
        return [Reply(t("reg_not_found", ctx.lang))]
    await set_status(
        ctx.session,
        row,
        "khong_tiep_tuc",
        actor=APPLICANT,
        note="người đăng ký rút",
        now=ctx.now,
    )
    return [Reply(t("reg_withdrawn", ctx.lang, ref=row.ref))]


ROUTER = FeatureRouter(
    "registration",
    routes=(
        Route("register", start_registration, ("dangky",), menu_description="cmd_dangky"),
        Route(
            "my_registrations",
            list_my_registrations,
            ("dangkycuatoi",),
            menu_description="cmd_dangkycuatoi",
            beside_dialog=True,
        ),
        Route("menu_register", start_registration, button=MenuRegister),
        Route.press("registration_note", AddNote, add_note),
        Route.press("registration_withdraw", Withdraw, ask_to_withdraw),
        Route.press("registration_withdraw_yes", WithdrawConfirmed, withdraw),
        Route.press("registration_gone", RegistrationGone, registration_gone),
    ),
    forms=(REGISTRATION, NOTE_FORM),
)
