"""/taolop: staff describe a class step by step; dates are typed as people write them and
always confirmed back in full before anything is saved."""

from __future__ import annotations

from datetime import datetime

from handlers.classes.buttons import Announce
from handlers.classes.fields import (
    check_audience,
    check_capacity,
    check_deadline,
    check_duration,
    check_place,
    check_province,
    check_start,
    check_title,
    check_topic,
    clean_description,
    new_class,
    place_and_link,
)
from handlers.classes.view import AUDIENCES, TOPICS, describe
from handlers.forms import Data, Form, Parsed, Step, choice
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.locations import place_name
from messages.timefmt import local_time
from storage.forms import clear_form
from storage.models import TrainingClass


def _rows(buttons: list[Button]) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))


def ask_title(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("cls_ask_title", ctx.lang))


async def read_title(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return check_title(event.text or "")


def ask_topic(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_topic", ctx.lang),
        buttons=_rows([choice(tp, label(f"topic_{tp}", ctx.lang)) for tp in TOPICS]),
    )


async def read_topic(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return check_topic(value)


def ask_description(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_description", ctx.lang),
        buttons=((choice("skip", label("btn_skip", ctx.lang)),),),
    )


async def read_description(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return Parsed("" if value == "skip" else clean_description(event.text or ""))


def ask_start(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("cls_ask_start", ctx.lang))


async def read_start(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    start = check_start(event.text or "", ctx.now, ctx.config.timezone)
    return start if start.error else Parsed(start.value.isoformat())


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
    if value and value.isdecimal() and len(value) <= 4:
        return Parsed(int(value))  # one of the lengths offered
    return check_duration(event.text or "")


def ask_place(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("cls_ask_place", ctx.lang))


async def read_place(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return check_place(event.text or "")


def ask_province(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_province", ctx.lang),
        buttons=((choice("all", label("cls_all_provinces", ctx.lang)),),),
    )


async def read_province(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    if value == "all":
        return Parsed("")
    return check_province(event.text or "")


def ask_capacity(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("cls_ask_capacity", ctx.lang))


async def read_capacity(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return check_capacity(event.text or "")


def ask_deadline(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_deadline", ctx.lang),
        buttons=((choice("start", label("cls_until_start", ctx.lang)),),),
    )


async def read_deadline(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    start = datetime.fromisoformat(data["start"])
    if value == "start":
        return Parsed(start.isoformat())
    deadline = check_deadline(event.text or "", ctx.now, ctx.config.timezone, start)
    return deadline if deadline.error else Parsed(deadline.value.isoformat())


def ask_audience(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_audience", ctx.lang),
        buttons=_rows([choice(a, label(f"aud_{a}", ctx.lang)) for a in AUDIENCES]),
    )


async def read_audience(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return check_audience(value)


def _draft(data: Data) -> TrainingClass:
    place, link = place_and_link(data.get("place", ""))
    start = datetime.fromisoformat(data["start"])
    return TrainingClass(
        id=0,
        title=data["title"],
        topic=data["topic"],
        description=data.get("description", ""),
        starts_at=start,
        duration_minutes=data["duration"],
        place=place,
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
    row = await new_class(
        ctx.session, _draft(data), publish=bool(data.get("publish")), actor=ctx.actor, now=ctx.now
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
    return ((Announce(cls.id).button(label("btn_announce_class", lang)),),)


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
