"""Staff promote and demote each other (/capquyen, /thuhoiquyen); every change is audited."""

from __future__ import annotations

from handlers.routing import FeatureRouter, Route
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import t
from storage import audit
from storage.users import add_role, find_user, remove_role


async def grant_staff_role(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/capquyen <user>: make another user staff and tell them."""
    if len(args) != 1:
        return [Reply(t("grant_usage", ctx.lang))]
    target = await find_user(ctx.session, ctx.user.channel, args[0])
    if target is None:
        return [Reply(t("user_not_found", ctx.lang, ref=args[0]))]
    ref = f"{target.channel}:{target.external_id}"
    if "staff" in target.role_set or ref in ctx.config.admins:
        return [Reply(t("role_already_staff", ctx.lang, name=target.display_name, ref=ref))]
    add_role(target, "staff")
    await audit.record(ctx.session, actor=ctx.actor, action="grant_staff", target=ref)
    replies = [Reply(t("role_granted", ctx.lang, name=target.display_name, ref=ref))]
    if target.channel == ctx.user.channel and target.id != ctx.user.id:
        replies.append(Reply(t("role_granted_notice", target.language), chat_id=target.chat_id))
    return replies


async def revoke_staff_role(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/thuhoiquyen <user>: take the staff role back (configured admins stay admins)."""
    if len(args) != 1:
        return [Reply(t("revoke_usage", ctx.lang))]
    target = await find_user(ctx.session, ctx.user.channel, args[0])
    if target is None:
        return [Reply(t("user_not_found", ctx.lang, ref=args[0]))]
    ref = f"{target.channel}:{target.external_id}"
    if ref in ctx.config.admins:
        return [Reply(t("role_revoke_admin", ctx.lang, ref=ref))]
    if "staff" not in target.role_set:
        return [Reply(t("role_not_staff", ctx.lang, name=target.display_name, ref=ref))]
    remove_role(target, "staff")
    await audit.record(ctx.session, actor=ctx.actor, action="revoke_staff", target=ref)
    return [Reply(t("role_revoked", ctx.lang, name=target.display_name, ref=ref))]


STAFF_ROUTER = FeatureRouter(
    "staff_roles",
    routes=(
        Route("grant_staff", grant_staff_role, ("capquyen",)),
        Route("revoke_staff", revoke_staff_role, ("thuhoiquyen",)),
    ),
    staff_only=True,
)
