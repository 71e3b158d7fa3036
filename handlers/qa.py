"""Answering questions on the law and support policies, with citations."""

from __future__ import annotations

import dataclasses

from handlers.main_menu import MenuRegister, menu_button, menu_reply
from handlers.payloads import Payload, Tail
from handlers.ratings import log_answer, log_unsure, rating_row
from handlers.routing import FeatureRouter, Route
from handlers.staff_questions import staff_chat_replies
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.answers import entry_label, render_entry
from messages.i18n import label, t
from messages.kb import Entry
from messages.search import Answer
from messages.textnorm import words
from messages.timefmt import local_day
from storage.questions import send_unsure

MAX_RELATED = 3
# Small talk is not a question: answered with the menu, never offered to staff.
SMALL_TALK = frozenset(
    {
        "hi",
        "hello",
        "helo",
        "hey",
        "alo",
        "chao",
        "xin chao",
        "chao ban",
        "chao bot",
        "chao ad",
        "chao admin",
        "cam on",
        "cam on ban",
        "cam on nhieu",
        "thanks",
        "thank you",
        "ok",
        "oke",
        "okay",
        "vang",
        "da",
        "u",
        "uh",
        "test",
    }
)
_SOURCES_BY_YEAR = {"2012": "luat-htx-2012", "2023": "luat-htx-2023"}


class ShowEntry(Payload, prefix="qa"):
    """A related question under an answer: that knowledge-base entry (none: cut short)."""

    entry_id: Tail | None = None


class SendToStaff(Payload, prefix="ask", verb="staff"):
    """«Gửi cho cán bộ» under an unsure answer: the asked_questions row logged with it."""

    asked_id: int


class SendGone(Payload, prefix="ask"):
    """Any other «send» button: those of the drafts kept before (`ask:send:<draft>`)."""

    rest: Tail | None = None


def _quoted(query: str, limit: int = 160) -> str:
    """The question as repeated back: a long story is cut, not sent whole again."""
    return query if len(query) <= limit else query[: limit - 1].rstrip() + "…"


def offers_registration(query: str, answer: Answer) -> bool:
    """Whether the answer offers the Alliance's help to found one: the person wants to found a
    co-op, a group or a union ("tôi muốn lập hợp tác xã", a story of households that do)."""
    return answer.founding


def _entry_buttons(entries: list[Entry], lang: str = "vi") -> tuple[tuple[Button, ...], ...]:
    return tuple((ShowEntry(e.id).button(entry_label(e, lang=lang)),) for e in entries)


async def _answer_reply(
    ctx: Ctx,
    entry: Entry,
    related: list[Entry],
    *,
    asked: str = "",
    via: str = "typed",
    lang: str | None = None,
) -> Reply:
    """An entry's answer, logged (the question `asked`, how: `via`) with 👍/👎 buttons, in
    `lang` (the user's language unless the question was in another)."""
    lang = lang or ctx.lang
    text = render_entry(entry, lang, today=local_day(ctx.now, ctx.config.timezone))
    if related:
        text += "\n\n" + t("qa_related", lang)
    asked_id = await log_answer(ctx, entry, asked, via)
    return Reply(text, buttons=(*_entry_buttons(related, lang), rating_row(asked_id, lang)))


async def _answer(query: str, ctx: Ctx) -> list[Reply]:
    if ctx.qa is None:
        return [Reply(t("error_generic", ctx.lang))]
    if " ".join(words(query)) in SMALL_TALK:
        return [menu_reply(ctx)]
    if not any(c.isalpha() for c in query):
        # A number not on the list, emoji, punctuation: not a question to search, nor to pass
        # on to staff.
        typed = query if len(query) <= 40 else query[:39] + "…"
        return [menu_reply(ctx, "qa_need_words", typed=typed)]
    result: Answer = ctx.qa.search(query, top=1 + MAX_RELATED)
    entries = [h.entry for h in result.hits]
    lang = "en" if result.language == "en" else ctx.lang  # asked in English: answered so
    register = (MenuRegister().button(label("btn_register_interest", lang)),)
    if result.confident and entries:
        reply = await _answer_reply(ctx, entries[0], entries[1:], asked=query, lang=lang)
        if offers_registration(query, result):
            # The answer says how; the Alliance can also help them do it.
            reply = dataclasses.replace(reply, buttons=(register, *reply.buttons))
        return [reply]
    asked_id = await log_unsure(ctx, query, [] if result.off_topic else entries)
    if result.clarify:
        # Two different things the question does not tell apart: asking beats guessing.
        choices = _entry_buttons([h.entry for h in result.clarify], lang)
        return [Reply(t("qa_which_one", lang, query=_quoted(query)), buttons=choices)]
    send = (SendToStaff(asked_id).button(label("btn_send_to_staff", lang)),)
    if result.off_topic:
        # Entries that share a word with "giá lúa hôm nay" would only puzzle: say what the bot
        # answers instead. Staff may still help, so the question can go to them.
        menu = (menu_button(lang),)
        return [Reply(t("qa_off_topic", lang, query=_quoted(query)), buttons=(send, menu))]
    key = "qa_not_sure" if entries else "qa_no_match"
    rows = (*_entry_buttons(entries[:MAX_RELATED], lang), send)
    if offers_registration(query, result):
        rows = (register, *rows)
    return [Reply(t(key, lang, query=_quoted(query)), buttons=rows)]


async def answer_free_text(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """Any text outside a form: the best cited answer and related questions."""
    return await _answer(args[0] if args else "", ctx)


async def answer_question_command(
    event: InboundEvent, *, ctx: Ctx, args: list[str]
) -> list[Reply]:
    """/hoi <câu hỏi>: the same as typing the question."""
    if not args:
        return [Reply(t("qa_ask_usage", ctx.lang))]
    return await _answer(" ".join(args), ctx)


async def show_article(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/dieu 42 [2012|2023]: that article's plain-language entry."""
    numbers = [a for a in args if a.isdecimal()]
    if (
        ctx.qa is None
        or not numbers
        or len(numbers) > 2
        or not set(numbers[1:]) <= {*_SOURCES_BY_YEAR}
    ):
        return [Reply(t("qa_article_usage", ctx.lang))]  # '/dieu 17 2099' is not the 2023 law
    year = numbers[1] if len(numbers) == 2 else "2023"
    source = _SOURCES_BY_YEAR[year]
    article = int(numbers[0])
    entry = ctx.qa.lookup_article(source, article)
    if entry is None:
        return [
            Reply(t("qa_article_missing", ctx.lang, article=article, document=f"Luật HTX {year}"))
        ]
    return [await _answer_reply(ctx, entry, [], asked=event.text or "", via="article")]


async def show_entry_by_button(button: ShowEntry, *, ctx: Ctx) -> list[Reply]:
    """A 'related question' button: that entry's answer."""
    entry = ctx.qa.get(button.entry_id or "") if ctx.qa else None
    if entry is None:
        return [Reply(t("qa_entry_gone", ctx.lang))]
    return [await _answer_reply(ctx, entry, [], asked=entry.title, via="button")]


async def send_gone(button: SendGone, *, ctx: Ctx) -> list[Reply]:
    """A «send» button with nothing behind it any more: type the question again."""
    return [Reply(t("qa_send_expired", ctx.lang))]


async def send_question_to_staff(button: SendToStaff, *, ctx: Ctx) -> list[Reply]:
    """'Send my question to staff' button: the question goes to the staff chats, once."""
    asked_id = button.asked_id
    found = await send_unsure(ctx.session, asked_id, ctx.user.id, ctx.now) if asked_id else None
    if found is None:  # someone else's, anonymised, or a button of the drafts kept before
        return [Reply(t("qa_send_expired", ctx.lang))]
    sent, new = found
    replies = [Reply(t("qa_sent_to_staff", ctx.lang, ref=sent.id))]
    if not new:  # a second press tells staff nothing new
        return replies
    asker = ctx.user.display_name or ctx.actor
    notice = t("qa_staff_new_question", "vi", ref=sent.id, asker=asker, text=sent.text)
    return replies + staff_chat_replies(ctx, notice)


ROUTER = FeatureRouter(
    "qa",
    routes=(
        Route(
            "ask",
            answer_question_command,
            ("hoi",),
            menu_description="cmd_hoi",
            beside_dialog=True,
        ),
        Route(
            "article",
            show_article,
            ("dieu",),
            menu_description="cmd_dieu",
            beside_dialog=True,
            takes_a_number=True,
        ),
        Route.press("qa_entry", ShowEntry, show_entry_by_button),
        Route.press("qa_send", SendToStaff, send_question_to_staff),
        Route.press("qa_send_gone", SendGone, send_gone),
    ),
    free_text=Route("question", answer_free_text),
)
