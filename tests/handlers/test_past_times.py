"""A time understood but already past is said to be past, not "not understood", wherever staff
give a time that must come: when a broadcast goes out and a class's enrolment deadline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.app import HtxApp
from bot.settings import Settings
from handlers.types import Reply
from tests.conftest import ADMIN_ID, Chat

# Sunday 06/12/2026, 12:00 in Vietnam.
NOW = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)


@pytest.fixture
async def clocked(settings: Settings) -> AsyncIterator[HtxApp]:
    application = HtxApp(settings, clock=lambda: NOW)
    await application.start()
    yield application
    await application.close()


def pick(reply: Reply, label_part: str) -> str:
    return next(b.payload for row in reply.buttons for b in row if label_part in b.label)


async def broadcast_up_to_its_time(app: HtxApp) -> tuple[Chat, Reply]:
    """Staff with a /thongbao dialog at "when?" (text, no file, no links, everyone)."""
    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    await staff.say("/thongbao")
    [ask_file] = await staff.say("Họp tổng kết năm")
    [ask_buttons] = await staff.press(pick(ask_file, "Bỏ qua"))
    [ask_segment] = await staff.press(pick(ask_buttons, "Bỏ qua"))
    [ask_when] = await staff.press(pick(ask_segment, "Mọi người"))
    return staff, ask_when


async def test_a_broadcast_time_already_past_is_said_to_be_past(clocked: HtxApp) -> None:
    staff, ask_when = await broadcast_up_to_its_time(clocked)
    [past, again] = await staff.say("7h hôm nay")
    assert "đã qua" in past.text and "chưa hiểu" not in past.text
    assert again.text == ask_when.text
    [no_time, _] = await staff.say("hôm nay")  # no hour given: ask for one, it is not "past"
    assert "đã qua" not in no_time.text and "giờ" in no_time.text
    # Yesterday's date without a year: past, not 05/12/2027 (the broadcast would wait a year).
    [past, _] = await staff.say("8h 5/12")
    assert "đã qua" in past.text and "2027" not in past.text
    [preview] = await staff.say("7h ngày mai")
    assert "07/12/2026 lúc 07:00" in preview.text and "giờ nghỉ" not in preview.text


async def test_a_broadcast_set_in_the_quiet_hours_says_when_it_will_go(clocked: HtxApp) -> None:
    """Set for 23h, it waited for 06:30 without a word: the preview now says so."""
    staff, _ = await broadcast_up_to_its_time(clocked)
    [preview] = await staff.say("23h hôm nay")
    assert "06/12/2026 lúc 23:00" in preview.text
    assert "giờ nghỉ" in preview.text and "07/12/2026 lúc 06:30" in preview.text


async def test_an_enrolment_deadline_already_past_is_said_to_be_past(clocked: HtxApp) -> None:
    staff = Chat(clocked, user_id=str(ADMIN_ID), channel="telegram")
    await staff.say("/taolop")
    [ask_topic] = await staff.say("Lớp kế toán HTX")
    [ask_description] = await staff.press(ask_topic.buttons[0][0].payload)
    await staff.press(pick(ask_description, "Bỏ qua"))
    [confirm_start] = await staff.say("8h 20/12")
    [ask_duration] = await staff.press(pick(confirm_start, "Đúng"))
    await staff.press(ask_duration.buttons[0][0].payload)
    await staff.say("Hội trường xã")
    await staff.say("can tho")
    [ask_deadline] = await staff.say("30")
    assert "hạn" in ask_deadline.text.lower(), ask_deadline.text
    [past, again] = await staff.say("7h hôm nay")
    assert "sau bây giờ" in past.text and "chưa hiểu" not in past.text
    assert again.text == ask_deadline.text
