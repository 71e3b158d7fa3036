"""/lichhtx: a meeting date past the legal deadline is flagged, with the article."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import HtxApp
from bot.settings import Settings
from tests.conftest import Chat


async def test_a_meeting_after_the_deadline_is_flagged_one_before_is_not(settings: Settings):
    app = HtxApp(settings, clock=lambda: datetime(2026, 12, 6, 3, tzinfo=UTC))
    await app.start()
    try:
        chat = Chat(app)
        await chat.say("/lichhtx")
        await chat.press("f:v:31/12")
        warning, done = await chat.say("8h 15/5")  # 15/05/2027; the deadline is 30/04/2027
        assert "muộn hơn hạn chót 30/04/2027" in warning.text
        assert "khoản 1 Điều 59" in warning.text and "04 tháng" in warning.text
        assert "Hạn chót Đại hội thường niên: <b>30/04/2027</b>" in done.text
        await chat.say("/lichhtx")
        await chat.press("f:v:31/12")
        [done] = await chat.say("8h 15/3")
        assert "Hạn chót" in done.text
    finally:
        await app.close()
