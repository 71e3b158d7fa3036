"""How a class is described to people, and its calendar file."""

from __future__ import annotations

from datetime import timedelta

from handlers.classes.buttons import Leave
from handlers.types import Button, Ctx
from messages.i18n import Markup, label, t
from messages.locations import place_name
from messages.timefmt import local_time
from storage.models import TrainingClass

TOPICS = ("luat", "quan_ly", "ke_toan", "chuyen_doi_so", "xuc_tien", "khac")
AUDIENCES = ("everyone", "leaders", "members", "founders")


def leave_button(class_id: int, lang: str) -> Button:
    """«Tôi không đi được»: gives the seat back (asks first), on class cards and reminders."""
    return Leave(class_id).button(label("btn_cannot_come", lang))


def where(cls: TrainingClass, lang: str) -> str:
    if cls.online_link and cls.place:
        return f"{cls.place} / {cls.online_link}"
    return cls.online_link or cls.place or t("none_value", lang)


def describe(cls: TrainingClass, ctx: Ctx, *, full: bool = True) -> Markup:
    lang, tz = ctx.lang, ctx.config.timezone
    seats = max(cls.capacity - cls.seats_taken, 0)
    text: str = t(
        "cls_card",
        lang,
        # A class being created has no number yet: its preview shows none rather than "0".
        number=t("cls_number", lang, id=cls.id) if cls.id else "",
        title=cls.title,
        when=local_time(cls.starts_at, tz, lang),
        hours=_duration(cls.duration_minutes, lang),
        where=where(cls, lang),
        province=place_name(cls.province_code) or t("cls_all_provinces", lang),
        seats=seats,
        capacity=cls.capacity,
        topic=label(f"topic_{cls.topic}", lang),
    )
    if full:
        text += "\n" + t(
            "cls_card_more",
            lang,
            audience=label(f"aud_{cls.audience}", lang),
            deadline=local_time(cls.deadline_at, tz, lang),
            description=cls.description or "—",
        )
    if cls.status == "cancelled":
        text = t("cls_cancelled_mark", lang) + "\n" + text
    return Markup(text)


def _duration(minutes: int, lang: str) -> str:
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return t("cls_hours", lang, n=hours)
    return t("cls_hours_minutes", lang, h=hours, m=rest)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics(cls: TrainingClass, host: str = "htxbot") -> bytes:
    """An iCalendar (RFC 5545) event for the class, times in UTC."""
    fmt = "%Y%m%dT%H%M%SZ"
    end = cls.starts_at + timedelta(minutes=cls.duration_minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//htxbot//Lop tap huan//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:lop-{cls.id}@{host}",
        f"DTSTAMP:{cls.updated_at:{fmt}}",
        f"DTSTART:{cls.starts_at:{fmt}}",
        f"DTEND:{end:{fmt}}",
        f"SUMMARY:{_ics_text(cls.title)}",
        f"LOCATION:{_ics_text(cls.place or cls.online_link)}",
        f"DESCRIPTION:{_ics_text(cls.description)}",
    ]
    if cls.online_link:
        lines.append(f"URL:{cls.online_link}")
    if cls.status == "cancelled":
        lines.append("STATUS:CANCELLED")
    lines += [
        "BEGIN:VALARM",
        "TRIGGER:-PT2H",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{_ics_text(cls.title)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def _fold(line: str) -> str:
    """Lines over 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)
