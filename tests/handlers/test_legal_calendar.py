"""/lichhtx: a meeting date past the legal deadline is flagged, with the article."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import HtxApp
from bot.settings import Settings
from handlers.types import Reply
from storage.models import Reminder
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


async def _set_up(settings: Settings, now: datetime, year_end: str, meeting: str) -> list[Reply]:
    app = HtxApp(settings, clock=lambda: now)
    await app.start()
    try:
        chat = Chat(app)
        await chat.say("/lichhtx")
        await chat.say(year_end)
        return await chat.say(meeting)
    finally:
        await app.close()


async def test_in_february_the_deadline_is_this_years(settings: Settings):
    """A fiscal year ended 31/12/2025 has its meeting due by 30/04/2026, not 2027."""
    [done] = await _set_up(settings, datetime(2026, 2, 15, 3, tzinfo=UTC), "31/12", "8h 20/3")
    assert "<b>30/04/2026</b>" in done.text


async def test_a_meeting_before_the_year_ends_is_late_for_the_last_one(settings: Settings):
    """Fiscal year to 30/06, typed in December: a January meeting can only be for the year
    ended 30/06/2026, whose deadline was 30/10/2026 (a reviewer's case)."""
    december = datetime(2026, 12, 6, 3, tzinfo=UTC)
    warning, done = await _set_up(settings, december, "30/6", "8h 15/1")
    assert "muộn hơn hạn chót 30/10/2026" in warning.text
    assert "<b>30/10/2027</b>" in done.text


async def test_setting_up_the_legal_calendar_again_sets_its_reminders_again(
    app: HtxApp, chat: Chat
):
    for _ in range(2):
        await chat.say("/lichhtx")
        await chat.press("f:v:31/12")
        [done] = await chat.press("f:v:skip")
        assert "Đã đặt 0" not in done.text
    async with app.sessions() as s:
        live = list(
            await s.scalars(
                select(Reminder).where(Reminder.kind == "legal", Reminder.status == "pending")
            )
        )
    assert len(live) >= 2
