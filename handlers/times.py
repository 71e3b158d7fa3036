"""A time staff give that must still come (a class's start, when a broadcast goes out), read
once for the chat dialogs and the `htxbot` staff commands."""

from __future__ import annotations

from datetime import datetime

from handlers.forms import Parsed
from messages.vi_datetime import is_past, parse_vi_datetime


def future_time(text: str, now: datetime, tz: str) -> Parsed:
    """'8h 5/12', '14:00 20/12/2026' → Parsed(the moment, aware). A moment already past is said
    to be past ('8h 5/12' typed on 6/12 would otherwise wait a year); one without its hour asks
    for it."""
    parsed = parse_vi_datetime(text, now, tz)
    if (parsed is None and is_past(text, now, tz)) or (parsed is not None and parsed.when <= now):
        return Parsed(error="cls_start_past")
    if parsed is None or not parsed.explicit_time:
        return Parsed(error="cls_bad_start")
    return Parsed(parsed.when)
