"""Staff side of a class: roster, attendance, exports, QR poster, publish, cancel (everyone
enrolled or waiting is told in one message), and the way into a change (classes/edit_form)."""

from __future__ import annotations

import io

import segno

from handlers import forms
from handlers.classes.buttons import (
    AllPresent,
    Announce,
    Attendance,
    CancelClass,
    CancelConfirmed,
    Certificates,
    ChangeCapacity,
    ChangeDuration,
    ChangePlace,
    MarkAttendance,
    PosterQr,
    Publish,
    Reschedule,
    RosterCsv,
    RosterXlsx,
    StaffClassGone,
)
from handlers.classes.create_form import CREATE_FORM, announce_button
from handlers.classes.edit_form import EDIT_FORM, tell_everyone
from handlers.classes.reminders import cancel_for
from handlers.classes.roster_files import roster_csv, roster_xlsx
from handlers.classes.view import describe
from handlers.ids import as_id
from handlers.registration.fields import display_phone
from handlers.routing import FeatureRouter, Route
from handlers.types import Attachment, Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.timefmt import local_time
from storage import audit
from storage.broadcasts import count_audience, create_broadcast
from storage.classes import roster
from storage.models import Enrolment, TrainingClass, User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
ATTENDANCE_PAGE = 40
# The staff buttons about one class (`clss:<verb>:<class id>`).
ClassButton = (
    Publish
    | Announce
    | Attendance
    | AllPresent
    | RosterCsv
    | RosterXlsx
    | Certificates
    | PosterQr
    | CancelClass
    | CancelConfirmed
    | Reschedule
    | ChangePlace
    | ChangeCapacity
    | ChangeDuration
)


def deep_link(ctx: Ctx, class_id: int) -> str:
    if ctx.config.bot_username:
        return f"https://t.me/{ctx.config.bot_username}?start=lop_{class_id}"
    return f"/start lop_{class_id}"


def qr_png(link: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=10, border=4)
    return out.getvalue()


async def create_class_dialog(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/taolop: the class creation dialog."""
    return await forms.start(CREATE_FORM, ctx)


def _staff_buttons(cls: TrainingClass, lang: str) -> tuple[tuple[Button, ...], ...]:
    def b(key: str, kind: type[ClassButton]) -> Button:
        return kind(cls.id).button(label(key, lang))

    rows = [
        (b("btn_attendance", Attendance), b("btn_all_present", AllPresent)),
        (
            b("btn_export_csv", RosterCsv),
            b("btn_export_xlsx", RosterXlsx),
            b("btn_certificates", Certificates),
        ),
        (
            b("btn_reschedule", Reschedule),
            b("btn_change_place", ChangePlace),
            b("btn_change_capacity", ChangeCapacity),
        ),
        (b("btn_qr", PosterQr), b("btn_cancel_class", CancelClass)),
    ]
    if cls.status == "draft":
        rows.insert(0, (b("btn_publish", Publish),))
    return tuple(rows)


async def show_roster(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/dslop <id>: the class, who is enrolled and who is waiting, and the staff buttons."""
    number = as_id(args[0] if args else None)
    cls = await ctx.session.get(TrainingClass, number) if number else None
    if cls is None:  # a number that is no class is not a usage mistake: say which it was
        key = "cls_not_found" if args and args[0].isdecimal() else "cls_roster_usage"
        return [Reply(t(key, ctx.lang))]
    people = await roster(ctx.session, cls.id)
    lines = [describe(cls, ctx), t("cls_link", ctx.lang, link=deep_link(ctx, cls.id))]
    enrolled = [(e, u) for e, u in people if e.status == "enrolled"]
    waiting = [(e, u) for e, u in people if e.status == "waiting"]
    lines.append(t("cls_roster_enrolled", ctx.lang, n=len(enrolled)))
    for i, (e, u) in enumerate(enrolled, 1):
        mark = {True: "✅", False: "❌", None: "•"}[e.attended]
        lines.append(t("cls_roster_line", ctx.lang, mark=mark, i=i, person=_person(u)))
    lines.append(t("cls_roster_waiting", ctx.lang, n=len(waiting)))
    lines += [
        t("cls_roster_line", ctx.lang, mark="⏳", i=i, person=_person(u))
        for i, (_, u) in enumerate(waiting, 1)
    ]
    return [Reply("\n".join(lines), buttons=_staff_buttons(cls, ctx.lang))]


def _person(user: User) -> str:
    name = user.full_name or user.display_name or "—"
    return f"{name} ({display_phone(user.phone)})" if user.phone else name


async def _class(ctx: Ctx, button: ClassButton) -> TrainingClass | None:
    """The class a staff button is about, its use audited (`class_<verb>`); None if gone."""
    cls = await ctx.session.get(TrainingClass, button.class_id) if button.class_id else None
    if cls is not None:
        action = f"class_{button.verb}"
        await audit.record(ctx.session, actor=ctx.actor, action=action, target=str(cls.id))
    return cls


def _not_found(ctx: Ctx) -> list[Reply]:
    return [Reply(t("cls_not_found", ctx.lang))]


async def staff_class_gone(button: StaffClassGone, *, ctx: Ctx) -> list[Reply]:
    """A staff class button that is not one: no such class."""
    return _not_found(ctx)


async def publish_class(button: Publish, *, ctx: Ctx) -> list[Reply]:
    """«Công bố»: a draft class becomes visible, and may then be announced."""
    if (cls := await _class(ctx, button)) is None:
        return _not_found(ctx)
    cls.status, cls.updated_at = "published", ctx.now
    return [
        Reply(
            t("cls_published", ctx.lang, id=cls.id, title=cls.title, province="—"),
            buttons=announce_button(cls, ctx.lang),
        )
    ]


async def announce_published_class(button: Announce, *, ctx: Ctx) -> list[Reply]:
    """«Thông báo lớp»: a published class announced to its province, as a broadcast."""
    if (cls := await _class(ctx, button)) is None or cls.status != "published":
        return _not_found(ctx)
    return await announce_class(ctx, cls)


async def _roster_file(
    ctx: Ctx, cls: TrainingClass, *, attended_only: bool = False
) -> list[tuple[Enrolment, User]]:
    people = await roster(ctx.session, cls.id)
    return [(e, u) for e, u in people if not attended_only or e.attended]


async def export_roster_csv(button: RosterCsv, *, ctx: Ctx) -> list[Reply]:
    """«CSV»: the roster as a CSV file."""
    if (cls := await _class(ctx, button)) is None:
        return _not_found(ctx)
    people = await _roster_file(ctx, cls)
    csv = roster_csv(cls, people, ctx.config.timezone)
    name = f"lop-{cls.id}-danh-sach.csv"
    return [Reply(t("cls_file", ctx.lang, n=len(people)), document=Attachment(name, csv, CSV))]


async def export_roster_xlsx(button: RosterXlsx, *, ctx: Ctx) -> list[Reply]:
    """«Excel»: the roster as an Excel file."""
    if (cls := await _class(ctx, button)) is None:
        return _not_found(ctx)
    people = await _roster_file(ctx, cls)
    xlsx = roster_xlsx(cls, people, ctx.config.timezone)
    document = Attachment(f"lop-{cls.id}.xlsx", xlsx, XLSX)
    return [Reply(t("cls_file", ctx.lang, n=len(people)), document=document)]


async def export_certificates(button: Certificates, *, ctx: Ctx) -> list[Reply]:
    """«Chứng nhận»: who attended, as a CSV file for certificates."""
    if (cls := await _class(ctx, button)) is None:
        return _not_found(ctx)
    people = await _roster_file(ctx, cls, attended_only=True)
    csv = roster_csv(cls, people, ctx.config.timezone)
    name = f"lop-{cls.id}-chung-nhan.csv"
    return [Reply(t("cls_file", ctx.lang, n=len(people)), document=Attachment(name, csv, CSV))]


async def send_poster_qr(button: PosterQr, *, ctx: Ctx) -> list[Reply]:
    """«Mã QR»: the class's deep-link QR code as a PNG, for posters."""
    if (cls := await _class(ctx, button)) is None:
        return _not_found(ctx)
    link = deep_link(ctx, cls.id)
    return [
        Reply(
            t("cls_qr", ctx.lang, link=link),
            document=Attachment(f"lop-{cls.id}-qr.png", qr_png(link), "image/png"),
        )
    ]


async def show_attendance(button: Attendance, *, ctx: Ctx) -> list[Reply]:
    """«Điểm danh», ⬅️ ➡️: a page of the attendance sheet."""
    if (cls := await _class(ctx, button)) is None:
        return _not_found(ctx)
    return await _attendance_sheet(ctx, cls, button.page or 0)


async def mark_all_present(button: AllPresent, *, ctx: Ctx) -> list[Reply]:
    """«Tất cả có mặt»: everyone enrolled attended."""
    if (cls := await _class(ctx, button)) is None:
        return _not_found(ctx)
    for e, _ in await roster(ctx.session, cls.id):
        if e.status == "enrolled":
            e.attended = True
    return [Reply(t("cls_all_marked", ctx.lang, title=cls.title))]


async def ask_to_cancel_class(button: CancelClass, *, ctx: Ctx) -> list[Reply]:
    """«Huỷ lớp»: asks first."""
    if (cls := await _class(ctx, button)) is None:
        return _not_found(ctx)
    yes = CancelConfirmed(cls.id).button(label("btn_cancel_class_yes", ctx.lang))
    return [Reply(t("cls_cancel_confirm", ctx.lang, title=cls.title), buttons=((yes,),))]


async def cancel_class(button: CancelConfirmed, *, ctx: Ctx) -> list[Reply]:
    """Cancelling confirmed: the class is off, its reminders too, and everyone is told."""
    if (cls := await _class(ctx, button)) is None or cls.status == "cancelled":
        return _not_found(ctx)
    cls.status, cls.updated_at = "cancelled", ctx.now
    await cancel_for(ctx.session, cls.id)
    told = await tell_everyone(
        ctx, cls, "cls_told_cancelled", when=local_time(cls.starts_at, ctx.config.timezone)
    )
    return [Reply(t("cls_cancelled", ctx.lang, title=cls.title, n=len(told))), *told]


async def _change(ctx: Ctx, button: ClassButton, field: str) -> list[Reply]:
    """The dialog that changes one field of a class (not of a cancelled one)."""
    if (cls := await _class(ctx, button)) is None:
        return _not_found(ctx)
    if cls.status == "cancelled":
        return [Reply(t("cls_edit_cancelled", ctx.lang, title=cls.title))]
    return await forms.start(EDIT_FORM, ctx, {"id": cls.id, "field": field})


async def reschedule(button: Reschedule, *, ctx: Ctx) -> list[Reply]:
    """«Đổi giờ»: asks the new start; everyone enrolled is told."""
    return await _change(ctx, button, "start")


async def change_place(button: ChangePlace, *, ctx: Ctx) -> list[Reply]:
    """«Đổi địa điểm»: asks the new place; everyone enrolled is told."""
    return await _change(ctx, button, "place")


async def change_capacity(button: ChangeCapacity, *, ctx: Ctx) -> list[Reply]:
    """«Đổi số chỗ»: asks the new number of seats."""
    return await _change(ctx, button, "capacity")


async def change_duration(button: ChangeDuration, *, ctx: Ctx) -> list[Reply]:
    """Change how long the class lasts."""
    return await _change(ctx, button, "duration")


async def _attendance_sheet(ctx: Ctx, cls: TrainingClass, page: int = 0) -> list[Reply]:
    """A button per enrolled person, ATTENDANCE_PAGE at a time (Telegram caps a keyboard)."""
    people = [(e, u) for e, u in await roster(ctx.session, cls.id) if e.status == "enrolled"]
    start = page * ATTENDANCE_PAGE
    rows: list[tuple[Button, ...]] = []
    for e, u in people[start : start + ATTENDANCE_PAGE]:
        mark = "✅" if e.attended else "⬜"
        name = u.full_name or u.display_name or u.external_id
        rows.append((MarkAttendance(e.id, page).button(f"{mark} {name}"[:60]),))
    nav = []
    if page > 0:
        nav.append(Attendance(cls.id, page - 1).button("⬅️"))
    if start + ATTENDANCE_PAGE < len(people):
        nav.append(Attendance(cls.id, page + 1).button("➡️"))
    if nav:
        rows.append(tuple(nav))
    return [Reply(t("cls_attendance", ctx.lang, title=cls.title), buttons=tuple(rows))]


async def toggle_attendance(button: MarkAttendance, *, ctx: Ctx) -> list[Reply]:
    """A name on the attendance sheet: present ⇄ not marked."""
    enrolment_id, page = button.enrolment_id, button.page
    enrolment = await ctx.session.get(Enrolment, enrolment_id) if enrolment_id else None
    if enrolment is None:
        return _not_found(ctx)
    enrolment.attended = not enrolment.attended
    cls = await ctx.session.get(TrainingClass, enrolment.class_id)
    assert cls is not None
    return await _attendance_sheet(ctx, cls, page)


async def send_qr(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/qr <id>: the class's deep-link QR code as a PNG, for posters."""
    if not args or not args[0].isdecimal():
        return [Reply(t("cls_roster_usage", ctx.lang))]
    return await send_poster_qr(PosterQr(as_id(args[0]) or 0), ctx=ctx)


async def announce_class(ctx: Ctx, cls: TrainingClass) -> list[Reply]:
    """Announce a published class to its province (or everyone), as a broadcast starting now:
    the same engine, pacing, quiet hours and opt-outs as any announcement."""
    segment = {"province": [cls.province_code]} if cls.province_code else {}
    text = t("cls_announcement", "vi", card=describe(cls, ctx), link=deep_link(ctx, cls.id))
    bc = await create_broadcast(
        ctx.session,
        created_by=ctx.actor,
        text=str(text),
        segment=segment,
        send_at=ctx.now,
        report_channel=ctx.user.channel,
        report_chat_id=ctx.user.chat_id,
        created_at=ctx.now,
    )
    count = await count_audience(ctx.session, segment)
    return [
        Reply(
            t(
                "bc_scheduled",
                ctx.lang,
                id=bc.id,
                count=count,
                when=local_time(bc.send_at, ctx.config.timezone, ctx.lang),
            )
        )
    ]


STAFF_ROUTER = FeatureRouter(
    "classes_staff",
    routes=(
        Route("create_class", create_class_dialog, ("taolop",)),
        Route("class_roster", show_roster, ("dslop",), beside_dialog=True, takes_a_number=True),
        Route("class_qr", send_qr, ("qr",), beside_dialog=True, takes_a_number=True),
        Route.press("class_staff_publish", Publish, publish_class),
        Route.press("class_staff_announce", Announce, announce_published_class),
        Route.press("class_staff_att", Attendance, show_attendance),
        Route.press("class_staff_mark", MarkAttendance, toggle_attendance),
        Route.press("class_staff_allin", AllPresent, mark_all_present),
        Route.press("class_staff_csv", RosterCsv, export_roster_csv),
        Route.press("class_staff_xlsx", RosterXlsx, export_roster_xlsx),
        Route.press("class_staff_cert", Certificates, export_certificates),
        Route.press("class_staff_qr", PosterQr, send_poster_qr),
        Route.press("class_staff_cancel", CancelClass, ask_to_cancel_class),
        Route.press("class_staff_cancel_yes", CancelConfirmed, cancel_class),
        Route.press("class_staff_edit_start", Reschedule, reschedule),
        Route.press("class_staff_edit_place", ChangePlace, change_place),
        Route.press("class_staff_edit_capacity", ChangeCapacity, change_capacity),
        Route.press("class_staff_edit_duration", ChangeDuration, change_duration),
        Route.press("class_staff_gone", StaffClassGone, staff_class_gone),
    ),
    forms=(CREATE_FORM, EDIT_FORM),
    staff_only=True,
)
