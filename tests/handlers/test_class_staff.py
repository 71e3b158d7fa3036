"""Staff changing a class (its time, place, seats) and reading its roster: a change is shown and
confirmed before any farmer is told, moves the class's reminders, says how many waiting get a
place, and is refused once the class is cancelled; a roster of no such class says so."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import HtxApp
from handlers.forms import VALUE
from storage.models import Reminder, TrainingClass
from tests.conftest import ADMIN_ID, Chat
from tests.handlers.test_class_capacity import known_users_and_class


async def test_rescheduling_a_class_moves_its_reminders(app: HtxApp):
    cid = await known_users_and_class(app, seats=5, people=1)
    await Chat(app, user_id="u0").press(f"cls:enrol:{cid}")
    async with app.sessions() as s:
        before = {
            r.due_at for r in await s.scalars(select(Reminder).where(Reminder.status == "pending"))
        }
    admin = Chat(app, user_id="777", channel="telegram")
    await admin.press(f"clss:edit_start:{cid}")
    await admin.say("14h 6/12/2099")
    [changed, *_] = await admin.press(VALUE + "yes")
    assert "Đã đổi" in changed.text
    async with app.sessions() as s:
        pending = list(await s.scalars(select(Reminder).where(Reminder.status == "pending")))
    assert len(pending) == 2 and {r.due_at for r in pending}.isdisjoint(before)
    assert all("06/12/2099" in r.params["when"] for r in pending)


async def test_a_class_change_is_shown_and_confirmed_before_anyone_is_told(app: HtxApp):
    """A typo in the new time must not reach every farmer: staff see the change, the new
    enrolment deadline and how many will be told, and may type it again."""
    cid = await known_users_and_class(app, seats=1, people=2)
    for i in range(2):  # one enrolled, one waiting: both are told
        await Chat(app, user_id=f"u{i}").press(f"cls:enrol:{cid}")
    async with app.sessions() as s:
        cls = await s.get(TrainingClass, cid)
        starts, deadline = cls.starts_at, cls.deadline_at
    admin = Chat(app, user_id="777", channel="telegram")
    await admin.press(f"clss:edit_start:{cid}")
    [confirm] = await admin.say("14h 6/12/2099")
    assert "06/12/2099 lúc 14:00" in confirm.text and "Hạn đăng ký theo đó thành" in confirm.text
    assert "báo ngay cho 2 người" in confirm.text
    [again] = await admin.press(VALUE + "no")
    assert "Giờ học mới?" in again.text
    async with app.sessions() as s:
        cls = await s.get(TrainingClass, cid)
        assert (cls.starts_at, cls.deadline_at) == (starts, deadline)  # nothing changed yet
    await admin.say("15h 6/12/2099")
    [changed, *told] = await admin.press(VALUE + "yes")
    assert "Đã đổi" in changed.text and "Đã báo 2 người" in changed.text
    assert len(told) == 2 and all("15:00" in r.text and r.chat_id for r in told)
    await admin.press(f"clss:edit_place:{cid}")
    [confirm] = await admin.say("Nhà văn hoá <b>thôn 3</b>")
    assert "Nhà văn hoá &lt;b&gt;thôn 3&lt;/b&gt;" in confirm.text  # escaped
    await admin.say("/huy")
    await admin.press(VALUE + "yes")  # an old confirm button, after the cancel
    async with app.sessions() as s:
        assert "thôn 3" not in ((await s.get(TrainingClass, cid)).place or "")


async def test_a_class_cancelled_while_a_change_waits_is_not_changed(app: HtxApp):
    """Staff A types a new place, staff B cancels the class, A confirms: nothing changes, no
    farmer hears of a 'move', no reminders come back; a cancelled class offers no change."""
    cid = await known_users_and_class(app, seats=2, people=1)
    await Chat(app, user_id="u0").press(f"cls:enrol:{cid}")
    a = Chat(app, user_id="777", channel="telegram")
    b = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    await a.press(f"clss:edit_place:{cid}")
    await a.say("Nhà văn hoá thôn 3")
    await b.press(f"clss:cancel_yes:{cid}")
    replies = await a.press(VALUE + "yes")
    assert [r.chat_id for r in replies] == [None] and "đã bị huỷ" in replies[0].text
    async with app.sessions() as s:
        assert "thôn 3" not in ((await s.get(TrainingClass, cid)).place or "")
        pending = await s.scalars(select(Reminder).where(Reminder.status == "pending"))
        assert list(pending) == []
    [refused] = await a.press(f"clss:edit_start:{cid}")
    assert "đã bị huỷ" in refused.text


async def test_a_capacity_change_says_how_many_waiting_get_a_place(app: HtxApp):
    cid = await known_users_and_class(app, seats=1, people=3)
    for i in range(3):  # one place, two waiting
        await Chat(app, user_id=f"u{i}").press(f"cls:enrol:{cid}")
    admin = Chat(app, user_id="777", channel="telegram")
    for typed, n in (("2", 1), ("9", 2), ("1", 0)):
        await admin.press(f"clss:edit_capacity:{cid}")
        [confirm] = await admin.say(typed)
        assert f"{n} người đang chờ sẽ được xếp chỗ" in confirm.text, confirm.text
        assert "Hạn đăng ký" not in confirm.text  # unchanged, so not shown
        await admin.say("/huy")


async def test_the_roster_of_a_class_that_does_not_exist_says_it_is_not_found(app: HtxApp):
    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    [missing] = await staff.say("/dslop 99")
    assert "Không tìm thấy lớp này" in missing.text
    [usage] = await staff.say("/dslop")
    assert "Không tìm thấy" not in usage.text
