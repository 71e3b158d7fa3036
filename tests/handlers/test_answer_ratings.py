"""Rating the bot's answers: 👍/👎 under every answer from the knowledge base, recorded only
for the asker; a 👎 sent on to staff with the answer it got (the staff chat, /cauhoimoi);
unsure questions logged without buttons; /baocao's weekly counts; /xoadulieu anonymises."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import HtxApp
from handlers.types import Reply
from storage.models import AskedQuestion, Question
from tests.conftest import ADMIN_ID, Chat, make_settings

CONFIDENT = "dieu kien thanh lap htx"
UNSURE = "htx trồng lúa có được cấp drone phun thuốc không"
STAFF_CHAT = "-100500"
NOW = datetime(2026, 12, 9, 3, 0, tzinfo=UTC)  # Wednesday 09/12 in Vietnam, ISO week 50


@pytest.fixture
async def app(tmp_path: Path, db_url: str) -> AsyncIterator[HtxApp]:
    """The app with a staff chat, on a fixed clock (the report's weeks depend on it)."""
    settings = make_settings(
        tmp_path, HTXBOT_DATABASE_URL=db_url, HTXBOT_STAFF_CHAT_IDS=STAFF_CHAT
    )
    application = HtxApp(settings, clock=lambda: NOW)
    await application.start()
    yield application
    await application.close()


def payloads(reply: Reply) -> list[str]:
    return [b.payload for row in reply.buttons for b in row]


def rating(reply: Reply) -> tuple[str, str]:
    """The reply's last row: 👍 and 👎, with their payloads."""
    up, down = reply.buttons[-1]
    assert (up.label, down.label) == ("👍 Hữu ích", "👎 Chưa đúng")
    return up.payload, down.payload


async def asked(app: HtxApp) -> list[AskedQuestion]:
    async with app.sessions() as s:
        return list(await s.scalars(select(AskedQuestion).order_by(AskedQuestion.id)))


async def test_an_answer_can_be_rated_and_the_rating_changed(app: HtxApp, chat: Chat):
    [answer] = await chat.say(CONFIDENT)
    up, down = rating(answer)
    [row] = await asked(app)
    assert (up, down) == (f"rate:up:{row.id}", f"rate:down:{row.id}")
    assert (row.text, row.via, row.confident, row.rating) == (CONFIDENT, "typed", True, None)
    entry = app.qa.get(row.entry_id or "") if app.qa else None
    assert entry is not None and answer.text.startswith(f"<b>{entry.title}</b>")

    [thanks] = await chat.press(up)
    assert "Cảm ơn bạn đã đánh giá" in thanks.text and not thanks.buttons
    assert [(r.rating, r.rated_at) for r in await asked(app)] == [("up", NOW)]

    [sorry] = await chat.press(down)  # a second press changes it
    assert "Cảm ơn bạn đã góp ý" in sorry.text
    assert payloads(sorry) == [f"rate:send:{row.id}"]
    assert sorry.buttons[0][0].label == "✉️ Gửi câu hỏi cho cán bộ"
    assert [r.rating for r in await asked(app)] == ["down"]


async def test_answers_by_button_and_by_article_are_rated_too(app: HtxApp, chat: Chat):
    [answer] = await chat.say(CONFIDENT)
    related = next(p for p in payloads(answer) if p.startswith("qa:"))
    [by_button] = await chat.press(related)
    [by_article] = await chat.say("/dieu 42")
    rows = await asked(app)
    assert [(r.via, r.entry_id) for r in rows] == [
        ("typed", rows[0].entry_id),
        ("button", related.removeprefix("qa:")),
        ("article", "luat-htx-2023-d42"),
    ]
    assert rating(by_button)[0] == f"rate:up:{rows[1].id}"
    assert rating(by_article)[1] == f"rate:down:{rows[2].id}"
    assert rows[2].text == "/dieu 42"


async def test_only_the_asker_can_rate_and_forged_presses_change_nothing(app: HtxApp, chat: Chat):
    [answer] = await chat.say(CONFIDENT)
    _, down = rating(answer)
    [row] = await asked(app)
    other = Chat(app, user_id="43")
    for who, pressed in (
        (other, down),
        (other, f"rate:send:{row.id}"),
        (chat, "rate:up:999999"),
        (chat, "rate:up:abc"),
        (chat, f"rate:sideways:{row.id}"),
        (chat, "rate:up"),
    ):
        replies = await who.press(pressed)
        assert [r.text for r in replies] == [
            "Mình không tìm thấy câu trả lời này để ghi đánh giá, nên không có gì thay đổi. "
            "Bạn gõ lại câu hỏi nhé."
        ], pressed
    assert [r.rating for r in await asked(app)] == [None]
    async with app.sessions() as s:
        assert list(await s.scalars(select(Question))) == []


async def test_unsure_questions_are_logged_without_rating_buttons(app: HtxApp, chat: Chat):
    [unsure] = await chat.say(UNSURE)
    assert not any(p.startswith("rate:") for p in payloads(unsure))
    [row] = await asked(app)
    assert (row.text, row.confident, row.rating) == (UNSURE, False, None)
    # Its top suggestion, the first of the buttons offered.
    assert f"qa:{row.entry_id}" == next(p for p in payloads(unsure) if p.startswith("qa:"))
    [gone] = await chat.press(f"rate:down:{row.id}")  # nothing to rate: it gave no answer
    assert "không tìm thấy câu trả lời này" in gone.text
    assert [r.rating for r in await asked(app)] == [None]


async def test_not_right_goes_to_staff_with_the_answer_it_got(app: HtxApp, chat: Chat):
    [answer] = await chat.say(CONFIDENT)
    _, down = rating(answer)
    [row] = await asked(app)
    assert app.qa is not None
    entry = app.qa.get(row.entry_id or "")
    assert entry is not None
    [offer] = await chat.press(down)
    [send] = payloads(offer)

    [sent, to_staff] = await chat.press(send)
    async with app.sessions() as s:
        [question] = list(await s.scalars(select(Question)))
    assert (question.status, question.asked_id, question.text) == ("open", row.id, CONFIDENT)
    assert f"mã {question.id}" in sent.text
    assert (to_staff.chat_id, to_staff.channel) == (STAFF_CHAT, "telegram")
    assert "bị đánh giá chưa đúng" in to_staff.text and CONFIDENT in to_staff.text
    assert entry.title in to_staff.text and f"<code>{entry.id}</code>" in to_staff.text
    assert f"/traloi {question.id}" in to_staff.text
    [again] = await chat.press(send)  # once is enough: staff hear of it once
    assert f"mã {question.id}" in again.text

    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    [listing] = await staff.say("/cauhoimoi")
    lines = listing.text.splitlines()
    assert lines[0] == "<b>Câu trả lời bị đánh giá chưa đúng</b> (1):"
    assert lines[1] == f"• <b>{question.id}</b> (09/12 10:00): <i>{CONFIDENT}</i>"
    assert lines[2] == f"   bot đã trả lời: {entry.title} (<code>{entry.id}</code>)"
    # Beside the plain unanswered questions, in their own section.
    [unsure] = await Chat(app, user_id="44").say(UNSURE)
    await Chat(app, user_id="44").press(next(p for p in payloads(unsure) if "ask:" in p))
    [listing] = await staff.say("/cauhoimoi")
    assert listing.text.startswith("<b>Câu hỏi chưa trả lời</b> (1):")
    assert "\n\n<b>Câu trả lời bị đánh giá chưa đúng</b> (1):" in listing.text
    # Answered, it leaves the list.
    await staff.say(f"/traloi {question.id} Cần ít nhất 05 thành viên chính thức.")
    [listing] = await staff.say("/cauhoimoi")
    assert "bị đánh giá chưa đúng" not in listing.text


def week_row(report: str, day: datetime) -> list[int]:
    """The numbers on the /baocao Q&A table's line for the week of `day`."""
    monday = day.date() - timedelta(days=day.weekday())
    label = f"{monday.isocalendar().week:>2} {monday:%d/%m}"
    table = report.split("<pre>")[1].split("</pre>")[0]
    [line] = [line for line in table.splitlines() if line.startswith(label)]
    return [int(n) for n in line[len(label) :].split()]


async def test_the_report_counts_each_weeks_questions_and_ratings(app: HtxApp, chat: Chat):
    for text in (CONFIDENT, "/dieu 42", UNSURE):
        [reply] = await chat.say(text)
        if text == CONFIDENT:
            await chat.press(rating(reply)[1])  # 👎
        if text == "/dieu 42":
            await chat.press(rating(reply)[0])  # 👍 (not a typed question, but rated)
    [first, *_] = await asked(app)
    async with app.sessions() as s:
        for created, confident in (
            (NOW - timedelta(weeks=2), True),  # two weeks ago: its own line
            (NOW - timedelta(weeks=9), True),  # before the eight weeks: not shown
            (datetime(2026, 12, 6, 18, 0, tzinfo=UTC), False),  # Monday 01:00 in Vietnam
        ):
            s.add(
                AskedQuestion(
                    user_id=first.user_id, text="x", confident=confident, created_at=created
                )
            )
        await s.commit()
    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    [report] = await staff.say("/baocao")
    assert "<b>Hỏi đáp 8 tuần gần nhất</b>" in report.text
    table = report.text.split("<pre>")[1].split("</pre>")[0].splitlines()
    assert table[0].split() == ["Tuần", "Hỏi", "Chắc", "👍", "👎"]
    assert len(table) == 1 + 8 and table[1].startswith("43 19/10")
    # asked (typed), answered confidently, 👍, 👎
    assert week_row(report.text, NOW) == [3, 1, 1, 1]
    assert week_row(report.text, NOW - timedelta(weeks=1)) == [0, 0, 0, 0]
    assert week_row(report.text, NOW - timedelta(weeks=2)) == [1, 1, 0, 0]


async def test_deleting_my_data_keeps_the_counts_but_not_me_nor_my_words(app: HtxApp, chat: Chat):
    [answer] = await chat.say(CONFIDENT)
    await chat.press(rating(answer)[1])
    await chat.say(UNSURE)
    [mine] = await chat.say("/toi")
    assert "câu hỏi đã hỏi bot: 2" in mine.text
    other = Chat(app, user_id="45")
    await other.say(CONFIDENT)
    await chat.say("/xoadulieu")
    await chat.press("del:yes")
    rows = await asked(app)
    assert [(r.text, r.rating, r.confident) for r in rows] == [
        ("", "down", True),
        ("", None, False),
        (CONFIDENT, None, True),
    ]
    assert rows[0].user_id is None and rows[1].user_id is None and rows[2].user_id is not None
    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    [report] = await staff.say("/baocao")
    assert week_row(report.text, NOW) == [3, 2, 0, 1]
    # Their old buttons no longer reach the anonymous rows, even once they come back.
    [gone] = await chat.press(rating(answer)[0])
    assert "không tìm thấy câu trả lời này" in gone.text


def test_the_rating_payloads_fit_telegram():
    from handlers.ratings import rating_row

    for b in rating_row(2**31 - 1, "vi"):
        assert len(b.payload.encode()) <= 64 and re.fullmatch(r"rate:(up|down):\d+", b.payload)
