"""The "send to staff" button of an unsure answer: the question is logged in the update that
answered it, goes to staff once when its asker presses the button, and not when anyone else
does; old buttons ask to type the question again; words are forgotten after a month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import HtxApp
from bot.scheduler import Runtime
from bot.settings import Settings
from storage.asked_questions import KEEP_WORDS_DAYS
from storage.models import AskedQuestion, Question
from tests.conftest import Chat

UNSURE = "htx trồng lúa có được cấp drone phun thuốc không"


def send_payload(reply_buttons: tuple) -> str:  # type: ignore[type-arg]
    [payload] = [b.payload for row in reply_buttons for b in row if b.payload.startswith("ask:")]
    return str(payload)


async def rows(app: HtxApp, model: type) -> list:  # type: ignore[type-arg]
    async with app.sessions() as s:
        return list(await s.scalars(select(model).order_by(model.id)))


async def test_the_unsure_question_is_logged_with_the_reply(app: HtxApp, chat: Chat):
    [reply] = await chat.say(UNSURE)
    [asked] = await rows(app, AskedQuestion)
    assert send_payload(reply.buttons) == f"ask:staff:{asked.id}"
    assert (asked.text, asked.confident) == (UNSURE, False)
    assert await rows(app, Question) == []  # nothing goes to staff unless asked


async def test_pressing_send_reaches_staff_once(app: HtxApp, chat: Chat):
    [reply] = await chat.say(UNSURE)
    payload = send_payload(reply.buttons)
    sent, *to_staff = await chat.press(payload)
    [question] = await rows(app, Question)
    assert f"mã {question.id}" in sent.text and question.status == "open"
    assert question.text == UNSURE
    assert len(to_staff) == len(app.config.staff_chat_ids)
    assert all(UNSURE in note.text for note in to_staff)
    again = await chat.press(payload)
    assert len(again) == 1 and f"mã {question.id}" in again[0].text  # staff not told twice
    assert len(await rows(app, Question)) == 1


async def test_someone_elses_press_sends_nothing(app: HtxApp, chat: Chat):
    [reply] = await chat.say(UNSURE)
    stranger = Chat(app, user_id="77")
    [answer] = await stranger.press(send_payload(reply.buttons))
    assert "gõ lại câu hỏi" in answer.text
    assert await rows(app, Question) == []


async def test_a_button_from_the_drafts_of_before_asks_to_type_again(app: HtxApp, chat: Chat):
    for old in ("ask:send:qAbCdEfGhIjKl", "ask:send:12"):
        [answer] = await chat.press(old)
        assert "gõ lại câu hỏi" in answer.text
    assert await rows(app, Question) == []


async def test_words_of_questions_over_a_month_old_are_forgotten(
    app: HtxApp, chat: Chat, settings: Settings
):
    [reply] = await chat.say(UNSURE)
    runtime = Runtime(app, settings)
    later = datetime.now(UTC) + timedelta(days=KEEP_WORDS_DAYS + 1)
    app.clock = lambda: later
    assert await runtime.forget_old_questions() == 1
    [asked] = await rows(app, AskedQuestion)
    assert (asked.text, asked.user_id) == ("", None)
    app.clock = lambda: datetime.now(UTC)
    [answer] = await chat.press(send_payload(reply.buttons))  # its button says so
    assert "gõ lại câu hỏi" in answer.text
