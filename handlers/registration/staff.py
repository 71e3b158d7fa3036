"""Staff follow-up: claim, list, open, move through the pipeline (with a note), tell the farmer."""

from __future__ import annotations

from handlers import forms
from handlers.forms import Data, Form, Parsed, Step, choice
from handlers.ids import as_id
from handlers.payloads import Payload, Tail
from handlers.registration.fields import display_phone
from handlers.routing import FeatureRouter, PrefixCommand, Route
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import label, label_or, t
from messages.locations import find_provinces, place_name
from messages.textnorm import fold
from messages.timefmt import local_time
from storage import audit
from storage.forms import clear_form
from storage.models import Registration, User
from storage.registrations import APPLICANT, STATUSES, history, page, set_status

PAGE_SIZE = 10
TELL_FARMER = {"da_lien_he": "reg_told_contacted", "da_thanh_lap": "reg_told_founded"}


class ClaimRegistration(Payload, prefix="regs", verb="claim"):
    """«Tôi nhận hỗ trợ» under a new registration, in the staff chats."""

    registration_id: int


class RegistrationsPage(Payload, prefix="regs", verb="page"):
    """⬅️ ➡️ through /dsdangky, with its filters ("" for none)."""

    offset: int
    province: str
    status: str


class ChangeStatus(Payload, prefix="regs", verb="status"):
    registration_id: int
    status: str


class StaffRegistrationGone(Payload, prefix="regs"):
    """A staff registration button that reads as none of the above."""

    rest: Tail | None = None


def _status_of(text: str, lang: str) -> str | None:
    wanted = fold(text)
    for s in STATUSES:
        if wanted in (s, s.replace("_", " "), fold(label(f"status_{s}", lang))):
            return s
    return None


async def list_registrations(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/dsdangky [tỉnh] [trạng thái]: registrations, newest first, ten per page."""
    province = status = None
    words: list[str] = []
    for arg in args:
        found = _status_of(arg, ctx.lang)
        if found:
            status = found
        else:
            words.append(arg)
    if words:
        places = find_provinces(" ".join(words))
        if len(places) != 1:
            return [Reply(t("reg_list_bad_province", ctx.lang, typed=" ".join(words)))]
        province = places[0].code
    return await _page(ctx, province, status, 0)


async def _page(ctx: Ctx, province: str | None, status: str | None, offset: int) -> list[Reply]:
    rows, total = await page(
        ctx.session, province=province, status=status, offset=offset, limit=PAGE_SIZE
    )
    if not rows:
        return [Reply(t("reg_list_empty", ctx.lang))]
    lines = [
        t("reg_list_header", ctx.lang, first=offset + 1, last=offset + len(rows), total=total)
    ]
    for row in rows:
        lines.append(
            t(
                "reg_list_item",
                ctx.lang,
                id=row.id,
                ref=row.ref,
                kind=label(f"kind_{row.kind}", ctx.lang),
                province=place_name(row.province_code),
                status=label(f"status_{row.status}", ctx.lang),
            )
        )
    nav = []
    province, status = province or "", status or ""
    if offset > 0:
        nav.append(RegistrationsPage(max(0, offset - PAGE_SIZE), province, status).button("⬅️"))
    if offset + PAGE_SIZE < total:
        nav.append(RegistrationsPage(offset + PAGE_SIZE, province, status).button("➡️"))
    return [Reply("\n".join(lines), buttons=(tuple(nav),) if nav else ())]


async def open_registration(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/dangky_<số>: one registration in full, its history and the status buttons."""
    number = as_id(args[0] if args else None)
    row = await ctx.session.get(Registration, number) if number else None
    if row is None:
        return [Reply(t("reg_not_found", ctx.lang))]
    tz, lang = ctx.config.timezone, ctx.lang
    lines = [
        t(
            "reg_detail",
            lang,
            ref=row.ref,
            kind=label(f"kind_{row.kind}", lang),
            name=row.full_name or "—",
            phone=display_phone(row.phone) if row.phone else "—",
            commune=place_name(row.commune_code, row.province_code),
            province=place_name(row.province_code),
            sector=label(f"sector_{row.sector}", lang),
            products=row.products or "—",
            members=row.members_expected,
            support=", ".join(label(f"support_{s}", lang) for s in row.support),
            call_time=label_or(f"call_{row.call_time}", lang, row.call_time or "—"),
            status=label(f"status_{row.status}", lang),
            claimed=row.claimed_by or "—",
            notes="; ".join(row.notes) or "—",
        )
    ]
    applicant = await ctx.session.get(User, row.user_id) if row.user_id else None
    own = {APPLICANT} | ({f"{applicant.channel}:{applicant.external_id}"} if applicant else set())
    for ev in await history(ctx.session, row.id):
        lines.append(
            t(
                "reg_history_item",
                lang,
                when=local_time(ev.at, tz, lang),
                actor=t("reg_actor_applicant", lang) if ev.actor in own else ev.actor,
                status=label(f"status_{ev.to_status}", lang),
                note=ev.note or "",
            )
        )
    buttons = [
        ChangeStatus(row.id, s).button(label(f"status_{s}", lang))
        for s in STATUSES
        if s != row.status
    ]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    return [Reply("\n".join(lines), buttons=rows)]


def ask_status_note(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t(
            "reg_ask_status_note",
            ctx.lang,
            ref=data["ref"],
            status=label(f"status_{data['status']}", ctx.lang),
        ),
        buttons=((choice("skip", label("btn_skip", ctx.lang)),),),
    )


async def read_status_note(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    note = "" if value == "skip" else " ".join((event.text or "").split())[:500]
    return Parsed(note, done=True)


async def apply_status(ctx: Ctx, data: Data) -> list[Reply]:
    await clear_form(ctx.session, ctx.user.id)
    row = await ctx.session.get(Registration, int(data["id"]))
    if row is None:
        return [Reply(t("reg_not_found", ctx.lang))]
    status = data["status"]
    await set_status(
        ctx.session, row, status, actor=ctx.actor, note=data.get("note", ""), now=ctx.now
    )
    await audit.record(
        ctx.session,
        actor=ctx.actor,
        action="registration_status",
        target=row.ref or "",
        detail=status,
    )
    replies = [
        Reply(
            t(
                "reg_status_changed",
                ctx.lang,
                ref=row.ref,
                status=label(f"status_{status}", ctx.lang),
            )
        )
    ]
    farmer = await ctx.session.get(User, row.user_id) if row.user_id else None
    if farmer is not None and status in TELL_FARMER:
        replies.append(
            Reply(
                t(TELL_FARMER[status], farmer.language, ref=row.ref),
                chat_id=farmer.chat_id,
                channel=farmer.channel,
            )
        )
    return replies


STATUS_FORM = Form(
    "registration_status",
    (Step("note", ask_status_note, read_status_note, free_text=True),),
    apply_status,
    show_back=False,
)


async def staff_registration_gone(button: StaffRegistrationGone, *, ctx: Ctx) -> list[Reply]:
    """A staff registration button that is not one: no such registration."""
    return [Reply(t("reg_not_found", ctx.lang))]


async def turn_page(button: RegistrationsPage, *, ctx: Ctx) -> list[Reply]:
    """⬅️ ➡️ under /dsdangky: the previous or next ten, same filters."""
    return await _page(ctx, button.province or None, button.status or None, button.offset)


async def claim_registration(button: ClaimRegistration, *, ctx: Ctx) -> list[Reply]:
    """«Tôi nhận hỗ trợ»: this staff member follows the registration up (unless another does)."""
    row = await _registration(ctx, button.registration_id)
    if row is None:
        return [Reply(t("reg_not_found", ctx.lang))]
    if row.claimed_by and row.claimed_by != ctx.actor:
        return [Reply(t("reg_already_claimed", ctx.lang, ref=row.ref, by=row.claimed_by))]
    row.claimed_by = ctx.actor
    await audit.record(
        ctx.session, actor=ctx.actor, action="registration_claim", target=row.ref or ""
    )
    return [Reply(t("reg_claimed", ctx.lang, ref=row.ref, id=row.id))]


async def change_status(button: ChangeStatus, *, ctx: Ctx) -> list[Reply]:
    """A status button under a registration: asks for a note, then moves it on."""
    row = await _registration(ctx, button.registration_id)
    if row is None or button.status not in STATUSES:
        return [Reply(t("reg_not_found", ctx.lang))]
    return await forms.start(
        STATUS_FORM, ctx, {"id": row.id, "ref": row.ref, "status": button.status}
    )


async def _registration(ctx: Ctx, registration_id: int) -> Registration | None:
    return await ctx.session.get(Registration, registration_id) if registration_id else None


STAFF_ROUTER = FeatureRouter(
    "registration_staff",
    routes=(
        Route(
            "list_registrations",
            list_registrations,
            ("dsdangky",),
            beside_dialog=True,
        ),
        Route.press("registration_claim", ClaimRegistration, claim_registration),
        Route.press("registration_page", RegistrationsPage, turn_page),
        Route.press("registration_status", ChangeStatus, change_status),
        Route.press("registration_staff_gone", StaffRegistrationGone, staff_registration_gone),
    ),
    forms=(STATUS_FORM,),
    # `/dangky_42` opens registration 42 (Telegram makes such commands tappable in a list).
    prefix_commands=(PrefixCommand("dangky_", Route("open_registration", open_registration)),),
    staff_only=True,
)
