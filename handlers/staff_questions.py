"""Staff answer the questions the bot could not (/cauhoimoi, /traloi), and publish them as FAQ.

Buttons (staff only): `faq:save:<id>` asks the FAQ's title (the FAQ_TITLE_FORM dialog);
`faq:again:<id>:<mark>` / `faq:drop:<id>:<mark>` send or drop a further answer to an answered
question, kept on the question row until then; <mark> fingerprints that answer, so a button
left from an earlier /traloi cannot send a newer one."""

from __future__ import annotations

import zlib
from zoneinfo import ZoneInfo

from handlers import forms
from handlers.forms import Data, Form, Parsed, Step
from handlers.ids import as_id
from handlers.payloads import Payload, Tail
from handlers.routing import FeatureRouter, Route
from handlers.types import Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.kb import Entry
from messages.timefmt import local_time
from storage import audit
from storage.asked_questions import weekly_counts
from storage.forms import clear_form
from storage.models import Question
from storage.questions import (
    answer_question,
    hold_answer,
    open_low_rated,
    open_questions,
    publish_answer,
    publishable,
    release_answer,
)

TITLE_LENGTH = (5, 200)  # a title is a button's label and an answer's first line
REPORT_WEEKS = 8


class FaqSave(Payload, prefix="faq", verb="save"):
    question_id: int


class FaqAgain(Payload, prefix="faq", verb="again"):
    """Send a further answer, held on the question row; `mark` fingerprints that answer."""

    question_id: int
    mark: str


class FaqDrop(Payload, prefix="faq", verb="drop"):
    question_id: int
    mark: str


class FaqGone(Payload, prefix="faq"):
    """A button on an answered question that reads as none of the above."""

    rest: Tail | None = None


def staff_answer_entry(question: Question) -> Entry:
    """A published staff answer as a knowledge-base entry (kept in the database, not YAML),
    under the title staff gave it; the asker's words stay one of its questions for search."""
    return Entry(
        id=f"staff-{question.id}",
        kind="faq",
        title=question.title or question.text,
        text=question.answer or "",
        citations=(),
        questions=(question.text,),
        file="database",
    )


def staff_chat_replies(ctx: Ctx, text: str) -> list[Reply]:
    """The same notice to each staff chat (HTXBOT_STAFF_CHAT_IDS, `channel:chat`)."""
    replies = []
    for ref in ctx.config.staff_chat_ids:
        channel, _, chat = ref.rpartition(":")
        replies.append(Reply(text, chat_id=chat, channel=channel or None))
    return replies


async def list_open_questions(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/cauhoimoi: questions waiting for a staff answer, then answers rated 👎, oldest first."""
    rows = await open_questions(ctx.session)
    low = await open_low_rated(ctx.session)
    if not rows and not low:
        return [Reply(t("qa_open_list_empty", ctx.lang))]
    tz = ZoneInfo(ctx.config.timezone)
    lines: list[str] = []
    if rows:
        lines.append(t("qa_open_list_header", ctx.lang, count=len(rows)))
    for q in rows:
        when = (q.sent_at or q.created_at).astimezone(tz).strftime("%d/%m %H:%M")
        lines.append(t("qa_open_list_item", ctx.lang, ref=q.id, date=when, text=q.text[:200]))
    if low:
        lines += [""] if rows else []
        lines.append(t("qa_low_rated_header", ctx.lang, count=len(low)))
    for q, asked in low:
        when = (asked.rated_at or q.created_at).astimezone(tz).strftime("%d/%m %H:%M")
        entry = ctx.qa.get(asked.entry_id or "") if ctx.qa else None
        lines.append(
            t(
                "qa_low_rated_item",
                ctx.lang,
                ref=q.id,
                date=when,
                text=q.text[:200],
                entry=entry.title if entry else asked.entry_id,
                entry_id=asked.entry_id,
            )
        )
    return [Reply("\n".join(lines))]


def _mark(answer: str) -> str:
    """A fingerprint of a pending answer for its confirmation buttons (8 hex digits)."""
    return f"{zlib.crc32(answer.encode()):08x}"


async def answer_open_question(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/traloi <mã> <trả lời>: the answer goes to the asker; staff may then save it as FAQ. To
    a question already answered, it is sent only once confirmed."""
    parts = (event.text or "").split(maxsplit=2)
    number = as_id(parts[1]) if len(parts) == 3 else None
    if number is None or not parts[2].strip():
        return [Reply(t("qa_answer_usage", ctx.lang))]
    qid, answer = number, parts[2].strip()
    earlier = await ctx.session.get(Question, qid)
    if earlier is not None and earlier.status == "answered":
        # The asker has an answer already: a second one by mistake (or by a second staff
        # member) would puzzle them. Kept on the row, not in the buttons, until confirmed.
        await hold_answer(ctx.session, earlier, answer, ctx.actor)
        mark = _mark(answer)
        buttons = (
            (
                FaqAgain(qid, mark).button(label("btn_send_again", ctx.lang)),
                FaqDrop(qid, mark).button(label("btn_no", ctx.lang)),
            ),
        )
        when = local_time(earlier.answered_at or ctx.now, ctx.config.timezone, ctx.lang)
        text = t("qa_answer_again_confirm", ctx.lang, ref=qid, when=when, answer=answer)
        return [Reply(text, buttons=buttons)]
    found = await answer_question(ctx.session, qid, answer, ctx.actor, ctx.now)
    if found is None:
        return [Reply(t("qa_question_not_found", ctx.lang, ref=parts[1]))]
    question, asker = found
    await audit.record(ctx.session, actor=ctx.actor, action="answer_question", target=str(qid))
    return _delivered(ctx, question, asker.language, asker.chat_id, asker.channel, answer)


def _delivered(
    ctx: Ctx, question: Question, lang: str, chat_id: str, channel: str, answer: str
) -> list[Reply]:
    """The answer to its asker, and to staff the receipt (with «save as FAQ» until saved)."""
    save = (
        ()
        if question.published
        else ((FaqSave(question.id).button(label("btn_save_faq", ctx.lang)),),)
    )
    return [
        Reply(
            t("qa_answer_to_asker", lang, question=question.text, answer=answer),
            chat_id=chat_id,
            channel=channel,
        ),
        Reply(t("qa_answer_delivered", ctx.lang, ref=question.id), buttons=save),
    ]


async def faq_gone(button: FaqGone, *, ctx: Ctx) -> list[Reply]:
    """A button on an answered question that is not one: no such question."""
    return [Reply(t("qa_question_not_found", ctx.lang, ref="?"))]


async def send_answer_again(button: FaqAgain, *, ctx: Ctx) -> list[Reply]:
    """«Gửi tiếp»: the further answer held on an answered question goes to its asker."""
    question = await _held(ctx, button.question_id, button.mark)
    if question is None:
        return [Reply(t("qa_answer_again_stale", ctx.lang, ref=button.question_id or "?"))]
    released = await release_answer(ctx.session, question, ctx.now)
    if released is None:
        return [Reply(t("qa_question_not_found", ctx.lang, ref=question.id))]
    answer, asker = released
    await audit.record(
        ctx.session, actor=ctx.actor, action="answer_question_again", target=str(question.id)
    )
    return _delivered(ctx, question, asker.language, asker.chat_id, asker.channel, answer)


async def drop_answer_again(button: FaqDrop, *, ctx: Ctx) -> list[Reply]:
    """«Không»: the further answer held on an answered question is dropped."""
    question = await _held(ctx, button.question_id, button.mark)
    if question is None:
        return [Reply(t("qa_answer_again_stale", ctx.lang, ref=button.question_id or "?"))]
    question.pending_answer = question.pending_by = None
    return [Reply(t("qa_answer_again_dropped", ctx.lang, ref=question.id))]


async def _held(ctx: Ctx, qid: int, mark: str) -> Question | None:
    """The question holding this staff member's further answer, as the button saw it."""
    question = await ctx.session.get(Question, qid) if qid else None
    if (
        question is None
        or question.pending_answer is None
        or question.pending_by != ctx.actor  # the author decides on their own answer
        or _mark(question.pending_answer) != mark
    ):
        return None
    return question


async def publish_answer_as_faq(button: FaqSave, *, ctx: Ctx) -> list[Reply]:
    """'Save as FAQ' button: asks staff for the FAQ's title, then it joins the knowledge base."""
    qid = button.question_id
    question = await publishable(ctx.session, qid) if qid else None
    if question is None:
        already = await ctx.session.get(Question, qid) if qid else None
        if already is not None and already.published:
            return [Reply(t("qa_faq_already_saved", ctx.lang, ref=qid))]
        return [Reply(t("qa_question_not_found", ctx.lang, ref=qid))]
    return await forms.start(FAQ_TITLE_FORM, ctx, {"qid": qid, "question": question.text[:300]})


def ask_faq_title(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("qa_faq_ask_title", ctx.lang, ref=data["qid"], question=data["question"]))


async def read_faq_title(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    title = " ".join((event.text or "").split())
    shortest, longest = TITLE_LENGTH
    if not shortest <= len(title) <= longest or not any(c.isalpha() for c in title):
        return Parsed(error="qa_faq_title_invalid", params={"min": shortest, "max": longest})
    return Parsed(title, done=True)


async def save_faq(ctx: Ctx, data: Data) -> list[Reply]:
    await clear_form(ctx.session, ctx.user.id)
    qid, title = int(data["qid"]), str(data["title"])
    question = await publish_answer(ctx.session, qid, title)
    if question is None:  # published meanwhile by someone else, or gone
        return [Reply(t("qa_question_not_found", ctx.lang, ref=qid))]
    await audit.record(
        ctx.session, actor=ctx.actor, action="publish_faq", target=str(qid), detail=title
    )
    if ctx.qa is not None:
        ctx.qa.add_entries([staff_answer_entry(question)])
    return [Reply(t("qa_faq_saved", ctx.lang, ref=qid, title=title))]


FAQ_TITLE_FORM = Form(
    "faq_title",
    (Step("title", ask_faq_title, read_faq_title),),
    save_faq,
    show_back=False,
)


async def qa_report(ctx: Ctx) -> str:
    """/baocao's Q&A part: per ISO week, questions typed, answered confidently, rated 👍/👎."""
    weeks = await weekly_counts(ctx.session, ctx.now, ctx.config.timezone, REPORT_WEEKS)
    lang = ctx.lang
    head = (
        f"{label('qa_report_col_week', lang):<10}{label('qa_report_col_asked', lang):>6}"
        f"{label('qa_report_col_sure', lang):>6}  👍  👎"  # an emoji is two columns wide
    )
    rows = [
        f"{w.week:>2} {w.monday:%d/%m}  {w.asked:>6}{w.confident:>6}{w.up:>4}{w.down:>4}"
        for w in weeks
    ]
    table = "\n".join([head, *rows])
    return t("qa_report_header", lang, weeks=REPORT_WEEKS) + f"\n<pre>{table}</pre>"


STAFF_ROUTER = FeatureRouter(
    "staff_questions",
    routes=(
        Route(
            "open_questions",
            list_open_questions,
            ("cauhoimoi",),
            beside_dialog=True,
        ),
        Route("answer_question", answer_open_question, ("traloi",), takes_a_number=True),
        Route.press("faq_save", FaqSave, publish_answer_as_faq),
        Route.press("faq_again", FaqAgain, send_answer_again),
        Route.press("faq_drop", FaqDrop, drop_answer_again),
        Route.press("faq_gone", FaqGone, faq_gone),
    ),
    forms=(FAQ_TITLE_FORM,),
    staff_only=True,
)
