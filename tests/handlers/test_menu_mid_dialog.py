"""Menu buttons pressed while a dialog is half-done must not invite typing that the dialog
would then take as its answer."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import HtxApp
from bot.settings import Settings
from storage.models import Registration
from tests.conftest import Chat


async def test_asking_a_question_mid_registration_says_to_cancel_first(app: HtxApp, chat: Chat):
    """Seen in testing: «Hỏi đáp» said 'type your question', and the question became the name."""
    await chat.say("/dangky")
    await chat.press("f:v:htx")
    [note] = await chat.press("menu:qa")
    assert "làm dở" in note.text and "Huỷ" in note.text
    assert [b.payload for b in note.buttons[0]] == ["f:resume", "f:cancel"]
    await chat.press("f:cancel")
    [answer, *_] = await chat.say("thanh lap htx can may nguoi")
    assert "Điều" in answer.text  # answered as a question, not stored as a name
    [invite] = await chat.press("menu:qa")  # no dialog open: the plain invitation
    assert "Bạn cứ gõ câu hỏi" in invite.text and not invite.buttons
    async with app.sessions() as s:
        assert await s.scalar(select(Registration)) is None


async def test_a_dialog_answered_at_once_is_not_taken_for_a_paused_one(settings: Settings):
    """Dialog steps are stamped with the app's clock, the one they are compared with: an app
    whose clock is not the machine's (a test's, or a host's skewed one) must not tell every
    answer 'you had something half-done'."""
    app = HtxApp(settings, clock=lambda: datetime(2099, 1, 5, 3, 0, tzinfo=UTC))
    await app.start()
    try:
        chat = Chat(app)
        await chat.press("menu:register")
        replies = await chat.say("Thành lập hợp tác xã")
        assert not any("làm dở" in r.text for r in replies), replies
    finally:
        await app.close()
