"""Capacity is never exceeded, even when many people press "Đăng ký" at the same moment;
a seat given back (leaving, deleting my data) goes to the next person waiting, unless
staff cut the seats below those enrolled."""

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


async def known_users_and_class(app: HtxApp, seats: int, people: int) -> int:
    now = utcnow()
    async with app.sessions() as s:
        cls = await create_class(
            s,
            now=now,
            title="Lớp nhỏ",
            starts_at=now + timedelta(days=3),
            capacity=seats,
            deadline_at=now + timedelta(days=2),
            status="published",
            place="Hội trường",
        )
        for i in range(people):
            u, _, _ = await get_or_create_user(
                s, channel="test", external_id=f"u{i}", chat_id=f"u{i}"
            )
            u.phone, u.consent_at = f"+8491200{i:04d}", now
        await s.commit()
        return cls.id


async def test_deleting_my_data_gives_my_seat_to_the_next_person(app: HtxApp):
    cid = await known_users_and_class(app, seats=1, people=2)
    first, second = Chat(app, user_id="u0"), Chat(app, user_id="u1")
    await first.press(f"cls:enrol:{cid}")
    [waiting] = await second.press(f"cls:enrol:{cid}")
    assert "danh sách chờ" in waiting.text
    await first.say("/xoadulieu")
    replies = await first.press("del:yes")
    assert any(r.chat_id == "u1" and "Đã có chỗ" in r.text for r in replies)
    async with app.sessions() as s:
        cls = await s.get(TrainingClass, cid)
        statuses = [e.status for e in await s.scalars(select(Enrolment))]
    assert cls.seats_taken == 1 and statuses == ["enrolled"]


async def test_leaving_a_class_cut_below_its_enrolled_gives_no_seat_to_the_waiting_list(
    app: HtxApp,
):
    cid = await known_users_and_class(app, seats=3, people=4)
    chats = [Chat(app, user_id=f"u{i}") for i in range(4)]
    for c in chats:
        await c.press(f"cls:enrol:{cid}")
    async with app.sessions() as s:
        cls = await s.get(TrainingClass, cid)
        cls.capacity = 1  # staff cut the seats: 3 enrolled for 1 seat
        await s.commit()
    await chats[0].press(f"cls:leave_yes:{cid}")
    async with app.sessions() as s:
        cls = await s.get(TrainingClass, cid)
        waiting = await s.scalar(select(Enrolment).where(Enrolment.status == "waiting"))
    assert cls.seats_taken == 2 and waiting is not None


async def test_leaving_asks_first_in_words_for_a_seat_a_waiting_place_or_neither(app: HtxApp):
    """The confirmation says the seat passes on only to someone holding one; a person on the
    waiting list is asked about the list; someone not enrolled is told so, not 'kept'."""
    cid = await known_users_and_class(app, seats=1, people=3)
    holder, waiting, stranger = (Chat(app, user_id=f"u{i}") for i in range(3))
    await holder.press(f"cls:enrol:{cid}")
    await waiting.press(f"cls:enrol:{cid}")
    [ask] = await holder.press(f"cls:leave:{cid}")
    assert "chuyển ngay cho người đang chờ" in ask.text
    [ask] = await waiting.press(f"cls:leave:{cid}")
    assert "danh sách chờ" in ask.text and "chuyển ngay" not in ask.text
    for payload in (f"cls:leave:{cid}", f"cls:leave_no:{cid}"):
        [reply] = await stranger.press(payload)
        assert "chưa đăng ký lớp này" in reply.text
    [kept] = await holder.press(f"cls:leave_no:{cid}")
    assert "vẫn được giữ" in kept.text
    async with app.sessions() as s:
        statuses = sorted(e.status for e in await s.scalars(select(Enrolment)))
    assert statuses == ["enrolled", "waiting"]
