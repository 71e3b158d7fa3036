"""The co-op leaders' legal calendar (opt-in, /lichhtx): the co-op enters its fiscal year end
and, if known, its annual meeting date; the bot schedules the deadlines the knowledge base
cites: the annual members' meeting within 04 months of the fiscal year end (Điều 59 khoản 1),
the meeting notice at least 03 days before (Điều 60 khoản 1), board meetings at least every
03 months (Điều 65 khoản 3), all Luật HTX 2023."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers import forms
from handlers.forms import Data, Form, Parsed, Step, choice
from handlers.main_menu import menu_reply
from handlers.routing import FeatureRouter, Route
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.recurrence import next_occurrence, shift_params
from messages.timefmt import local_date, local_day
from messages.vi_datetime import parse_vi_datetime
from storage.forms import clear_form
from storage.reminders import add_reminder, cancel_where
from storage.users import add_role, remove_role

_DAY_MONTH = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*$")
AGM_MONTHS, NOTICE_DAYS, BOARD_RECURRENCE = 4, 3, "quarterly"
GRACE = timedelta(days=3)


def _at_eight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=ZoneInfo(tz))


def add_months(day: date, months: int) -> date:
    """31/12 + 4 months → 30/4: the same day number, or the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def start_legal_calendar(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/lichhtx: set up the legal calendar (or `/lichhtx huy` to stop it)."""
    if args and args[0].lower() in ("huy", "huỷ", "hủy", "stop"):
        n = await cancel_where_legal(ctx)
        remove_role(ctx.user, "leader")  # no longer addressed as a co-op leader
        return [Reply(t("legal_stopped", ctx.lang, n=n))]
    return await forms.start(LEGAL_FORM, ctx)


async def cancel_where_legal(ctx: Ctx) -> int:
    return await cancel_where(ctx.session, user_id=ctx.user.id, kind="legal")


def ask_year_end(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("legal_ask_year_end", ctx.lang), buttons=((choice("31/12", "31/12"),),))


async def read_year_end(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    m = _DAY_MONTH.match(value or event.text or "")
    try:
        day = date(2001, int(m[2]), int(m[1])) if m else None
    except ValueError:
        day = None
    return Parsed(f"{day:%d/%m}") if day else Parsed(error="legal_bad_year_end")


def ask_meeting(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("legal_ask_meeting", ctx.lang), buttons=((choice("skip", label("btn_skip", ctx.lang)),),)
    )


async def read_meeting(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    if value == "skip":
        return Parsed("", done=True)
    parsed = parse_vi_datetime(event.text or "", ctx.now, ctx.config.timezone)
    if parsed is None or parsed.when <= ctx.now:
        return Parsed(error="legal_bad_meeting")
    return Parsed(parsed.when.isoformat(), done=True)


async def schedule_legal_calendar(ctx: Ctx, data: Data) -> list[Reply]:
    await clear_form(ctx.session, ctx.user.id)
    await cancel_where_legal(ctx)
    tz, now, user = ctx.config.timezone, ctx.now, ctx.user
    add_role(user, "leader")  # they run a co-op: staff can address co-op leaders as a group
    day, month = (int(x) for x in data["year_end"].split("/"))
    today = local_day(now, tz)
    # The latest fiscal year end, or the coming one once its meeting deadline has passed (in
    # February, a year ended 31/12 still has its meeting due by 30/04 of this year).
    year_end = _last_valid(today.year, month, day)
    if year_end > today:
        year_end = _last_valid(today.year - 1, month, day)
    if add_months(year_end, AGM_MONTHS) < today:
        year_end = _last_valid(year_end.year + 1, month, day)
    deadline = add_months(year_end, AGM_MONTHS)
    made = 0

    async def add(key: str, due: datetime, params: dict[str, str], recurrence: str = "") -> None:
        nonlocal made
        start = due  # the series' own day, before a short month or year clamps it
        while due <= now and recurrence:  # this year's is past: start with next year's
            nxt = next_occurrence(due, recurrence, tz)
            assert nxt is not None
            due, params = nxt, shift_params(params, recurrence)
        if due <= now:
            return
        made += await add_reminder(
            ctx.session,
            user_id=user.id,
            channel=user.channel,
            chat_id=user.chat_id,
            kind="legal",
            message_key=key,
            params=params,
            due_at=due,
            expires_at=due + GRACE,
            recurrence=recurrence,
            series_start=start if recurrence else None,
            idempotency_key=f"legal:{user.id}:{key}:{due.isoformat()}",
            created_at=now,
        )

    for before in (30, 7):
        await add(
            "rem_legal_agm",
            _at_eight(deadline - timedelta(days=before), tz),
            {"deadline": f"{deadline:%d/%m/%Y}"},
            "yearly",
        )
    late: list[Reply] = []
    if data.get("meeting"):
        meeting = datetime.fromisoformat(data["meeting"])
        missed = _missed_deadline(local_day(meeting, tz), year_end, deadline)
        if missed is not None:
            # Still scheduled (they may have their reasons), but they must know it is late.
            late.append(
                Reply(
                    t(
                        "legal_meeting_late",
                        ctx.lang,
                        meeting=local_date(meeting, tz),
                        deadline=f"{missed:%d/%m/%Y}",
                    )
                )
            )
        notice_by = meeting - timedelta(days=NOTICE_DAYS)
        await add(
            "rem_legal_notice",
            _at_eight(local_day(notice_by, tz) - timedelta(days=2), tz),
            {"meeting": local_date(meeting, tz), "notice_by": local_date(notice_by, tz)},
        )
    await add("rem_legal_board", _at_eight(add_months(today, 3), tz), {}, BOARD_RECURRENCE)
    return [*late, menu_reply(ctx, "legal_scheduled", n=made, deadline=f"{deadline:%d/%m/%Y}")]


def _missed_deadline(meeting: date, year_end: date, deadline: date) -> date | None:
    """The deadline an annual meeting on `meeting` is late for, if any. Before the fiscal year
    ends (`year_end`), it can only be the previous year's meeting, whose deadline has passed
    (fiscal year to 30/06, typed in December, meeting in January); after it, this year's."""
    if meeting <= year_end:
        last_year = _last_valid(year_end.year - 1, year_end.month, year_end.day)
        previous = add_months(last_year, AGM_MONTHS)
        return previous if meeting > previous else None
    return deadline if meeting > deadline else None


def _last_valid(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


LEGAL_FORM = Form(
    "legal_calendar",
    (
        Step("year_end", ask_year_end, read_year_end),
        Step("meeting", ask_meeting, read_meeting),
    ),
    schedule_legal_calendar,
)


ROUTER = FeatureRouter(
    "legal_calendar",
    routes=(
        Route(
            "legal_calendar",
            start_legal_calendar,
            ("lichhtx",),
            menu_description="cmd_lichhtx",
        ),
    ),
    forms=(LEGAL_FORM,),
)
