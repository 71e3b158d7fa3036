"""/lophoc and a class's link as seen by someone already in the class: no «Đăng ký» button for
a seat they hold, but the way to give it back; and by anyone once the class is cancelled or its
enrolment deadline has passed: no «Đăng ký», and no details asked."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import HtxApp
from storage.models import FormState, TrainingClass, utcnow
from storage.users import get_or_create_user
from tests.conftest import ADMIN_ID, Chat
from tests.handlers.test_class_capacity import known_users_and_class
from tests.handlers.test_class_filters import _publish


def payloads(reply) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.payload for row in reply.buttons for b in row]


async def test_a_class_i_am_in_offers_my_seat_back_not_enrolment(app: HtxApp):
    await _publish(app, "Lớp sổ sách", "ke_toan")
    async with app.sessions() as s:
        cid = await s.scalar(select(TrainingClass.id))
        user, _, _ = await get_or_create_user(s, channel="test", external_id="7", chat_id="7")
        user.phone, user.consent_at = "+84912000111", user.created_at  # enrols in one tap
        await s.commit()
    me, other = Chat(app, user_id="7"), Chat(app, user_id="8")
    [card, _filters] = await me.say("/lophoc")
    assert f"cls:enrol:{cid}" in payloads(card) and "Bạn đã đăng ký" not in card.text
    await me.press(f"cls:enrol:{cid}")
    [card, _filters] = await me.say("/lophoc")
    assert "✅ Bạn đã đăng ký lớp này." in card.text
    assert f"cls:leave:{cid}" in payloads(card) and f"cls:enrol:{cid}" not in payloads(card)
    [opened] = await me.say(f"/start lop_{cid}")
    assert "✅ Bạn đã đăng ký lớp này." in opened.text and f"cls:leave:{cid}" in payloads(opened)
    [theirs, _filters] = await other.say("/lophoc")  # someone else still sees «Đăng ký»
    assert f"cls:enrol:{cid}" in payloads(theirs) and "Bạn đã đăng ký" not in theirs.text


async def test_a_mangled_class_link_says_the_class_is_not_found(chat: Chat):
    """A link or QR code cut short ('/start lop_', 'lop_1a') opened the greeting, as if the
    person had not come for a class."""
    for typed in ("/start lop_", "/start lop_1a", "/start lop_999", "/start LOP_999"):
        [reply] = await chat.say(typed)
        assert "Không tìm thấy lớp này" in reply.text and "/lophoc" in reply.text, typed


async def test_a_cancelled_class_offers_no_enrolment_and_asks_nobody_for_their_details(
    app: HtxApp,
):
    cid = await known_users_and_class(app, seats=2, people=0)
    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    await staff.press(f"clss:cancel_yes:{cid}")
    newcomer = Chat(app, user_id="77")  # no name or phone known: enrolling would ask them
    [card] = await newcomer.say(f"/start lop_{cid}")
    assert not any(b.payload.startswith("cls:enrol") for row in card.buttons for b in row)
    [refused] = await newcomer.press(f"cls:enrol:{cid}")  # an older card's button
    assert "đã bị huỷ" in refused.text
    async with app.sessions() as s:
        assert await s.scalar(select(FormState)) is None


async def test_a_class_past_its_enrolment_deadline_offers_no_enrolment(app: HtxApp):
    cid = await known_users_and_class(app, seats=2, people=0)
    async with app.sessions() as s:
        cls = await s.get(TrainingClass, cid)
        cls.deadline_at = utcnow() - timedelta(minutes=1)
        await s.commit()
    newcomer = Chat(app, user_id="78")
    [card] = await newcomer.say(f"/start lop_{cid}")
    assert not any(b.payload.startswith("cls:enrol") for row in card.buttons for b in row)
    [refused] = await newcomer.press(f"cls:enrol:{cid}")
    assert "hết hạn đăng ký" in refused.text
