"""Staff change a class's time, place, length or size: the new value, then a confirmation
showing the change and who will be told, then everyone enrolled or waiting is told at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.classes.farmer import schedule_reminders
from handlers.classes.fields import check_capacity, check_duration, check_place, check_start
from handlers.classes.reminders import cancel_for
from handlers.forms import Data, Form, Parsed, Step, choice, typed_yes
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.timefmt import local_time
from storage import audit
from storage.classes import grow_capacity, roster
from storage.forms import clear_form
from storage.models import Enrolment, TrainingClass

EDITABLE = ("start", "place", "capacity", "duration")


async def tell_everyone(ctx: Ctx, cls: TrainingClass, key: str, **params: object) -> list[Reply]:
    """One message, in their language, to each person enrolled or waiting."""
    replies = []
    for _, user in await roster(ctx.session, cls.id):
        replies.append(
            Reply(
                t(key, user.language, title=cls.title, **params),
                chat_id=user.chat_id,
                channel=user.channel,
            )
        )
    return replies


def ask_new_value(ctx: Ctx, data: Data) -> Reply:
    return Reply(t(f"cls_ask_new_{data['field']}", ctx.lang))


async def read_new_value(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    text = (event.text or "").strip()
    field = data["field"]
    # The same rules as when the class was created (handlers/classes/fields.py).
    if field == "start":
        checked = check_start(text, ctx.now, ctx.config.timezone)
    elif field == "capacity":
        checked = check_capacity(text)
    elif field == "duration":
        checked = check_duration(text)
    else:
        checked = check_place(text)
    if checked.error:
        return checked
    new = checked.value.isoformat() if field == "start" else checked.value
    cls = await ctx.session.get(TrainingClass, int(data["id"]))
    if cls is None or cls.status == "cancelled":
        return Parsed(new, done=True)  # apply_change says why not
    tz = ctx.config.timezone
    before, after = _before_after(cls, field, new, tz)
    people = await roster(ctx.session, cls.id)
    waiting = sum(1 for e, _ in people if e.status == "waiting")
    deadline = cls.deadline_at
    if field == "start":
        deadline = _moved_deadline(cls, datetime.fromisoformat(str(new)))
    data["_preview"] = {
        "title": cls.title,
        "before": before,
        "after": after,
        "told": len(people),
        # Seats are never taken back: a smaller class only sends later enrolments to wait.
        "promoted": min(waiting, max(0, int(new) - cls.seats_taken)) if field == "capacity" else 0,
        "deadline": local_time(deadline, tz, ctx.lang) if deadline != cls.deadline_at else "",
    }
    return Parsed(new)


def ask_to_confirm(ctx: Ctx, data: Data) -> Reply:
    """The change as it will be made, and who will be told, before anyone is."""
    preview = data["_preview"]
    what = label(f"cls_field_{data['field']}", ctx.lang)
    lines = [
        t(
            "cls_edit_confirm",
            ctx.lang,
            what=what,
            title=preview["title"],
            before=preview["before"],
            after=preview["after"],
        )
    ]
    if preview["deadline"]:
        lines.append(t("cls_edit_confirm_deadline", ctx.lang, deadline=preview["deadline"]))
    if data["field"] == "capacity":
        lines.append(t("cls_edit_confirm_capacity", ctx.lang, n=preview["promoted"]))
    else:
        lines.append(t("cls_edit_confirm_tell", ctx.lang, n=preview["told"]))
    yes = choice("yes", label("btn_confirm", ctx.lang))
    again = choice("no", label("btn_wrong", ctx.lang))
    return Reply("\n".join(lines), buttons=((yes, again),))


async def read_confirmation(
    event: InboundEvent, value: str | None, ctx: Ctx, data: Data
) -> Parsed:
    if value == "yes" or typed_yes(event.text):
        return Parsed(done=True)
    if value == "no":
        return Parsed(goto="value")
    return Parsed(error="reg_bad_choice")


def _before_after(cls: TrainingClass, field: str, new: object, tz: str) -> tuple[str, str]:
    """The old and new value as people read them (times in Vietnamese: the message about
    them goes to everyone in the class at once)."""
    if field == "start":
        return local_time(cls.starts_at, tz), local_time(datetime.fromisoformat(str(new)), tz)
    if field == "place":
        return cls.place or cls.online_link, str(new)
    if field == "duration":
        return str(cls.duration_minutes), str(new)
    return str(cls.capacity), str(new)


def _moved_deadline(cls: TrainingClass, starts_at: datetime) -> datetime:
    """A class moved later keeps the same time between its enrolment deadline and its start;
    one moved earlier keeps its deadline, unless that is now after the start."""
    moved = starts_at - cls.starts_at
    if moved > timedelta(0):
        return min(cls.deadline_at + moved, starts_at)
    return min(cls.deadline_at, starts_at)


async def apply_change(ctx: Ctx, data: Data) -> list[Reply]:
    """Save the new value and tell everyone enrolled or waiting, in one message each."""
    await clear_form(ctx.session, ctx.user.id)
    cls = await ctx.session.get(TrainingClass, int(data["id"]))
    if cls is None:
        return [Reply(t("cls_not_found", ctx.lang))]
    if cls.status == "cancelled":  # by someone else, while this change waited for confirmation
        return [Reply(t("cls_edit_cancelled", ctx.lang, title=cls.title))]
    field, new, tz = data["field"], data["value"], ctx.config.timezone
    before, after = _before_after(cls, field, new, tz)
    promoted: list[Enrolment] = []
    if field == "start":
        starts_at = datetime.fromisoformat(new)
        cls.deadline_at = _moved_deadline(cls, starts_at)
        cls.starts_at = starts_at
    elif field == "place":
        if new.startswith(("http://", "https://")):
            cls.online_link = new
        else:
            cls.place = new
    elif field == "duration":
        cls.duration_minutes = new
    else:
        promoted = await grow_capacity(ctx.session, cls, int(new), ctx.now)
    cls.updated_at = ctx.now
    await ctx.session.flush()
    # Reminders carry the time and place: rebuild them for everyone now enrolled.
    await cancel_for(ctx.session, cls.id)
    for enrolment, person in await roster(ctx.session, cls.id):
        if enrolment.status == "enrolled":
            await schedule_reminders(ctx, cls, person)
    await audit.record(
        ctx.session,
        actor=ctx.actor,
        action=f"class_change_{field}",
        target=str(cls.id),
        detail=f"{before} → {after}",
    )
    what = label(f"cls_field_{field}", ctx.lang)
    told = (
        await tell_everyone(ctx, cls, "cls_told_changed", what=what, before=before, after=after)
        if field != "capacity"
        else []
    )
    for enrolment in promoted:
        user = next(
            (u for e, u in await roster(ctx.session, cls.id) if e.id == enrolment.id), None
        )
        if user is not None:
            told.append(
                Reply(
                    t("cls_promoted", user.language, title=cls.title),
                    chat_id=user.chat_id,
                    channel=user.channel,
                )
            )
    return [
        Reply(t("cls_changed", ctx.lang, what=what, before=before, after=after, n=len(told))),
        *told,
    ]


EDIT_FORM = Form(
    "class_edit",
    (
        Step("value", ask_new_value, read_new_value),
        Step("confirm", ask_to_confirm, read_confirmation, keep=False),
    ),
    apply_change,
    show_back=False,
)
