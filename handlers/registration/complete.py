"""What happens when the registration dialog ends: nothing stored without consent; otherwise
the row is written (the confirmation goes out only after the update's commit) and staff told."""

from __future__ import annotations

from handlers.forms import Data
from handlers.main_menu import menu_reply
from handlers.qa import ShowEntry
from handlers.registration import fields as f
from handlers.registration.staff import ClaimRegistration
from handlers.types import Button, Ctx, Reply
from messages.i18n import label, t
from messages.locations import place_name
from storage.forms import clear_form
from storage.models import Registration
from storage.registrations import (
    APPLICANT,
    create_registration,
    set_status,
    update_registration,
)

GUIDE_ENTRY = "faq-cac-buoc-thanh-lap-htx"


def claim_button(row: Registration) -> tuple[tuple[Button, ...], ...]:
    return ((ClaimRegistration(row.id).button(label("btn_claim", "vi")),),)


def staff_notice(ctx: Ctx, row: Registration) -> list[Reply]:
    """The new registration, to every staff chat, with a button to claim it."""
    text = t(
        "reg_staff_new",
        "vi",
        ref=row.ref,
        id=row.id,
        kind=label(f"kind_{row.kind}"),
        sector=label(f"sector_{row.sector}"),
        commune=place_name(row.commune_code, row.province_code),
        province=place_name(row.province_code),
        members=row.members_expected,
        support=", ".join(label(f"support_{s}") for s in row.support),
    )
    replies = []
    for ref in ctx.config.staff_chat_ids:
        channel, _, chat = ref.rpartition(":")
        replies.append(
            Reply(text, buttons=claim_button(row), chat_id=chat, channel=channel or None)
        )
    return replies


async def finish_registration(ctx: Ctx, data: Data) -> list[Reply]:
    session, lang = ctx.session, ctx.lang
    await clear_form(session, ctx.user.id)
    if data.get("consent") is not True:
        return [menu_reply(ctx, "reg_no_consent")]
    duplicate = data.get("_duplicate")
    choice = data.get("_duplicate_choice")
    if duplicate and choice == "keep":
        return [menu_reply(ctx, "reg_kept", ref=duplicate["ref"])]
    if duplicate and choice == "update":
        row = await session.get(Registration, duplicate["id"])
        if row is not None and row.user_id == ctx.user.id:
            update_registration(row, data, ctx.now)
            await set_status(
                session, row, row.status, actor=APPLICANT, note="cập nhật thông tin", now=ctx.now
            )
            return [menu_reply(ctx, "reg_updated", ref=row.ref)]
    row = await create_registration(session, user_id=ctx.user.id, data=data, now=ctx.now)
    user = ctx.user
    user.phone, user.consent_at = data["phone"], ctx.now
    user.full_name = data["full_name"]
    user.province_code, user.commune_code = data["province"], data.get("commune")
    call = label(f"call_{row.call_time}", lang) if row.call_time in f.CALL_TIMES else row.call_time
    done = Reply(
        t("reg_done", lang, ref=row.ref, call_time=call),
        buttons=((ShowEntry(GUIDE_ENTRY).button(label("btn_guide", lang)),),),
    )
    return [done, *staff_notice(ctx, row)]
