"""Rating the bot's answers: each question answered (or not confidently) is logged, an answer
carries 👍/👎 buttons, and a 👎 can send the question on to staff with the answer it got.

Button payloads: `rate:up:<id>`, `rate:down:<id>`, `rate:send:<id>`, where <id> is the
asked_questions row logged with the answer (under 30 bytes)."""

from __future__ import annotations

from handlers.payloads import Payload, Tail
from handlers.routing import FeatureRouter, Route
from handlers.staff_questions import staff_chat_replies
from handlers.types import Button, Ctx, Reply
from messages.i18n import label, t
from messages.kb import Entry
from storage.asked_questions import log_question, rate
from storage.questions import send_low_rated


class RateUp(Payload, prefix="rate", verb="up"):
    asked_id: int


class RateDown(Payload, prefix="rate", verb="down"):
    asked_id: int


class RateSend(Payload, prefix="rate", verb="send"):
    """«Gửi cho cán bộ» after a 👎."""

    asked_id: int


class RatingGone(Payload, prefix="rate"):
    """A rating button that reads as none of the above (forged, or cut short)."""

    rest: Tail | None = None


def rating_row(asked_id: int, lang: str) -> tuple[Button, ...]:
    """«👍 Hữu ích» «👎 Chưa đúng» under an answer."""
    return (
        RateUp(asked_id).button(label("btn_rate_up", lang)),
        RateDown(asked_id).button(label("btn_rate_down", lang)),
    )


async def log_answer(ctx: Ctx, entry: Entry, asked: str, via: str) -> int:
    """Log an answer shown from the knowledge base; returns the id its rating buttons carry."""
    row = await log_question(
        ctx.session,
        user_id=ctx.user.id,
        text=asked,
        entry_id=entry.id,
        confident=True,
        now=ctx.now,
        via=via,
    )
    return row.id


async def log_unsure(ctx: Ctx, query: str, suggested: list[Entry]) -> int:
    """Log a question the bot could not answer confidently, with its top suggestion if any:
    counted in /baocao, never rated; returns the id its «send to staff» button carries."""
    row = await log_question(
        ctx.session,
        user_id=ctx.user.id,
        text=query,
        entry_id=suggested[0].id if suggested else None,
        confident=False,
        now=ctx.now,
    )
    return row.id


async def rating_gone(button: RatingGone, *, ctx: Ctx) -> list[Reply]:
    """A rating button that is not one: nothing is rated."""
    return [Reply(t("qa_rate_gone", ctx.lang))]


async def rate_up(button: RateUp, *, ctx: Ctx) -> list[Reply]:
    """👍 under an answer: only the asker's own press counts."""
    row = await rate(ctx.session, button.asked_id, ctx.user.id, "up", ctx.now)
    if row is None:  # someone else's answer, a made-up id, or an unsure reply's
        return [Reply(t("qa_rate_gone", ctx.lang))]
    return [Reply(t("qa_rated_up", ctx.lang))]


async def rate_down(button: RateDown, *, ctx: Ctx) -> list[Reply]:
    """👎 under an answer: counted, and the question may then go on to staff."""
    row = await rate(ctx.session, button.asked_id, ctx.user.id, "down", ctx.now)
    if row is None:
        return [Reply(t("qa_rate_gone", ctx.lang))]
    send = RateSend(row.id).button(label("btn_send_to_staff", ctx.lang))
    return [Reply(t("qa_rated_down", ctx.lang), buttons=((send,),))]


async def send_low_rated_to_staff(button: RateSend, *, ctx: Ctx) -> list[Reply]:
    """«Send to staff» after a 👎: the question and the answer it got reach the staff chats."""
    # It says the answer was not right: a 👎 too, if it had become a 👍 since.
    row = await rate(ctx.session, button.asked_id, ctx.user.id, "down", ctx.now)
    if row is None:
        return [Reply(t("qa_rate_gone", ctx.lang))]
    question, new = await send_low_rated(ctx.session, row, ctx.user.id, ctx.now)
    replies = [Reply(t("qa_sent_to_staff", ctx.lang, ref=question.id))]
    if new:  # a second press tells staff nothing new
        entry = ctx.qa.get(row.entry_id or "") if ctx.qa else None
        notice = t(
            "qa_staff_low_rated",
            "vi",
            ref=question.id,
            asker=ctx.user.display_name or ctx.actor,
            text=row.text,
            entry=entry.title if entry else row.entry_id,
            entry_id=row.entry_id,
        )
        replies += staff_chat_replies(ctx, notice)
    return replies


ROUTER = FeatureRouter(
    "ratings",
    routes=(
        Route.press("qa_rate_up", RateUp, rate_up),
        Route.press("qa_rate_down", RateDown, rate_down),
        Route.press("qa_rate_send", RateSend, send_low_rated_to_staff),
        Route.press("qa_rate_gone", RatingGone, rating_gone),
    ),
)
