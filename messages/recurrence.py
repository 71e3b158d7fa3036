"""Recurrence: when the next reminder of a series is due (daily, weekly, monthly, every 3
months, yearly), at the same local clock time, and how the dates in its text move along. Pure
date rules, shared by personal reminders, the legal calendar and the reminder sender."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

RECURRENCES = ("", "daily", "weekly", "monthly", "quarterly", "yearly")
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def next_occurrence(due: datetime, recurrence: str, tz: str) -> datetime | None:
    """The same local wall-clock time one period later (months keep the day when they can)."""
    if not recurrence:
        return None
    return _periods_later(due, recurrence, tz, 1)


def series_next(
    start: datetime | None, recurrence: str, due: datetime, tz: str
) -> datetime | None:
    """The occurrence after the one due at `due` in a series that began at `start` (None: at
    `due`): a whole number of periods after the start, the first such time after `due`."""
    if not recurrence:
        return None
    return first_occurrence_after(start or due, recurrence, tz, due)


def series_slot(start: datetime | None, recurrence: str, due: datetime, tz: str) -> datetime:
    """The time in its series that an occurrence due at `due` stands for: `due` itself, unless
    quiet hours or a retry moved it later."""
    start = start or due
    if not recurrence or due <= start:
        return due
    periods = _periods_past(start, recurrence, tz, due)
    return _periods_later(start, recurrence, tz, periods - 1)


def first_occurrence_after(due: datetime, recurrence: str, tz: str, now: datetime) -> datetime:
    """`due` if it is still ahead, else the first occurrence of its series after `now`.

    Counted in whole periods from `due` itself, not step by step, so '31/10 hằng tháng' set in
    December starts on 31/12 (not 30/12 by way of 30/11). The reminder sender counts the later
    reminders the same way, from the series' start (series_next)."""
    if due > now or not recurrence:
        return due
    return _periods_later(due, recurrence, tz, _periods_past(due, recurrence, tz, now))


def _periods_later(due: datetime, recurrence: str, tz: str, periods: int) -> datetime:
    """`due` moved on by whole periods at the same local wall-clock time; a month without the
    day (31/11) gets its last day, counted from `due`'s own day."""
    local = due.astimezone(ZoneInfo(tz))
    if recurrence == "daily":
        nxt = local + timedelta(days=periods)
    elif recurrence == "weekly":
        nxt = local + timedelta(weeks=periods)
    else:
        months = PERIOD_MONTHS[recurrence] * periods
        month_index = local.month - 1 + months
        year, month = local.year + month_index // 12, month_index % 12 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        nxt = local.replace(year=year, month=month, day=day)
    return nxt.replace(tzinfo=None).replace(tzinfo=ZoneInfo(tz)).astimezone(due.tzinfo)


def _periods_past(due: datetime, recurrence: str, tz: str, now: datetime) -> int:
    """How many whole periods after `due` (≤ now) its series first comes after `now`."""
    zone = ZoneInfo(tz)
    start, here = due.astimezone(zone), now.astimezone(zone)
    # A first guess that is never past the answer, then step to it.
    if recurrence in ("daily", "weekly"):
        periods = (here.date() - start.date()).days // (1 if recurrence == "daily" else 7)
    else:
        step = PERIOD_MONTHS[recurrence]
        periods = ((here.year - start.year) * 12 + here.month - start.month) // step
    periods = max(periods, 1)
    while _periods_later(due, recurrence, tz, periods) <= now:
        periods += 1
    return periods


def shift_params(params: dict[str, str], recurrence: str) -> dict[str, str]:
    """Dates inside a recurring reminder's text move with it (next year's AGM deadline is next
    year's, not this year's). Dates are 'dd/mm/YYYY' strings under keys ending in 'deadline'."""
    months = PERIOD_MONTHS.get(recurrence)
    days = {"daily": 1, "weekly": 7}.get(recurrence)
    out = dict(params)
    for key, value in params.items():
        if not key.endswith("deadline"):
            continue
        try:
            day = datetime.strptime(value, "%d/%m/%Y")
        except ValueError:
            continue
        if months:
            index = day.month - 1 + months
            year, month = day.year + index // 12, index % 12 + 1
            day = day.replace(
                year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
            )
        elif days:
            day += timedelta(days=days)
        out[key] = f"{day:%d/%m/%Y}"
    return out
