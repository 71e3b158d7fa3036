"""Dates and times as Vietnamese people read them, in the configured time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def local_time(moment: datetime, tz: str) -> str:
    """'Thứ Hai, 25/11/2026 lúc 08:00' for a UTC datetime."""
    here = moment.astimezone(ZoneInfo(tz))
    return f"{WEEKDAYS_VI[here.weekday()]}, {here:%d/%m/%Y} lúc {here:%H:%M}"


def local_date(moment: datetime, tz: str) -> str:
    return f"{moment.astimezone(ZoneInfo(tz)):%d/%m/%Y}"
