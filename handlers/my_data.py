"""What the bot stores about me (/toi) and deleting it (/xoadulieu), per Nghị định 13/2023."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.classes.farmer import leave_class
from handlers.payloads import Payload, Tail
from handlers.registration.fields import display_phone
from handlers.routing import FeatureRouter, Route
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import LANGUAGE_NAMES, label, t
from messages.locations import place_name
from storage.classes import active_enrolments
from storage.models import TrainingClass
from storage.users import delete_user_data, what_is_kept


class DeleteYes(Payload, prefix="del", verb="yes"):
    pass


class DeleteNo(Payload, prefix="del", verb="no"):
    pass


class DeleteOther(Payload, prefix="del"):
    """Anything but «yes» keeps the data."""

    rest: Tail | None = None


async def show_my_data(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/toi: everything the bot keeps about the user, in their own chat only."""
    u, lang = ctx.user, ctx.lang
    none = t("none_value", lang)
    tz = ZoneInfo(ctx.config.timezone)
    text = t(
        "my_data",
        lang,
        channel=u.channel,
        external_id=u.external_id,
        name=u.full_name or u.display_name or none,
        phone=display_phone(u.phone) if u.phone else none,
        province=place_name(u.province_code) or none,
        commune=place_name(u.commune_code, u.province_code) or none,
        language=LANGUAGE_NAMES.get(u.language, u.language),
        subscribed=t("yes_value" if u.subscribed else "no_value", lang),
        consent=u.consent_at.astimezone(tz).strftime("%d/%m/%Y %H:%M") if u.consent_at else none,
        created=u.created_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
        **await what_is_kept(ctx.session, u.id),
    )
    return [Reply(text)]


async def ask_to_confirm_deletion(
    event: InboundEvent, *, ctx: Ctx, args: list[str]
) -> list[Reply]:
    """/xoadulieu: ask for confirmation before deleting anything."""
    buttons = (
        (
            DeleteYes().button(label("btn_yes_delete", ctx.lang)),
            DeleteNo().button(label("btn_no", ctx.lang)),
        ),
    )
    return [Reply(t("confirm_delete", ctx.lang), buttons=buttons)]


async def delete_my_data(button: DeleteYes, *, ctx: Ctx) -> list[Reply]:
    """«Có, xoá»: delete every row about the user."""
    replies = await free_my_seats(ctx)
    await delete_user_data(ctx.session, ctx.user)
    ctx.extras["user_deleted"] = True
    return [Reply(t("data_deleted", ctx.lang)), *replies]


async def keep_my_data(button: DeleteNo | DeleteOther, *, ctx: Ctx) -> list[Reply]:
    """«Không»: nothing is deleted."""
    return [Reply(t("delete_kept", ctx.lang))]


async def free_my_seats(ctx: Ctx) -> list[Reply]:
    """Leave every class properly, so each freed seat passes to the next person waiting."""
    notices: list[Reply] = []
    for enrolment in await active_enrolments(ctx.session, ctx.user.id):
        cls = await ctx.session.get(TrainingClass, enrolment.class_id)
        if cls is not None:
            notices += [r for r in await leave_class(ctx, cls) if r.chat_id]
    return notices


ROUTER = FeatureRouter(
    "my_data",
    routes=(
        Route("my_data", show_my_data, ("toi",), menu_description="cmd_toi", beside_dialog=True),
        Route(
            "delete_data",
            ask_to_confirm_deletion,
            ("xoadulieu",),
            menu_description="cmd_xoadulieu",
        ),
        Route.press("confirm_delete", DeleteYes, delete_my_data),
        Route.press("keep_data", DeleteNo, keep_my_data),
        Route.press("keep_data_other", DeleteOther, keep_my_data),
    ),
)
