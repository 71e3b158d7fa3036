"""The farmer's side: start the dialog, see my registrations, add a note, withdraw one."""

from __future__ import annotations

from handlers import forms
from handlers.forms import Data, Form, Parsed, Step
from handlers.ids import as_id
from handlers.registration.form import REGISTRATION
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.timefmt import local_date
from storage.forms import clear_form
from storage.models import Registration
from storage.registrations import APPLICANT, OPEN_STATUSES, of_user, set_status

MAX_NOTE = 500


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
                    Button(label("btn_add_note", ctx.lang), f"reg:note:{row.id}"),
                    Button(label("btn_withdraw", ctx.lang), f"reg:withdraw:{row.id}"),
                ),
            )
        replies.append(Reply(text, buttons=buttons))
    return replies


async def _own(ctx: Ctx, args: list[str]) -> Registration | None:
    """The user's own registration named by a button, or None (never someone else's)."""
    number = as_id(args[1]) if len(args) >= 2 else None
    if number is None:
        return None
    row = await ctx.session.get(Registration, number)
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


async def act_on_my_registration(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """My registration's buttons: add a note, withdraw (asks first), confirm withdrawal."""
    row = await _own(ctx, args)
    if row is None:
        return [Reply(t("reg_not_found", ctx.lang))]
    action = args[0]
    if action == "note":
        return await forms.start(NOTE_FORM, ctx, {"id": row.id, "ref": row.ref})
    if action == "withdraw":
        yes = Button(label("btn_withdraw_yes", ctx.lang), f"reg:withdraw_yes:{row.id}")
        keep = Button(label("btn_no", ctx.lang), "menu:main")
        return [Reply(t("reg_withdraw_confirm", ctx.lang, ref=row.ref), buttons=((yes, keep),))]
    if action == "withdraw_yes" and row.status in OPEN_STATUSES:
        await set_status(
            ctx.session,
            row,
            "khong_tiep_tuc",
            actor=APPLICANT,
            note="người đăng ký rút",
            now=ctx.now,
        )
        return [Reply(t("reg_withdrawn", ctx.lang, ref=row.ref))]
    return [Reply(t("reg_not_found", ctx.lang))]
