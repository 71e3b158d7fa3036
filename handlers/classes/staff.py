"""Staff side of a class: roster, attendance, exports, QR poster, publish, cancel (everyone
enrolled or waiting is told in one message), and the way into a change (classes/edit_form)."""

from __future__ import annotations

import io

import segno

from handlers import forms
from handlers.classes.create_form import CREATE_FORM, announce_button
from handlers.classes.edit_form import EDIT_FORM, EDITABLE, tell_everyone
from handlers.classes.reminders import cancel_for
from handlers.classes.roster_files import roster_csv, roster_xlsx
from handlers.classes.view import describe
from handlers.ids import as_id
from handlers.registration.fields import display_phone
from handlers.types import Attachment, Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.timefmt import local_time
from storage import audit
from storage.broadcasts import count_audience, create_broadcast
from storage.classes import roster
from storage.models import Enrolment, TrainingClass, User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ATTENDANCE_PAGE = 40


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
    def b(key: str, action: str) -> Button:
        return Button(label(key, lang), f"clss:{action}:{cls.id}")

    rows = [
        (b("btn_attendance", "att"), b("btn_all_present", "allin")),
        (b("btn_export_csv", "csv"), b("btn_export_xlsx", "xlsx"), b("btn_certificates", "cert")),
        (
            b("btn_reschedule", "edit_start"),
            b("btn_change_place", "edit_place"),
            b("btn_change_capacity", "edit_capacity"),
        ),
        (b("btn_qr", "qr"), b("btn_cancel_class", "cancel")),
    ]
    if cls.status == "draft":
        rows.insert(0, (b("btn_publish", "publish"),))
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


async def act_on_class_as_staff(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """Staff class buttons: publish, attendance, exports, QR, edit, cancel."""
    action, rest = (args[0] if args else ""), args[1:]
    page = int(rest[-1]) if len(rest) > 1 and rest[-1].isdecimal() else 0
    number = as_id(rest[0] if rest else None)
    if action == "mark" and number:
        return await _toggle_attendance(ctx, number, page)
    cls = await ctx.session.get(TrainingClass, number) if number else None
    if cls is None:
        return [Reply(t("cls_not_found", ctx.lang))]
    await audit.record(ctx.session, actor=ctx.actor, action=f"class_{action}", target=str(cls.id))
    tz = ctx.config.timezone
    if action == "publish":
        cls.status, cls.updated_at = "published", ctx.now
        return [
            Reply(
                t("cls_published", ctx.lang, id=cls.id, title=cls.title, province="—"),
                buttons=announce_button(cls, ctx.lang),
            )
        ]
    if action == "announce" and cls.status == "published":
        return await announce_class(ctx, cls)
    if action in ("csv", "xlsx", "cert"):
        people = [
            (e, u) for e, u in await roster(ctx.session, cls.id) if action != "cert" or e.attended
        ]
        if action == "xlsx":
            return [
                Reply(
                    t("cls_file", ctx.lang, n=len(people)),
                    document=Attachment(f"lop-{cls.id}.xlsx", roster_xlsx(cls, people, tz), XLSX),
                )
            ]
        name = f"lop-{cls.id}-{'chung-nhan' if action == 'cert' else 'danh-sach'}.csv"
        return [
            Reply(
                t("cls_file", ctx.lang, n=len(people)),
                document=Attachment(name, roster_csv(cls, people, tz), "text/csv"),
            )
        ]
    if action == "qr":
        link = deep_link(ctx, cls.id)
        return [
            Reply(
                t("cls_qr", ctx.lang, link=link),
                document=Attachment(f"lop-{cls.id}-qr.png", qr_png(link), "image/png"),
            )
        ]
    if action == "att":
        return await _attendance_sheet(ctx, cls, page)
    if action == "allin":
        for e, _ in await roster(ctx.session, cls.id):
            if e.status == "enrolled":
                e.attended = True
        return [Reply(t("cls_all_marked", ctx.lang, title=cls.title))]
    if action == "cancel":
        yes = Button(label("btn_cancel_class_yes", ctx.lang), f"clss:cancel_yes:{cls.id}")
        return [Reply(t("cls_cancel_confirm", ctx.lang, title=cls.title), buttons=((yes,),))]
    if action == "cancel_yes" and cls.status != "cancelled":
        cls.status, cls.updated_at = "cancelled", ctx.now
        await cancel_for(ctx.session, cls.id)
        told = await tell_everyone(
            ctx, cls, "cls_told_cancelled", when=local_time(cls.starts_at, tz)
        )
        return [Reply(t("cls_cancelled", ctx.lang, title=cls.title, n=len(told))), *told]
    if action.startswith("edit_") and action[5:] in EDITABLE:
        if cls.status == "cancelled":
            return [Reply(t("cls_edit_cancelled", ctx.lang, title=cls.title))]
        return await forms.start(EDIT_FORM, ctx, {"id": cls.id, "field": action[5:]})
    return [Reply(t("cls_not_found", ctx.lang))]


async def _attendance_sheet(ctx: Ctx, cls: TrainingClass, page: int = 0) -> list[Reply]:
    """A button per enrolled person, ATTENDANCE_PAGE at a time (Telegram caps a keyboard)."""
    people = [(e, u) for e, u in await roster(ctx.session, cls.id) if e.status == "enrolled"]
    start = page * ATTENDANCE_PAGE
    rows: list[tuple[Button, ...]] = []
    for e, u in people[start : start + ATTENDANCE_PAGE]:
        mark = "✅" if e.attended else "⬜"
        name = u.full_name or u.display_name or u.external_id
        rows.append((Button(f"{mark} {name}"[:60], f"clss:mark:{e.id}:{page}"),))
    nav = []
    if page > 0:
        nav.append(Button("⬅️", f"clss:att:{cls.id}:{page - 1}"))
    if start + ATTENDANCE_PAGE < len(people):
        nav.append(Button("➡️", f"clss:att:{cls.id}:{page + 1}"))
    if nav:
        rows.append(tuple(nav))
    return [Reply(t("cls_attendance", ctx.lang, title=cls.title), buttons=tuple(rows))]


async def _toggle_attendance(ctx: Ctx, enrolment_id: int, page: int) -> list[Reply]:
    enrolment = await ctx.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        return [Reply(t("cls_not_found", ctx.lang))]
    enrolment.attended = not enrolment.attended
    cls = await ctx.session.get(TrainingClass, enrolment.class_id)
    assert cls is not None
    return await _attendance_sheet(ctx, cls, page)


async def send_qr(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/qr <id>: the class's deep-link QR code as a PNG, for posters."""
    if not args or not args[0].isdecimal():
        return [Reply(t("cls_roster_usage", ctx.lang))]
    return await act_on_class_as_staff(event, ctx=ctx, args=["qr", args[0]])


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
