"""/taolop: staff describe a class step by step; dates are typed as people write them and
always confirmed back in full before anything is saved."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from handlers.classes.view import AUDIENCES, TOPICS, describe
from handlers.forms import Data, Form, Parsed, Step, choice
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.locations import find_provinces, place_name
from messages.textnorm import fold
from messages.timefmt import local_time
from messages.vi_datetime import is_past, parse_vi_datetime
from messages.vi_numbers import number_from_words
from storage import audit
from storage.classes import create_class
from storage.forms import clear_form
from storage.models import TrainingClass

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


def _rows(buttons: list[Button]) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))


def ask_title(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("cls_ask_title", ctx.lang))


async def read_title(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    title = " ".join((event.text or "").split())
    return Parsed(title) if 3 <= len(title) <= 200 else Parsed(error="cls_bad_title")


def ask_topic(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_topic", ctx.lang),
        buttons=_rows([choice(tp, label(f"topic_{tp}", ctx.lang)) for tp in TOPICS]),
    )


async def read_topic(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return Parsed(value) if value in TOPICS else Parsed(error="reg_bad_choice")


def ask_description(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_description", ctx.lang),
        buttons=((choice("skip", label("btn_skip", ctx.lang)),),),
    )


async def read_description(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return Parsed("" if value == "skip" else (event.text or "").strip()[:2000])


def ask_start(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("cls_ask_start", ctx.lang))


async def read_start(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    parsed = parse_vi_datetime(event.text or "", ctx.now, ctx.config.timezone)
    if parsed is None and is_past(event.text or "", ctx.now, ctx.config.timezone):
        return Parsed(error="cls_start_past")
    if parsed is None or not parsed.explicit_time:
        return Parsed(error="cls_bad_start")
    if parsed.when <= ctx.now:
        return Parsed(error="cls_start_past")
    return Parsed(parsed.when.isoformat())


def ask_start_confirm(ctx: Ctx, data: Data) -> Reply:
    when = local_time(datetime.fromisoformat(data["start"]), ctx.config.timezone, ctx.lang)
    return Reply(
        t("cls_confirm_start", ctx.lang, when=when),
        buttons=(
            (
                choice("yes", label("btn_right", ctx.lang)),
                choice("no", label("btn_wrong", ctx.lang)),
            ),
        ),
    )


async def read_start_confirm(
    event: InboundEvent, value: str | None, ctx: Ctx, data: Data
) -> Parsed:
    if value == "yes":
        return Parsed(True)
    if value == "no":
        return Parsed(goto="start")
    return Parsed(error="reg_bad_choice")


def ask_duration(ctx: Ctx, data: Data) -> Reply:
    options = [
        choice(str(m), label("cls_hours_button", ctx.lang, n=m // 60))
        for m in (60, 120, 180, 240, 480)
    ]
    return Reply(t("cls_ask_duration", ctx.lang), buttons=_rows(options))


async def read_duration(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    offered = int(value) if value and value.isdecimal() and len(value) <= 4 else None
    minutes = offered or parse_duration(event.text or "")
    return Parsed(minutes) if minutes else Parsed(error="cls_bad_duration")


def ask_place(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("cls_ask_place", ctx.lang))


async def read_place(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    text = " ".join((event.text or "").split())
    if not 3 <= len(text) <= 300:
        return Parsed(error="cls_bad_place")
    return Parsed(text)


def ask_province(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_province", ctx.lang),
        buttons=((choice("all", label("cls_all_provinces", ctx.lang)),),),
    )


async def read_province(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    if value == "all":
        return Parsed("")
    found = find_provinces(event.text or "")
    if len(found) != 1:
        return Parsed(error="reg_no_province", params={"typed": event.text or ""})
    return Parsed(found[0].code)


def ask_capacity(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("cls_ask_capacity", ctx.lang))


def parse_capacity(text: str) -> int | None:
    """'30', 'hai mươi' → seats (1 to 10,000)."""
    text = text.strip()
    if text.isdecimal() and len(text) <= 5:
        seats: int | None = int(text)
    else:
        seats = number_from_words(fold(text).split())
    return seats if seats is not None and 1 <= seats <= 10_000 else None


async def read_capacity(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    seats = parse_capacity(event.text or "")
    return Parsed(seats) if seats is not None else Parsed(error="cls_bad_capacity")


def ask_deadline(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_deadline", ctx.lang),
        buttons=((choice("start", label("cls_until_start", ctx.lang)),),),
    )


async def read_deadline(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    start = datetime.fromisoformat(data["start"])
    if value == "start":
        return Parsed(start.isoformat())
    parsed = parse_vi_datetime(event.text or "", ctx.now, ctx.config.timezone, default_hour=23)
    if parsed is None and is_past(event.text or "", ctx.now, ctx.config.timezone):
        return Parsed(error="cls_bad_deadline")
    if parsed is None:
        return Parsed(error="cls_bad_start")
    when = parsed.when if parsed.explicit_time else parsed.when + timedelta(minutes=59)
    if not ctx.now < when <= start:
        return Parsed(error="cls_bad_deadline")
    return Parsed(when.isoformat())


def ask_audience(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_audience", ctx.lang),
        buttons=_rows([choice(a, label(f"aud_{a}", ctx.lang)) for a in AUDIENCES]),
    )


async def read_audience(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return Parsed(value) if value in AUDIENCES else Parsed(error="reg_bad_choice")


def _draft(data: Data) -> TrainingClass:
    place = data.get("place", "")
    link = place if place.startswith(("http://", "https://")) else ""
    start = datetime.fromisoformat(data["start"])
    return TrainingClass(
        id=0,
        title=data["title"],
        topic=data["topic"],
        description=data.get("description", ""),
        starts_at=start,
        duration_minutes=data["duration"],
        place="" if link else place,
        online_link=link,
        province_code=data.get("province", ""),
        capacity=data["capacity"],
        seats_taken=0,
        deadline_at=datetime.fromisoformat(data.get("deadline") or data["start"]),
        audience=data.get("audience", "everyone"),
        status="draft",
        updated_at=start,
    )


def ask_summary(ctx: Ctx, data: Data) -> Reply:
    text = t("cls_summary", ctx.lang, card=describe(_draft(data), ctx))
    return Reply(
        text,
        buttons=(
            (
                choice("publish", label("btn_publish", ctx.lang)),
                choice("draft", label("btn_save_draft", ctx.lang)),
            ),
        ),
    )


async def read_summary(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    if value in ("publish", "draft"):
        data["publish"] = value == "publish"
        return Parsed(done=True)
    return Parsed(error="reg_bad_choice")


async def save_class(ctx: Ctx, data: Data) -> list[Reply]:
    await clear_form(ctx.session, ctx.user.id)
    draft = _draft(data)
    row = await create_class(
        ctx.session,
        now=ctx.now,
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
        status="published" if data.get("publish") else "draft",
        created_by=ctx.actor,
    )
    await audit.record(
        ctx.session, actor=ctx.actor, action="class_create", target=str(row.id), detail=row.status
    )
    key = "cls_published" if row.status == "published" else "cls_saved_draft"
    text = t(
        key, ctx.lang, id=row.id, title=row.title, province=place_name(row.province_code) or "—"
    )
    return [Reply(text, buttons=announce_button(row, ctx.lang))]


def announce_button(cls: TrainingClass, lang: str) -> tuple[tuple[Button, ...], ...]:
    """Published classes can be announced to their audience (a broadcast staff confirm)."""
    if cls.status != "published":
        return ()
    return ((Button(label("btn_announce_class", lang), f"clss:announce:{cls.id}"),),)


CREATE_FORM = Form(
    "class_create",
    (
        Step("title", ask_title, read_title),
        Step("topic", ask_topic, read_topic),
        Step("description", ask_description, read_description),
        Step("start", ask_start, read_start),
        Step("start_ok", ask_start_confirm, read_start_confirm),
        Step("duration", ask_duration, read_duration),
        Step("place", ask_place, read_place),
        Step("province", ask_province, read_province),
        Step("capacity", ask_capacity, read_capacity),
        Step("deadline", ask_deadline, read_deadline),
        Step("audience", ask_audience, read_audience),
        Step("summary", ask_summary, read_summary, keep=False),
    ),
    save_class,
)
