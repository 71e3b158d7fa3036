"""Regressions found in review: ownership of duplicates, reminders that come back after a
cancellation, seats freed on data deletion, capacity cuts, spreadsheet formulas, odd digits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import HtxApp
from bot.render import pick_choice, same_label
from handlers.forms import VALUE, typed_yes
from handlers.ids import as_id
from handlers.registration.export import safe_cell
from handlers.reminders import shift_params
from handlers.types import Button
from storage.classes import create_class
from storage.models import (
    Enrolment,
    FormState,
    Registration,
    Reminder,
    TrainingClass,
    utcnow,
)
from storage.users import get_or_create_user
from tests.conftest import ADMIN_ID, Chat
from tests.handlers.test_registration_fields import fill


async def test_a_typed_phone_never_reaches_someone_elses_registration(app: HtxApp):
    owner, intruder = Chat(app, user_id="41"), Chat(app, user_id="42")
    await fill(owner)
    await fill(intruder)  # same phone, same type, within 24 hours
    assert "DK-" in intruder.replies[-1].text  # a new registration, not the owner's offered
    async with app.sessions() as s:
        rows = list(await s.scalars(select(Registration).order_by(Registration.id)))
    assert len(rows) == 2 and rows[0].full_name == "Phạm Văn Minh"


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


async def pending_class_reminders(app: HtxApp) -> int:
    async with app.sessions() as s:
        rows = await s.scalars(
            select(Reminder).where(Reminder.kind == "class", Reminder.status == "pending")
        )
        return len(list(rows))


async def test_rejoining_a_class_brings_its_reminders_back(app: HtxApp):
    cid = await known_users_and_class(app, seats=5, people=1)
    me = Chat(app, user_id="u0")
    await me.press(f"cls:enrol:{cid}")
    assert await pending_class_reminders(app) == 2
    await me.press(f"cls:leave_yes:{cid}")
    assert await pending_class_reminders(app) == 0
    await me.press(f"cls:enrol:{cid}")
    assert await pending_class_reminders(app) == 2


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


async def test_after_a_capacity_cut_leaving_does_not_promote(app: HtxApp):
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


async def test_legal_calendar_can_be_set_up_twice(app: HtxApp, chat: Chat):
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


def test_yearly_reminder_dates_move_with_it():
    assert shift_params({"deadline": "30/04/2026"}, "yearly") == {"deadline": "30/04/2027"}
    assert shift_params({"other": "x"}, "yearly") == {"other": "x"}


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x","a")', "+1", "-2", "@SUM(A1)"])
def test_no_formulas_in_exports(value: str):
    assert safe_cell(value) == "'" + value
    assert safe_cell("Cà phê") == "Cà phê"


@pytest.mark.parametrize("text", ["/start lop_²", "/dieu ²", "/dslop ²", "/dangky_²"])
async def test_superscript_digits_do_not_crash(chat: Chat, text: str):
    await chat.say(text)
    assert chat.routes[-1] != "error"


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


async def test_leaving_asks_first_in_words_that_fit_the_place(app: HtxApp):
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


async def test_roster_of_a_class_that_does_not_exist_says_so(app: HtxApp):
    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    [missing] = await staff.say("/dslop 99")
    assert "Không tìm thấy lớp này" in missing.text
    [usage] = await staff.say("/dslop")
    assert "Không tìm thấy" not in usage.text


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


@pytest.mark.parametrize(
    ("typed", "yes"),
    [
        ("Xác nhận", True),
        ("xac nhan", True),
        ("đúng", True),
        ("dung", True),  # without diacritics, "đúng"
        ("OK.", True),
        ("co", True),
        ("dừng", False),  # "stop": folds to "dung" too
        ("cỏ", False),
        ("không", False),
        ("", False),
    ],
)
def test_typed_confirmations(typed: str, yes: bool):
    assert typed_yes(typed) is yes


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


HUGE = "9" * 25  # past SQLite's 64-bit and PostgreSQL's 32-bit integers


async def test_a_huge_id_anywhere_is_a_thing_not_found_not_an_error(app: HtxApp):
    farmer = Chat(app, user_id="5")
    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    for chat, typed in (
        (farmer, f"/start lop_{HUGE}"),
        (staff, f"/dslop {HUGE}"),
        (staff, f"/dangky_{HUGE}"),
        (staff, f"/traloi {HUGE} được ạ"),
        (staff, f"/huythongbao {HUGE}"),
        (staff, f"/qr {HUGE}"),
    ):
        await chat.say(typed)
        assert chat.routes[-1] != "error", typed
    for chat, payload in (
        (farmer, f"cls:show:{HUGE}"),
        (farmer, f"cls:enrol:{HUGE}"),
        (farmer, f"rem:del:{HUGE}"),
        (farmer, f"rem:snooze:{HUGE}:60"),
        (farmer, f"ask:send:{HUGE}"),
        (farmer, f"reg:withdraw:{HUGE}"),
        (staff, f"clss:att:{HUGE}"),
        (staff, f"clss:mark:{HUGE}:0"),
        (staff, f"regs:claim:{HUGE}"),
        (staff, f"faq:save:{HUGE}"),
        (staff, f"bc:cancel:{HUGE}"),
    ):
        await chat.press(payload)
        assert chat.routes[-1] != "error", payload


def test_ids_are_digits_that_fit_the_database():
    assert as_id("42") == 42 and as_id(str(2**31 - 1)) == 2**31 - 1
    for bad in (None, "", "0", "-1", "4x", "²", str(2**31), HUGE):
        assert as_id(bad) is None, bad


async def test_cancel_typed_with_its_tone_mark_cancels_at_the_name_question(app: HtxApp):
    """'huy' alone is the name Huy; 'huỷ' with its mark is the word, and was saved as a name."""
    for i, typed in enumerate(["huỷ", "Hủy", "hủy bỏ", "thoát"]):
        chat = Chat(app, user_id=f"31-{i}")
        await chat.say("/dangky")
        await chat.press("f:v:tht")
        [reply] = await chat.say(typed)
        assert "Đã huỷ" in reply.text, (typed, reply.text)
    async with app.sessions() as s:
        assert await s.scalar(select(FormState)) is None


async def test_a_cancelled_class_asks_nobody_for_their_details(app: HtxApp):
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


async def test_a_note_that_says_huy_is_a_note_and_cancel_words_are_not_consent(app: HtxApp):
    """In free text 'Hủy' may be the answer itself ('cancel my registration'): it is saved as
    the note, not taken for leaving the dialog; and 'cỏ' typed at the consent is no consent."""
    chat = Chat(app, user_id="41")
    await fill(chat, finish=False)
    [refused, _] = await chat.say("cỏ")
    assert "chọn một mục" in refused.text
    await chat.press("f:v:yes")
    await chat.press("f:v:confirm")
    async with app.sessions() as s:
        row = await s.scalar(select(Registration))
    await chat.press(f"reg:note:{row.id}")
    await chat.say("Hủy")
    async with app.sessions() as s:
        assert (await s.get(Registration, row.id)).notes == ["Hủy"]


async def test_a_closed_class_offers_no_enrolment(app: HtxApp):
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


def test_a_label_that_names_several_buttons_doing_the_same_picks_it():
    """Two menus in one turn (Zalo's first message) offer every item twice."""
    menu = [Button("🎓 Lớp tập huấn", "menu:classes"), Button("❓ Trợ giúp", "menu:help")]
    assert pick_choice("lop tap huan", menu + menu) == menu[0]
    assert same_label("lop tap huan", menu + menu) == []
    deletes = [Button("🗑 Xoá", "rem:del:1"), Button("🗑 Xoá", "rem:del:2")]
    assert pick_choice("xoa", deletes) is None and same_label("xoa", deletes) == [1, 2]
