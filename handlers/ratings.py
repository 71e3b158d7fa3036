"""Rating the bot's answers: each question answered (or not confidently) is logged, an answer
carries 👍/👎 buttons, and a 👎 can send the question on to staff with the answer it got.

Button payloads: `rate:up:<id>`, `rate:down:<id>`, `rate:send:<id>`, where <id> is the
asked_questions row logged with the answer (under 30 bytes)."""

from __future__ import annotations

from handlers.ids import as_id
from handlers.staff_questions import staff_chat_replies
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.kb import Entry
from storage.asked_questions import log_question, rate
from storage.questions import send_low_rated


def rating_row(asked_id: int, lang: str) -> tuple[Button, ...]:
    """«👍 Hữu ích» «👎 Chưa đúng» under an answer."""
    return (
        Button(label("btn_rate_up", lang), f"rate:up:{asked_id}"),
        Button(label("btn_rate_down", lang), f"rate:down:{asked_id}"),
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


async def rate_answer(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """👍/👎 under an answer, and «send to staff» after a 👎: only the asker's own press counts."""
    verb = args[0] if args else ""
    asked_id = as_id(args[1]) if len(args) == 2 else None
    if verb not in ("up", "down", "send") or asked_id is None:
        return [Reply(t("qa_rate_gone", ctx.lang))]
    # «Send to staff» says the answer was not right: a 👎 too, if it had become a 👍 since.
    row = await rate(ctx.session, asked_id, ctx.user.id, "up" if verb == "up" else "down", ctx.now)
    if row is None:  # someone else's answer, a made-up id, or an unsure reply's
        return [Reply(t("qa_rate_gone", ctx.lang))]
    if verb == "up":
        return [Reply(t("qa_rated_up", ctx.lang))]
    if verb == "down":
        send = Button(label("btn_send_to_staff", ctx.lang), f"rate:send:{row.id}")
        return [Reply(t("qa_rated_down", ctx.lang), buttons=((send,),))]
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
