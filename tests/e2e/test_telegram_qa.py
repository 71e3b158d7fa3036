"""End to end on Telegram: cited answers, related questions, and the staff round trip."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.telegram_channel import TelegramChannel
from storage.models import Question
from tests.conftest import ADMIN_ID
from tests.fake_telegram import FakeTelegram

STAFF_CHAT = -100500


def payloads(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def test_farmer_question_gets_cited_answer_and_related(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    tg.send_text(2001, "dieu kien thanh lap htx")
    [msg] = await tg.wait_sent(1, chat_id=2001)
    assert "Căn cứ: Điều" in msg["text"]
    register, *related, up, down = payloads(msg)  # founding one: the registration first
    assert register == "menu:register"
    assert 1 <= len(related) <= 3 and all(p.startswith("qa:") for p in related)
    assert up.startswith("rate:up:") and down.startswith("rate:down:")  # rating last
    tg.press(2001, related[0])
    msgs = await tg.wait_sent(2, chat_id=2001)
    assert "Căn cứ:" in msgs[1]["text"]


async def test_article_command_shows_old_law_with_note(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    tg.send_text(2002, "/dieu 3 2012")
    [msg] = await tg.wait_sent(1, chat_id=2002)
    assert "Luật HTX 2012" in msg["text"] and "Lưu ý:" in msg["text"]


async def test_unanswered_question_round_trip_to_staff_and_back(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    question = "htx trồng lúa có được cấp drone phun thuốc không"
    tg.send_text(2003, question)
    [unsure] = await tg.wait_sent(1, chat_id=2003)
    send = [p for p in payloads(unsure) if p.startswith("ask:staff:")]
    assert send, unsure
    tg.press(2003, send[0])
    msgs = await tg.wait_sent(2, chat_id=2003)
    assert "Đã gửi câu hỏi" in msgs[1]["text"]
    [staff_note] = await tg.wait_sent(1, chat_id=STAFF_CHAT)
    ref = re.search(r"mã (\d+)", staff_note["text"]).group(1)
    assert "drone" in staff_note["text"]

    tg.send_text(ADMIN_ID, "/cauhoimoi")
    [listing] = await tg.wait_sent(1, chat_id=ADMIN_ID)
    assert "drone" in listing["text"]
    tg.send_text(
        ADMIN_ID, f"/traloi {ref} Được, nếu điều lệ HTX có ngành nghề này <b>đã đăng ký</b>."
    )
    admin_msgs = await tg.wait_sent(2, chat_id=ADMIN_ID)
    answer_msgs = await tg.wait_sent(3, chat_id=2003)
    assert "điều lệ HTX có ngành nghề này" in answer_msgs[2]["text"]
    assert "&lt;b&gt;đã đăng ký&lt;/b&gt;" in answer_msgs[2]["text"]  # staff text escaped too
    save = [p for p in payloads(admin_msgs[1]) if p.startswith("faq:save:")]
    tg.press(ADMIN_ID, save[0])
    admin_msgs = await tg.wait_sent(3, chat_id=ADMIN_ID)
    assert "Gõ tiêu đề" in admin_msgs[2]["text"]
    tg.send_text(ADMIN_ID, "HTX có được làm dịch vụ bay phun thuốc không?")
    admin_msgs = await tg.wait_sent(4, chat_id=ADMIN_ID)
    assert "Đã lưu" in admin_msgs[3]["text"]

    # Another farmer asking the same now gets the saved answer.
    tg.send_text(2004, question)
    [msg] = await tg.wait_sent(1, chat_id=2004)
    assert "điều lệ HTX có ngành nghề này" in msg["text"]
    async with telegram_bot.app.sessions() as s:
        row = await s.scalar(select(Question).where(Question.id == int(ref)))
    assert row.status == "answered" and row.published and row.answered_by == f"telegram:{ADMIN_ID}"
