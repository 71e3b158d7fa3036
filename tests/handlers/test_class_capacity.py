"""Capacity is never exceeded, even when many people press "Đăng ký" at the same moment."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import HtxApp
from handlers.types import InboundEvent
from storage.classes import create_class
from storage.models import Enrolment, TrainingClass, utcnow
from storage.users import get_or_create_user
from tests.conftest import Chat
from tests.handlers.test_review_fixes import known_users_and_class


async def test_concurrent_enrolments_never_overbook(app: HtxApp):
    now = utcnow()
    async with app.sessions() as s:
        cls = await create_class(
            s,
            now=now,
            title="Lớp đông",
            starts_at=now + timedelta(days=3),
            capacity=5,
            deadline_at=now + timedelta(days=2),
            status="published",
        )
        for i in range(30):  # people the bot already knows, who consented before
            user, _, _ = await get_or_create_user(
                s, channel="telegram", external_id=f"p{i}", chat_id=f"p{i}"
            )
            user.phone, user.consent_at = f"+8491200{i:04d}", now
        await s.commit()
        class_id = cls.id

    async def press(i: int) -> str:
        event = InboundEvent(
            channel="telegram", user_id=f"p{i}", chat_id=f"p{i}", payload=f"cls:enrol:{class_id}"
        )
        outcome = await app.handle(event)
        return outcome.replies[0].text

    texts = await asyncio.gather(*(press(i) for i in range(30)))
    assert sum("Bạn đã đăng ký" in tx for tx in texts) == 5
    assert sum("danh sách chờ" in tx for tx in texts) == 25
    async with app.sessions() as s:
        enrolled = await s.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.status == "enrolled")
        )
        cls = await s.get(TrainingClass, class_id)
    assert enrolled == 5 and cls.seats_taken == 5


async def test_pressing_enrol_again_while_waiting_says_waiting_not_enrolled(app: HtxApp):
    """It said "Bạn đã đăng ký lớp … rồi" with «Thêm vào lịch» to someone only waiting."""
    cid = await known_users_and_class(app, seats=1, people=2)
    await Chat(app, user_id="u0").press(f"cls:enrol:{cid}")
    waiting = Chat(app, user_id="u1")
    [first] = await waiting.press(f"cls:enrol:{cid}")
    assert "vị trí số 1" in first.text
    [again] = await waiting.press(f"cls:enrol:{cid}")
    assert "vị trí số 1" in again.text and "danh sách chờ" in again.text
    assert "đã đăng ký" not in again.text and not again.buttons


async def test_a_full_class_offers_the_waiting_list_not_a_seat(app: HtxApp):
    """A full class said «Đăng ký» and asked a newcomer for their details before telling them
    it was full."""
    cid = await known_users_and_class(app, seats=1, people=1)
    await Chat(app, user_id="u0").press(f"cls:enrol:{cid}")
    [card] = await Chat(app, user_id="newcomer").say(f"/start lop_{cid}")
    labels = {b.payload: b.label for row in card.buttons for b in row}
    assert "danh sách chờ" in labels[f"cls:enrol:{cid}"]
    [seat_card] = await Chat(app, user_id="u0").say(f"/start lop_{cid}")  # has the seat
    assert f"cls:enrol:{cid}" not in {b.payload for row in seat_card.buttons for b in row}
