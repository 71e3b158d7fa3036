"""Staff reports in the chat: /baocao (counts and targets) and /xuat (a CSV or XLSX file)."""

from __future__ import annotations

from datetime import date

from handlers.registration.export import to_csv, to_xlsx
from handlers.registration.report import report_text
from handlers.routing import FeatureRouter, Route
from handlers.staff_questions import qa_report
from handlers.types import Attachment, Ctx, InboundEvent, Reply
from messages.i18n import t
from messages.timefmt import local_day
from storage import audit
from storage.registrations import matching

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _today(ctx: Ctx) -> date:
    """Staff's date, not UTC's."""
    return local_day(ctx.now, ctx.config.timezone)


async def show_registration_report(
    event: InboundEvent, *, ctx: Ctx, args: list[str]
) -> list[Reply]:
    """/baocao [năm]: counts by province, type, sector, status, month, and target progress;
    then the last weeks' questions and answer ratings."""
    year = _today(ctx).year
    if args:
        if not (args[0].isdecimal() and 2013 <= int(args[0]) <= year + 1):
            # The 2012 law took effect in 2013: nothing to count before it.
            return [Reply(t("reg_report_usage", ctx.lang, year=year))]
        year = int(args[0])
    await audit.record(
        ctx.session, actor=ctx.actor, action="registration_report", detail=str(year)
    )
    registrations = await report_text(
        ctx.session,
        year=year,
        targets={k: dict(v) for k, v in ctx.config.targets.items()},
        tz=ctx.config.timezone,
    )
    return [Reply(registrations + "\n\n" + await qa_report(ctx))]


async def send_registrations_file(
    event: InboundEvent, *, ctx: Ctx, args: list[str]
) -> list[Reply]:
    """/xuat [csv|xlsx]: every registration as a file for Excel, to staff only."""
    fmt = (args[0].lower() if args else "xlsx").lstrip(".")
    if fmt not in ("csv", "xlsx"):
        return [Reply(t("reg_export_usage", ctx.lang))]
    rows = await matching(ctx.session)
    tz = ctx.config.timezone
    data = to_csv(rows, tz) if fmt == "csv" else to_xlsx(rows, tz)
    name = f"dang-ky-{_today(ctx):%Y%m%d}.{fmt}"
    await audit.record(ctx.session, actor=ctx.actor, action="registration_export", detail=fmt)
    mime = "text/csv" if fmt == "csv" else XLSX
    return [
        Reply(
            t("reg_export_done", ctx.lang, count=len(rows)), document=Attachment(name, data, mime)
        )
    ]


STAFF_ROUTER = FeatureRouter(
    "registration_reports",
    routes=(
        Route(
            "registration_report",
            show_registration_report,
            ("baocao",),
            beside_dialog=True,
            takes_a_number=True,
        ),
        Route("registration_export", send_registrations_file, ("xuat",)),
    ),
    staff_only=True,
)
