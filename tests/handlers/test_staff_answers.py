"""Staff answers: «save as FAQ» asks a title, which the published entry then carries (also after
a restart); a second /traloi to an answered question is sent only once confirmed, by its
author, with nothing of the answer in the buttons; both are audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import HtxApp
from bot.settings import Settings
from handlers.types import Reply
from storage.models import AuditLog, Question
from tests.conftest import ADMIN_ID, Chat, make_settings

QUESTION = "htx trồng lúa có được cấp drone phun thuốc không"
ANSWER = "Được, nếu điều lệ HTX có ngành nghề dịch vụ bay phun thuốc."
TITLE = "HTX có được làm dịch vụ bay phun thuốc không?"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return make_settings(tmp_path, HTXBOT_DATABASE_URL=db_url, HTXBOT_STAFF_CHAT_IDS="-100500")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[HtxApp]:
    application = HtxApp(settings)
    await application.start()
    yield application
    await application.close()


def payloads(reply: Reply) -> list[str]:
    return [b.payload for row in reply.buttons for b in row]


def staff_of(app: HtxApp) -> Chat:
    return Chat(app, user_id=str(ADMIN_ID), channel="telegram", name="Cán bộ")


async def sent_question(app: HtxApp, farmer: Chat) -> int:
    """The farmer's unsure question, sent to staff: its id."""
    [unsure] = await farmer.say(QUESTION)
    [send] = [p for p in payloads(unsure) if p.startswith("ask:staff:")]
    await farmer.press(send)
    async with app.sessions() as s:
        row = await s.scalar(select(Question).where(Question.status == "open"))
    assert row is not None
    return row.id


async def question(app: HtxApp, qid: int) -> Question:
    async with app.sessions() as s:
        row = await s.get(Question, qid)
    assert row is not None
    return row


async def audits(app: HtxApp, action: str) -> list[AuditLog]:
    async with app.sessions() as s:
        return list(await s.scalars(select(AuditLog).where(AuditLog.action == action)))


async def test_saving_as_faq_asks_a_title_that_then_heads_the_answer(
    app: HtxApp, settings: Settings, chat: Chat
):
    qid = await sent_question(app, chat)
    staff = staff_of(app)
    [to_farmer, delivered] = await staff.say(f"/traloi {qid} {ANSWER}")
    assert ANSWER in to_farmer.text and payloads(delivered) == [f"faq:save:{qid}"]

    [ask] = await staff.press(f"faq:save:{qid}")
    assert ask.text.startswith("Gõ tiêu đề cho câu hỏi thường gặp này")
    assert payloads(ask) == ["f:cancel"]
    [error, again] = await staff.say("ab")  # too short: asked again, nothing saved
    assert "Tiêu đề cần từ 5 đến 200 ký tự" in error.text and again.text == ask.text
    assert not (await question(app, qid)).published
    [saved] = await staff.say(f"  {TITLE}  ")
    assert saved.text.startswith(f"Đã lưu câu hỏi {qid} thành câu hỏi thường gặp «{TITLE}»")
    row = await question(app, qid)
    assert (row.published, row.title, row.text) == (True, TITLE, QUESTION)
    [audit] = await audits(app, "publish_faq")
    assert (audit.actor, audit.target, audit.detail) == (f"telegram:{ADMIN_ID}", str(qid), TITLE)

    # Another farmer asking in the first one's words gets the answer, under its title.
    [answer] = await Chat(app, user_id="60").say(QUESTION)
    assert answer.text.startswith(f"<b>{TITLE}</b>") and ANSWER in answer.text
    [pressed] = await staff.press(f"faq:save:{qid}")  # an old button: saved once
    assert "đã được lưu thành câu hỏi thường gặp rồi" in pressed.text

    # After a restart the published answers are loaded under their titles.
    await app.close()
    restarted = HtxApp(settings)
    await restarted.start()
    try:
        [answer] = await Chat(restarted, user_id="61").say(QUESTION)
        assert answer.text.startswith(f"<b>{TITLE}</b>")
    finally:
        await restarted.close()
    await app.start()  # for the fixture's close


async def test_the_title_can_be_cancelled(app: HtxApp, chat: Chat):
    qid = await sent_question(app, chat)
    staff = staff_of(app)
    await staff.say(f"/traloi {qid} {ANSWER}")
    await staff.press(f"faq:save:{qid}")
    [cancelled] = await staff.say("/huy")
    assert cancelled.text.startswith("Đã huỷ.")
    assert not (await question(app, qid)).published
    [answered] = await staff.say(TITLE)  # no dialog now: a question like any other
    assert "Đã lưu" not in answered.text
    [ask] = await staff.press(f"faq:save:{qid}")  # the button still works afterwards
    assert ask.text.startswith("Gõ tiêu đề")
    await staff.say(TITLE)
    assert (await question(app, qid)).title == TITLE


async def test_a_second_answer_is_sent_only_once_confirmed(app: HtxApp, chat: Chat):
    qid = await sent_question(app, chat)
    staff = staff_of(app)
    await staff.say(f"/traloi {qid} {ANSWER}")
    first_answered_at = (await question(app, qid)).answered_at

    [confirm] = await staff.say(f"/traloi {qid} Câu trả lời thứ hai")
    assert confirm.text.startswith(f"Câu hỏi này (mã {qid}) đã được trả lời lúc ")
    assert "Gửi thêm câu trả lời này?" in confirm.text and "Câu trả lời thứ hai" in confirm.text
    assert confirm.chat_id is None  # to staff only: nothing reached the farmer
    assert [b.label for b in confirm.buttons[0]] == ["Gửi", "Không"]
    send, drop = payloads(confirm)
    assert send.startswith(f"faq:again:{qid}:") and drop.startswith(f"faq:drop:{qid}:")
    assert "thứ hai" not in send + drop  # the answer waits on the question row
    row = await question(app, qid)
    assert (row.answer, row.pending_answer) == (ANSWER, "Câu trả lời thứ hai")

    [dropped] = await staff.press(drop)
    assert "không gửi thêm" in dropped.text and dropped.chat_id is None
    row = await question(app, qid)
    assert (row.answer, row.pending_answer) == (ANSWER, None)
    [stale] = await staff.press(send)  # dropped: its button sends nothing
    assert "không còn" in stale.text and stale.chat_id is None

    [confirm] = await staff.say(f"/traloi {qid} Bổ sung: cần đăng ký ngành nghề.")
    [to_farmer, delivered] = await staff.press(payloads(confirm)[0])
    assert to_farmer.chat_id == chat.base["chat_id"] and "Bổ sung" in to_farmer.text
    assert "Đã gửi trả lời" in delivered.text and payloads(delivered) == [f"faq:save:{qid}"]
    row = await question(app, qid)
    assert row.answer == "Bổ sung: cần đăng ký ngành nghề." and row.pending_answer is None
    assert row.answered_at is not None and first_answered_at is not None
    assert row.answered_at >= first_answered_at
    [audit] = await audits(app, "answer_question_again")
    assert (audit.actor, audit.target) == (f"telegram:{ADMIN_ID}", str(qid))
    [twice] = await staff.press(payloads(confirm)[0])  # pressed again: sent once only
    assert "không còn" in twice.text and twice.chat_id is None


async def test_only_the_newest_pending_answer_and_only_by_its_author(
    app: HtxApp, settings: Settings, chat: Chat
):
    qid = await sent_question(app, chat)
    staff = staff_of(app)
    await staff.say(f"/traloi {qid} {ANSWER}")
    [older] = await staff.say(f"/traloi {qid} Bản cũ")
    [newer] = await staff.say(f"/traloi {qid} Bản mới")
    [stale] = await staff.press(payloads(older)[0])  # would have sent "Bản mới"
    assert "không còn" in stale.text and stale.chat_id is None
    colleague = Chat(app, user_id=str(ADMIN_ID), channel="console")  # another staff member
    [not_theirs] = await colleague.press(payloads(newer)[0])
    assert "không còn" in not_theirs.text and not_theirs.chat_id is None
    farmer = Chat(app, user_id=chat.base["user_id"])
    [refused] = await farmer.press(payloads(newer)[0])
    assert "chỉ dành cho cán bộ" in refused.text

    # The pending answer is in the database: its button works after a restart.
    await app.close()
    restarted = HtxApp(settings)
    await restarted.start()
    try:
        [to_farmer, _] = await staff_of(restarted).press(payloads(newer)[0])
        assert "Bản mới" in to_farmer.text
    finally:
        await restarted.close()
    await app.start()
    assert (await question(app, qid)).answer == "Bản mới"


async def test_a_published_answer_keeps_its_text_when_another_is_sent(app: HtxApp, chat: Chat):
    qid = await sent_question(app, chat)
    staff = staff_of(app)
    await staff.say(f"/traloi {qid} {ANSWER}")
    await staff.press(f"faq:save:{qid}")
    await staff.say(TITLE)
    [confirm] = await staff.say(f"/traloi {qid} Thêm một ý")
    [to_farmer, delivered] = await staff.press(payloads(confirm)[0])
    assert "Thêm một ý" in to_farmer.text and payloads(delivered) == []  # saved already
    assert (await question(app, qid)).answer == ANSWER  # what the knowledge base publishes
