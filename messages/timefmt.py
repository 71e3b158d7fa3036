"""Dates and times as Vietnamese people read them, in the configured time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def local_time(moment: datetime, tz: str, lang: str = "vi") -> str:
    """'Thứ Hai, 25/11/2026 lúc 08:00' ('Monday, 25/11/2026 at 08:00') for a UTC datetime."""
    here = moment.astimezone(ZoneInfo(tz))
    if lang == "en":
        return f"{WEEKDAYS_EN[here.weekday()]}, {here:%d/%m/%Y} at {here:%H:%M}"
    return f"{WEEKDAYS_VI[here.weekday()]}, {here:%d/%m/%Y} lúc {here:%H:%M}"


def local_day(moment: datetime, tz: str) -> date:
    """The calendar day there: before 07:00 in Vietnam, UTC is still on the day before."""
    return moment.astimezone(ZoneInfo(tz)).date()


def local_date(moment: datetime, tz: str) -> str:
    return f"{moment.astimezone(ZoneInfo(tz)):%d/%m/%Y}"
