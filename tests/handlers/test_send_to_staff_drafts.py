"""The "send to staff" button of an unsure answer, with its draft written behind the reply:
written a moment later or at shutdown, found when the button is pressed before that (in this
process or, a moment later, another), never written by someone else's press, buttons from
before tokens (carrying the row's id) still work, and unsent drafts go after a month."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

import handlers.qa
from bot.app import HtxApp
from bot.scheduler import Runtime
from bot.settings import Settings
from storage.models import Question, User
from storage.questions import DRAFT_DAYS
from tests.conftest import Chat

UNSURE = "htx trồng lúa có được cấp drone phun thuốc không"


def send_payload(reply_buttons: tuple) -> str:  # type: ignore[type-arg]
    [payload] = [b.payload for row in reply_buttons for b in row if b.payload.startswith("ask:")]
    return str(payload)


async def questions(app: HtxApp) -> list[Question]:
    async with app.sessions() as s:
        return list(await s.scalars(select(Question).order_by(Question.id)))


async def test_the_draft_is_written_a_moment_after_the_reply(app: HtxApp, chat: Chat):
    [reply] = await chat.say(UNSURE)
    token = send_payload(reply.buttons).removeprefix("ask:send:")
    for _ in range(200):  # the writer's own timing: DELAY, and 10 s for a busy machine
        if rows := await questions(app):
            break
        await asyncio.sleep(0.05)
    [row] = rows
    assert (row.token, row.text, row.status) == (token, UNSURE, "draft")


async def test_pressing_send_before_the_draft_is_written_sends_it(
    slow_writer: None, app: HtxApp, chat: Chat
):
    [reply] = await chat.say(UNSURE)
    payload = send_payload(reply.buttons)
    assert app.drafts.owner(payload.removeprefix("ask:send:")) is not None  # still queued
    [sent, *to_staff] = await chat.press(payload)
    [row] = await questions(app)
    assert f"mã {row.id}" in sent.text and row.status == "open" and row.text == UNSURE
    assert all(UNSURE in note.text for note in to_staff)


async def test_closing_the_app_writes_the_drafts_still_queued(
    slow_writer: None, settings: Settings
):
    app = HtxApp(settings)
    await app.start()
    [reply] = await Chat(app).say(UNSURE)
    assert await questions(app) == []
    await app.close()
    reopened = HtxApp(settings)
    try:
        [row] = await questions(reopened)
        assert row.token == send_payload(reply.buttons).removeprefix("ask:send:")
    finally:
        await reopened.close()


async def test_a_button_from_before_tokens_still_sends_its_draft(app: HtxApp, chat: Chat):
    await chat.say("/start")
    async with app.sessions() as s:
        user = await s.scalar(select(User))
        assert user is not None
        old = Question(user_id=user.id, text="câu hỏi cũ", status="draft", published=False)
        s.add(old)
        await s.commit()
    [sent, *_] = await chat.press(f"ask:send:{old.id}")
    assert f"mã {old.id}" in sent.text
    assert [q.status for q in await questions(app)] == ["open"]


async def test_someone_elses_or_a_made_up_token_sends_nothing(
    slow_writer: None, app: HtxApp, chat: Chat
):
    """A stranger's press (someone new, in a group chat) writes nothing: written from their
    update, whose own new user row holds SQLite's write lock, the draft waited 30 s for it."""
    [reply] = await chat.say(UNSURE)
    payload = send_payload(reply.buttons)
    other = Chat(app, user_id="43")
    for who, pressed in ((other, payload), (chat, "ask:send:qAAAAAAAAAAAA"), (chat, "ask:send:q")):
        [answer] = await who.press(pressed)
        assert "Không tìm thấy câu hỏi" in answer.text, pressed
    assert app.drafts.owner(payload.removeprefix("ask:send:")) is not None  # not flushed
    await app.drafts.flush()
    assert [q.status for q in await questions(app)] == ["draft"]


async def test_a_press_reaching_another_process_first_waits_for_the_draft(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    """Webhooks behind a balancer: the press may reach a process that never held the draft,
    before the one that did has written it."""
    monkeypatch.setattr(handlers.qa, "OTHER_PROCESS_WAIT", 2.0)  # room for a slow machine
    first, second = HtxApp(settings), HtxApp(settings)
    await first.start()
    await second.start()
    try:
        [reply] = await Chat(first, user_id="50").say(UNSURE)
        [sent, *_] = await Chat(second, user_id="50").press(send_payload(reply.buttons))
        assert "Đã gửi câu hỏi" in sent.text
    finally:
        await first.close()
        await second.close()


async def test_unsent_drafts_are_deleted_after_a_month_by_a_daily_job(
    app: HtxApp, settings: Settings, chat: Chat
):
    """An unsent draft is the text of a question its asker chose not to send: not kept for
    ever. Sent ones stay, and so does a recent draft."""
    await chat.say("/start")
    now = app.clock()
    async with app.sessions() as s:
        user = await s.scalar(select(User))
        assert user is not None
        for text, status, age in (
            ("cũ, không gửi", "draft", DRAFT_DAYS + 1),
            ("cũ, đã gửi", "open", DRAFT_DAYS + 1),
            ("mới, không gửi", "draft", DRAFT_DAYS - 1),
        ):
            created = now - timedelta(days=age)
            s.add(Question(user_id=user.id, text=text, status=status, created_at=created))
        await s.commit()
    runtime = Runtime(app, settings)
    await runtime.start()
    try:
        job = runtime.scheduler.get_job("purge_drafts")
        assert job is not None and job.func == runtime.purge_drafts
        assert await runtime.purge_drafts() == 1
        assert await runtime.purge_drafts() == 0
    finally:
        await runtime.stop()
    assert sorted(q.text for q in await questions(app)) == ["cũ, đã gửi", "mới, không gửi"]
