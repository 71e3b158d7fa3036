"""People's side of classes: browse, open from a deep link, enrol (waiting list when full),
my classes, leave (the first person waiting gets the seat), add to calendar."""

from __future__ import annotations

from typing import NamedTuple

from handlers import forms
from handlers.classes.buttons import (
    ClassCalendar,
    ClassGone,
    Enrol,
    FilterClasses,
    Leave,
    LeaveConfirmed,
    ShowClass,
    Stay,
)
from handlers.classes.reminders import cancel_for, schedule_for
from handlers.classes.view import TOPICS, describe, ics, leave_button
from handlers.forms import Data, Form, Parsed, Step, choice
from handlers.ids import as_id
from handlers.main_menu import MenuClasses
from handlers.registration.fields import clean_name, normalise_phone
from handlers.routing import DeepLink, FeatureRouter, Route
from handlers.types import Attachment, Button, Ctx, InboundEvent, Reply
from messages.i18n import Markup, label, t
from messages.textnorm import fold, words
from storage.classes import (
    cancel_enrolment,
    enrol,
    enrolment_of,
    enrolment_shut,
    of_user,
    upcoming,
)
from storage.forms import clear_form
from storage.models import Enrolment, TrainingClass, User

PAGE = 5


async def schedule_reminders(ctx: Ctx, cls: TrainingClass, user: User) -> None:
    await schedule_for(
        ctx.session,
        cls,
        user,
        now=ctx.now,
        tz=ctx.config.timezone,
        offsets=ctx.config.class_reminders,
    )


def class_buttons(
    cls: TrainingClass, lang: str, place: str | None = None, *, open_: bool = True
) -> tuple[tuple[Button, ...], ...]:
    """Enrol while enrolment is `open_`, or give the seat back when the person holds one
    (`place`: enrolled, waiting); a cancelled class has no buttons."""
    if cls.status == "cancelled":
        return ()
    calendar = ClassCalendar(cls.id).button(label("btn_calendar", lang))
    if place:
        return ((leave_button(cls.id, lang), calendar),)
    if not open_:
        return ((calendar,),)
    # A full class: pressing it puts the person on the waiting list, so it says that first.
    key = "btn_join_waiting" if cls.seats_taken >= cls.capacity else "btn_enrol"
    return ((Enrol(cls.id).button(label(key, lang, id=cls.id)), calendar),)


async def _places(ctx: Ctx) -> dict[int, str]:
    """Class id → 'enrolled' or 'waiting', for the upcoming classes the person is in."""
    return {cls.id: e.status for e, cls in await of_user(ctx.session, ctx.user.id, ctx.now)}


def _card(cls: TrainingClass, ctx: Ctx, place: str | None, *, full: bool) -> Reply:
    """A class as listed to a person: offering to enrol someone already in it puzzled them."""
    text: str = describe(cls, ctx, full=full)
    if place:
        text += "\n" + t(f"cls_place_{place}", ctx.lang)  # both markup already
    shut = enrolment_shut(cls, ctx.now)
    return Reply(Markup(text), buttons=class_buttons(cls, ctx.lang, place, open_=shut is None))


def _topic_names(tp: str) -> list[str]:
    """How a topic may be typed: its key, with spaces, or its label in either language."""
    names = {tp, tp.replace("_", " "), label(f"topic_{tp}", "vi"), label(f"topic_{tp}", "en")}
    return sorted((" ".join(words(n)) for n in names), key=len, reverse=True)


class ClassFilters(NamedTuple):
    mine: bool  # the person's own province only
    topic: str | None
    unknown: str  # what was typed and not understood, folded
    more_topics: bool = False  # a second topic was typed: one at a time


# Only when nothing else is left: 'tinh' alone is "my province", in 'ha tinh' it is a name.
MY_PROVINCE = frozenset({"tinh", "tinh toi", "tinh cua toi", "mine", "my province"})


def read_class_filters(args: list[str]) -> ClassFilters:
    """'/lophoc tinh ke toan' → my province, topic 'ke_toan', nothing left over."""
    rest = " " + " ".join(words(" ".join(args))) + " "
    found: list[str] = []
    for tp in TOPICS:
        name = next((n for n in _topic_names(tp) if f" {n} " in rest), None)
        if name is not None:
            found.append(tp)
            rest = rest.replace(f" {name} ", " ", 1)
    rest = rest.strip()
    mine = rest in MY_PROVINCE
    return ClassFilters(
        mine, found[0] if found else None, "" if mine else rest, more_topics=len(found) > 1
    )


async def list_upcoming_classes(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/lophoc [tinh] [chủ đề] or the menu button: upcoming classes, nearest first."""
    return await _upcoming(ctx, args)


async def filter_classes(button: FilterClasses, *, ctx: Ctx) -> list[Reply]:
    """A filter under the list of classes: my province, or a topic."""
    return await _upcoming(ctx, button.filter.split(":") if button.filter else [])


async def _upcoming(ctx: Ctx, args: list[str]) -> list[Reply]:
    mine, topic, unknown, more_topics = read_class_filters(args)
    province = ctx.user.province_code if mine else None
    rows = await upcoming(ctx.session, ctx.now, province=province, topic=topic, limit=PAGE)
    filters = (
        [FilterClasses("tinh").button(label("btn_my_province", ctx.lang))]
        if (ctx.user.province_code and not mine)
        else []
    )
    filters += [
        FilterClasses(tp).button(label(f"topic_{tp}", ctx.lang)) for tp in TOPICS if tp != topic
    ]
    filter_rows = tuple(tuple(filters[i : i + 3]) for i in range(0, len(filters), 3))
    # A filter not understood is said, not ignored: otherwise the list looks filtered.
    note = [Reply(t("cls_filter_unknown", ctx.lang, typed=unknown[:40]))] if unknown else []
    if more_topics and topic is not None:
        note.append(Reply(t("cls_one_topic", ctx.lang, topic=label(f"topic_{topic}", ctx.lang))))
    if mine and not ctx.user.province_code:
        note.append(Reply(t("cls_no_province", ctx.lang)))
    if not rows:
        return [*note, Reply(t("cls_none", ctx.lang), buttons=filter_rows)]
    places = await _places(ctx)
    replies = note + [_card(c, ctx, places.get(c.id), full=False) for c in rows]
    replies.append(Reply(t("cls_filters", ctx.lang), buttons=filter_rows))
    return replies


async def show_class(ctx: Ctx, class_id: int) -> list[Reply]:
    cls = await ctx.session.get(TrainingClass, class_id)
    if cls is None or cls.status == "draft":
        return [Reply(t("cls_not_found", ctx.lang))]
    return [_card(cls, ctx, (await _places(ctx)).get(cls.id), full=True)]


async def _take_seat(ctx: Ctx, cls: TrainingClass) -> list[Reply]:
    result = await enrol(ctx.session, cls, ctx.user, ctx.now)
    if result.status == "enrolled":
        await schedule_reminders(ctx, cls, ctx.user)
    key = {
        "enrolled": "cls_enrolled",
        "waiting": "cls_waiting",
        # Already in, or already waiting (with a place in the queue).
        "already": "cls_already_waiting" if result.position else "cls_already",
        "closed": "cls_closed",
        "cancelled_class": "cls_is_cancelled",
    }[result.status]
    return [
        Reply(
            t(key, ctx.lang, title=cls.title, position=result.position),
            buttons=((ClassCalendar(cls.id).button(label("btn_calendar", ctx.lang)),),)
            if result.status == "enrolled" or (result.status == "already" and not result.position)
            else (),
        )
    ]


def ask_name(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("cls_ask_name", ctx.lang))


async def read_name(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    name = clean_name(event.text or "")
    if not name:
        return Parsed(error="reg_bad_name")
    return Parsed(name)


def ask_phone(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_phone", ctx.lang),
        request_contact=True,
        buttons=((Button(label("btn_share_phone", ctx.lang)),),),
    )


async def read_phone(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    typed = event.contact_phone or event.text or ""
    phone = normalise_phone(typed)
    return Parsed(phone) if phone else Parsed(error="reg_bad_phone", params={"phone": typed})


def ask_consent(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("cls_ask_consent", ctx.lang),
        buttons=(
            (
                choice("yes", label("btn_consent_yes", ctx.lang)),
                choice("no", label("btn_consent_no", ctx.lang)),
            ),
        ),
    )


async def read_consent(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    answer = value or {"dong y": "yes", "khong": "no"}.get(fold(event.text or "").strip())
    if answer not in ("yes", "no"):
        return Parsed(error="reg_bad_choice")
    return Parsed(answer == "yes", done=True)


async def finish_enrolment(ctx: Ctx, data: Data) -> list[Reply]:
    await clear_form(ctx.session, ctx.user.id)
    if not data.get("consent"):
        return [Reply(t("cls_no_consent", ctx.lang))]
    user: User = ctx.user
    user.full_name = data.get("full_name") or user.full_name
    user.phone = data.get("phone") or user.phone
    user.consent_at = ctx.now
    cls = await ctx.session.get(TrainingClass, int(data["class_id"]))
    if cls is None:
        return [Reply(t("cls_not_found", ctx.lang))]
    return await _take_seat(ctx, cls)


ENROL_FORM = Form(
    "class_enrolment",
    (
        Step("full_name", ask_name, read_name),
        Step("phone", ask_phone, read_phone),
        Step("consent", ask_consent, read_consent),
    ),
    finish_enrolment,
    show_back=False,
)


async def _open_class(ctx: Ctx, class_id: int) -> TrainingClass | None:
    """A class people may see (not a draft), or None."""
    cls = await ctx.session.get(TrainingClass, class_id) if class_id else None
    return None if cls is None or cls.status == "draft" else cls


def _not_found(ctx: Ctx) -> list[Reply]:
    return [Reply(t("cls_not_found", ctx.lang))]


async def class_gone(button: ClassGone, *, ctx: Ctx) -> list[Reply]:
    """A class button that is not one: no such class."""
    return _not_found(ctx)


async def open_class(button: ShowClass, *, ctx: Ctx) -> list[Reply]:
    """A class's button: its card."""
    if (cls := await _open_class(ctx, button.class_id)) is None:
        return _not_found(ctx)
    return await show_class(ctx, cls.id)


async def open_class_link(ctx: Ctx, rest: str) -> list[Reply]:
    """`/start lop_12` (a class's link or QR code): that class's card."""
    return await show_class(ctx, as_id(rest) or 0)


async def send_calendar_file(button: ClassCalendar, *, ctx: Ctx) -> list[Reply]:
    """«Thêm vào lịch»: the class as an .ics file."""
    if (cls := await _open_class(ctx, button.class_id)) is None:
        return _not_found(ctx)
    return [
        Reply(
            t("cls_ics", ctx.lang, title=cls.title),
            document=Attachment(f"lop-{cls.id}.ics", ics(cls), "text/calendar"),
        )
    ]


async def enrol_in_class(button: Enrol, *, ctx: Ctx) -> list[Reply]:
    """«Đăng ký học»: a seat, or a place on the waiting list; name and phone asked if new."""
    if (cls := await _open_class(ctx, button.class_id)) is None:
        return _not_found(ctx)
    if shut := enrolment_shut(cls, ctx.now):  # before asking anyone for their details
        key = "cls_is_cancelled" if shut == "cancelled_class" else "cls_closed"
        return [Reply(t(key, ctx.lang, title=cls.title))]
    # Name and phone are asked only of people the bot has no phone number for yet.
    if ctx.user.consent_at is None or not ctx.user.phone:
        first = "consent" if ctx.user.phone else "full_name"
        return await forms.ask(ENROL_FORM, first, ctx, {"class_id": cls.id})
    return await _take_seat(ctx, cls)


async def _my_place(ctx: Ctx, cls: TrainingClass) -> Enrolment | None:
    """The person's seat or waiting place in the class, if they hold one."""
    mine = await enrolment_of(ctx.session, cls.id, ctx.user.id)
    return mine if mine is not None and mine.status in ("enrolled", "waiting") else None


async def ask_to_leave(button: Leave, *, ctx: Ctx) -> list[Reply]:
    """«Tôi không đi được»: asks first, since the seat passes at once to the next waiting."""
    if (cls := await _open_class(ctx, button.class_id)) is None:
        return _not_found(ctx)
    if (mine := await _my_place(ctx, cls)) is None:
        return [Reply(t("cls_not_enrolled", ctx.lang))]
    key = "cls_leave_confirm" if mine.status == "enrolled" else "cls_leave_confirm_waiting"
    return [
        Reply(
            t(key, ctx.lang, title=cls.title),
            buttons=(
                (
                    LeaveConfirmed(cls.id).button(label("btn_leave_yes", ctx.lang)),
                    Stay(cls.id).button(label("btn_leave_no", ctx.lang)),
                ),
            ),
        )
    ]


async def stay_in_class(button: Stay, *, ctx: Ctx) -> list[Reply]:
    """«Không, tôi vẫn đi»: the seat is kept."""
    if (cls := await _open_class(ctx, button.class_id)) is None:
        return _not_found(ctx)
    if await _my_place(ctx, cls) is None:
        return [Reply(t("cls_not_enrolled", ctx.lang))]
    return [Reply(t("cls_leave_kept", ctx.lang, title=cls.title))]


async def leave(button: LeaveConfirmed, *, ctx: Ctx) -> list[Reply]:
    """Leaving confirmed: the seat goes back, to the first person waiting if any."""
    if (cls := await _open_class(ctx, button.class_id)) is None:
        return _not_found(ctx)
    return await leave_class(ctx, cls)


async def leave_class(ctx: Ctx, cls: TrainingClass) -> list[Reply]:
    if (mine := await _my_place(ctx, cls)) is None:
        return [Reply(t("cls_not_enrolled", ctx.lang))]
    promoted = await cancel_enrolment(ctx.session, mine, ctx.now)
    await cancel_for(ctx.session, cls.id, ctx.user.id)
    replies = [Reply(t("cls_left", ctx.lang, title=cls.title))]
    if promoted is not None:
        lucky = await ctx.session.get(User, promoted.user_id)
        if lucky is not None:
            await schedule_reminders(ctx, cls, lucky)
            replies.append(
                Reply(
                    t("cls_promoted", lucky.language, title=cls.title),
                    chat_id=lucky.chat_id,
                    channel=lucky.channel,
                )
            )
    return replies


async def list_my_classes(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/lopcuatoi: my upcoming classes (and waiting places), each with a leave button."""
    rows = await of_user(ctx.session, ctx.user.id, ctx.now)
    if not rows:
        return [Reply(t("cls_mine_none", ctx.lang))]
    replies = []
    for enrolment, cls in rows:
        state = (
            t("cls_state_enrolled", ctx.lang)
            if enrolment.status == "enrolled"
            else t("cls_state_waiting", ctx.lang)
        )
        replies.append(
            Reply(
                describe(cls, ctx, full=False) + "\n" + state,
                buttons=(
                    (
                        Leave(cls.id).button(label("btn_leave", ctx.lang)),
                        ClassCalendar(cls.id).button(label("btn_calendar", ctx.lang)),
                    ),
                ),
            )
        )
    return replies


ROUTER = FeatureRouter(
    "classes",
    routes=(
        Route(
            "classes",
            list_upcoming_classes,
            ("lophoc",),
            menu_description="cmd_lophoc",
            beside_dialog=True,
        ),
        Route(
            "my_classes",
            list_my_classes,
            ("lopcuatoi",),
            menu_description="cmd_lopcuatoi",
            beside_dialog=True,
        ),
        Route("menu_classes", list_upcoming_classes, button=MenuClasses),
        Route.press("class_list", FilterClasses, filter_classes),
        Route.press("class_show", ShowClass, open_class),
        Route.press("class_ics", ClassCalendar, send_calendar_file),
        Route.press("class_enrol", Enrol, enrol_in_class),
        Route.press("class_leave", Leave, ask_to_leave),
        Route.press("class_leave_no", Stay, stay_in_class),
        Route.press("class_leave_yes", LeaveConfirmed, leave),
        Route.press("class_gone", ClassGone, class_gone),
    ),
    forms=(ENROL_FORM,),
    # `/start lop_12` (a class's deep link or QR code) opens that class.
    deep_links=(DeepLink("lop_", open_class_link),),
)
