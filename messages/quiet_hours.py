"""Quiet hours (HTXBOT_QUIET_HOURS, e.g. 21:00-06:30 local): when the bot sends nothing
unasked. One rule for the reminder sender, the broadcaster, /thongbao and `htxbot broadcast`."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

QuietHours = tuple[time, time]  # local start and end; the window may span midnight


def parse_quiet_hours(text: str) -> QuietHours:
    """'21:00-06:30' → (21:00, 06:30). An empty window ('03:00-03:00') is never quiet."""
    start, end = text.split("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def quiet_until(now: datetime, tz: str, window: QuietHours) -> datetime | None:
    """If `now` falls in the quiet window, when it ends (in `now`'s timezone); else None."""
    local = now.astimezone(ZoneInfo(tz))
    start, end = window
    clock = local.time()
    if start <= end:
        quiet = start <= clock < end
        end_day = local.date()
    else:  # the window spans midnight
        quiet = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=ZoneInfo(tz)).astimezone(now.tzinfo)


def is_quiet(now: datetime, tz: str, window: QuietHours) -> bool:
    """Whether `now` falls in the quiet window."""
    return quiet_until(now, tz, window) is not None


def next_allowed(when: datetime, tz: str, window: QuietHours) -> datetime:
    """The first moment from `when` on that is outside the quiet window."""
    return quiet_until(when, tz, window) or when


def describe_window(window: QuietHours) -> str:
    """'21:00–06:30', as people are told the window."""
    start, end = window
    return f"{start:%H:%M}–{end:%H:%M}"
