"""What a class may be, checked once for /taolop, the class editor and `htxbot class add`: each
field read as staff type it (Parsed(value), or Parsed(error=<message key>)), and how a new class
is saved."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.classes.view import AUDIENCES, TOPICS
from handlers.forms import Parsed
from handlers.times import future_time
from messages.locations import find_provinces
from messages.textnorm import fold
from messages.vi_datetime import is_past, parse_vi_datetime
from messages.vi_numbers import number_from_words
from storage import audit
from storage.classes import create_class
from storage.models import TrainingClass

TITLE_LENGTH = (3, 200)
PLACE_LENGTH = (3, 300)
DESCRIPTION_LENGTH = 2000
SEATS = (1, 10_000)
_DURATION = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(h|gio|tieng|p|phut|ph)?\s*(\d+|ruoi)?\s*(p|phut)?$")


def parse_duration(text: str) -> int | None:
    """'2h', '90 phút', '1h30', '3 tiếng', '1,5 giờ', '2 tiếng rưỡi' → minutes (15 minutes to
    12 hours)."""
    m = _DURATION.match(fold(text).strip())
    if not m:
        return None
    amount, unit, extra, _ = m.groups()
    value = float(amount.replace(",", "."))
    minutes = value if unit in ("p", "phut", "ph") else value * 60
    if extra == "ruoi":  # 'rưỡi': and a half, of the hours before it
        if unit not in ("h", "gio", "tieng"):
            return None
        minutes += 30
    elif extra:
        minutes += int(extra)
    if unit is None and not extra and value > 12:
        minutes = value  # a bare large number is minutes
    return int(minutes) if 15 <= minutes <= 720 else None


def parse_capacity(text: str) -> int | None:
    """'30', 'hai mươi' → seats (1 to 10,000)."""
    text = text.strip()
    if text.isdecimal() and len(text) <= 5:
        seats: int | None = int(text)
    else:
        seats = number_from_words(fold(text).split())
    return seats if seats is not None and SEATS[0] <= seats <= SEATS[1] else None


def check_title(text: str) -> Parsed:
    title = " ".join(text.split())
    low, high = TITLE_LENGTH
    return Parsed(title) if low <= len(title) <= high else Parsed(error="cls_bad_title")


def clean_description(text: str) -> str:
    return text.strip()[:DESCRIPTION_LENGTH]


def check_start(text: str, now: datetime, tz: str) -> Parsed:
    """The class's start: a moment still to come, with its hour."""
    return future_time(text, now, tz)


def check_duration(text: str) -> Parsed:
    minutes = parse_duration(text)
    return Parsed(minutes) if minutes else Parsed(error="cls_bad_duration")


def check_place(text: str) -> Parsed:
    """An address, or the link of a class online."""
    place = " ".join(text.split())
    low, high = PLACE_LENGTH
    return Parsed(place) if low <= len(place) <= high else Parsed(error="cls_bad_place")


def place_and_link(place: str, link: str = "") -> tuple[str, str]:
    """(address, online link): a place that is a link is the class's link, not its address."""
    if place.startswith(("http://", "https://")):
        return "", place
    return place, link


def check_province(text: str) -> Parsed:
    """One province, by its name as people type it (old names too) → its code."""
    found = find_provinces(text)
    if len(found) != 1:
        return Parsed(error="reg_no_province", params={"typed": text})
    return Parsed(found[0].code)


def check_capacity(text: str) -> Parsed:
    seats = parse_capacity(text)
    return Parsed(seats) if seats is not None else Parsed(error="cls_bad_capacity")


def check_deadline(text: str, now: datetime, tz: str, start: datetime) -> Parsed:
    """The enrolment deadline: after now and not after the start; a day without its hour ends
    at 23:59."""
    parsed = parse_vi_datetime(text, now, tz, default_hour=23)
    if parsed is None and is_past(text, now, tz):
        return Parsed(error="cls_bad_deadline")
    if parsed is None:
        return Parsed(error="cls_bad_start")
    when = parsed.when if parsed.explicit_time else parsed.when + timedelta(minutes=59)
    if not now < when <= start:
        return Parsed(error="cls_bad_deadline")
    return Parsed(when)


def check_topic(value: str | None) -> Parsed:
    return Parsed(value) if value in TOPICS else Parsed(error="reg_bad_choice")


def check_audience(value: str | None) -> Parsed:
    return Parsed(value) if value in AUDIENCES else Parsed(error="reg_bad_choice")


async def new_class(
    session: AsyncSession, draft: TrainingClass, *, publish: bool, actor: str, now: datetime
) -> TrainingClass:
    """Save a class whose fields were checked above, published or as a draft, and record who
    created it."""
    row = await create_class(
        session,
        now=now,
        title=draft.title,
        topic=draft.topic,
        description=draft.description,
        starts_at=draft.starts_at,
        duration_minutes=draft.duration_minutes,
        place=draft.place,
        online_link=draft.online_link,
        province_code=draft.province_code,
        capacity=draft.capacity,
        deadline_at=draft.deadline_at,
        audience=draft.audience,
        status="published" if publish else "draft",
        created_by=actor,
    )
    await audit.record(
        session, actor=actor, action="class_create", target=str(row.id), detail=row.status
    )
    return row
