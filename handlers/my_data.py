"""What the bot stores about me (/toi) and deleting it (/xoadulieu), per Nghị định 13/2023."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.classes.farmer import leave_class
from handlers.registration.fields import display_phone
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import LANGUAGE_NAMES, label, t
from messages.locations import place_name
from storage.classes import active_enrolments
from storage.models import TrainingClass
from storage.users import delete_user_data, what_is_kept


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
            Button(label("btn_yes_delete", ctx.lang), "del:yes"),
            Button(label("btn_no", ctx.lang), "del:no"),
        ),
    )
    return [Reply(t("confirm_delete", ctx.lang), buttons=buttons)]


async def delete_my_data_if_confirmed(
    event: InboundEvent, *, ctx: Ctx, args: list[str]
) -> list[Reply]:
    """Confirmation button: delete every row about the user, or keep them."""
    lang = ctx.lang
    if args[:1] != ["yes"]:
        return [Reply(t("delete_kept", lang))]
    replies = await free_my_seats(ctx)
    await delete_user_data(ctx.session, ctx.user)
    ctx.extras["user_deleted"] = True
    return [Reply(t("data_deleted", lang)), *replies]


async def free_my_seats(ctx: Ctx) -> list[Reply]:
    """Leave every class properly, so each freed seat passes to the next person waiting."""
    notices: list[Reply] = []
    for enrolment in await active_enrolments(ctx.session, ctx.user.id):
        cls = await ctx.session.get(TrainingClass, enrolment.class_id)
        if cls is not None:
            notices += [r for r in await leave_class(ctx, cls) if r.chat_id]
    return notices
