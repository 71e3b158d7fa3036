"""Staff answer the questions the bot could not (/cauhoimoi, /traloi), and publish them as FAQ."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.ids import as_id
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.kb import Entry
from storage import audit
from storage.models import Question
from storage.questions import answer_question, open_questions, publish_answer


def staff_answer_entry(question: Question) -> Entry:
    """A published staff answer as a knowledge-base entry (kept in the database, not YAML)."""
    return Entry(
        id=f"staff-{question.id}",
        kind="faq",
        title=question.text,
        text=question.answer or "",
        citations=(),
        questions=(question.text,),
        file="database",
    )


async def list_open_questions(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/cauhoimoi: questions waiting for a staff answer, oldest first."""
    rows = await open_questions(ctx.session)
    if not rows:
        return [Reply(t("qa_open_list_empty", ctx.lang))]
    tz = ZoneInfo(ctx.config.timezone)
    lines = [t("qa_open_list_header", ctx.lang, count=len(rows))]
    for q in rows:
        when = (q.sent_at or q.created_at).astimezone(tz).strftime("%d/%m %H:%M")
        lines.append(t("qa_open_list_item", ctx.lang, ref=q.id, date=when, text=q.text[:200]))
    return [Reply("\n".join(lines))]


async def answer_open_question(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/traloi <mã> <trả lời>: the answer goes to the asker; staff may then save it as FAQ."""
    parts = (event.text or "").split(maxsplit=2)
    number = as_id(parts[1]) if len(parts) == 3 else None
    if number is None or not parts[2].strip():
        return [Reply(t("qa_answer_usage", ctx.lang))]
    qid, answer = number, parts[2].strip()
    found = await answer_question(ctx.session, qid, answer, ctx.actor, ctx.now)
    if found is None:
        return [Reply(t("qa_question_not_found", ctx.lang, ref=parts[1]))]
    question, asker = found
    await audit.record(ctx.session, actor=ctx.actor, action="answer_question", target=str(qid))
    save = ((Button(label("btn_save_faq", ctx.lang), f"faq:save:{qid}"),),)
    return [
        Reply(
            t("qa_answer_to_asker", asker.language, question=question.text, answer=answer),
            chat_id=asker.chat_id,
            channel=asker.channel,
        ),
        Reply(t("qa_answer_delivered", ctx.lang, ref=qid), buttons=save),
    ]


async def publish_answer_as_faq(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """'Save as FAQ' button: the answer joins the knowledge base searched by everyone."""
    qid = (as_id(args[1]) if len(args) == 2 else None) or 0
    question = await publish_answer(ctx.session, qid) if qid else None
    if question is None:
        return [Reply(t("qa_question_not_found", ctx.lang, ref=qid))]
    await audit.record(ctx.session, actor=ctx.actor, action="publish_faq", target=str(qid))
    if ctx.qa is not None:
        ctx.qa.add_entries([staff_answer_entry(question)])
    return [Reply(t("qa_faq_saved", ctx.lang, ref=qid))]
