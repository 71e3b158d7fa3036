"""The composed routes: no command or button declared twice, staff dialogs staff-only by
construction, and every button payload the same string as ever, within Telegram's 64 bytes."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.app import HtxApp
from handlers.classes import buttons as cls
from handlers.forms import FormBack, FormCancel, FormResume, FormValue
from handlers.main_menu import MenuMain, MenuOther, MenuRegister
from handlers.my_data import DeleteNo, DeleteYes
from handlers.payloads import LIMIT, Payload, kinds
from handlers.preferences import PickLanguage
from handlers.qa import SendToStaff, ShowEntry
from handlers.ratings import RateDown, RateSend, RateUp
from handlers.registration.farmer import AddNote, Withdraw, WithdrawConfirmed
from handlers.registration.staff import ChangeStatus, ClaimRegistration, RegistrationsPage
from handlers.reminders import DeleteReminder, Snooze
from handlers.router import FEATURES, TABLE
from handlers.routing import FeatureRouter, Route, RoutingTable
from handlers.staff_questions import FaqAgain, FaqDrop, FaqSave
from messages.kb import load_kb
from storage.forms import set_form
from storage.users import find_user
from tests.conftest import Chat

# The strings buttons already in people's chats carry: they must keep working.
PAYLOADS: list[tuple[Payload, str]] = [
    (MenuMain(), "menu:main"),
    (MenuRegister(), "menu:register"),
    (MenuOther(), "menu"),
    (FormValue("edit:province"), "f:v:edit:province"),
    (FormBack(), "f:back"),
    (FormCancel(), "f:cancel"),
    (FormResume(), "f:resume"),
    (DeleteYes(), "del:yes"),
    (DeleteNo(), "del:no"),
    (PickLanguage("en"), "lang:en"),
    (ShowEntry("faq-cac-buoc-thanh-lap-htx"), "qa:faq-cac-buoc-thanh-lap-htx"),
    (SendToStaff(12), "ask:staff:12"),
    (RateUp(3), "rate:up:3"),
    (RateDown(3), "rate:down:3"),
    (RateSend(3), "rate:send:3"),
    (FaqSave(5), "faq:save:5"),
    (FaqAgain(5, "0a1b2c3d"), "faq:again:5:0a1b2c3d"),
    (FaqDrop(5, "0a1b2c3d"), "faq:drop:5:0a1b2c3d"),
    (DeleteReminder(9), "rem:del:9"),
    (Snooze(9, 1440), "rem:snooze:9:1440"),
    (AddNote(4), "reg:note:4"),
    (Withdraw(4), "reg:withdraw:4"),
    (WithdrawConfirmed(4), "reg:withdraw_yes:4"),
    (ClaimRegistration(4), "regs:claim:4"),
    (RegistrationsPage(10, "", "moi"), "regs:page:10::moi"),
    (ChangeStatus(4, "da_lien_he"), "regs:status:4:da_lien_he"),
    (cls.Enrol(7), "cls:enrol:7"),
    (cls.ClassCalendar(7), "cls:ics:7"),
    (cls.Leave(7), "cls:leave:7"),
    (cls.LeaveConfirmed(7), "cls:leave_yes:7"),
    (cls.Stay(7), "cls:leave_no:7"),
    (cls.FilterClasses("tinh"), "cls:list:tinh"),
    (cls.Attendance(7), "clss:att:7"),
    (cls.Attendance(7, 0), "clss:att:7:0"),
    (cls.MarkAttendance(30, 1), "clss:mark:30:1"),
    (cls.Publish(7), "clss:publish:7"),
    (cls.CancelConfirmed(7), "clss:cancel_yes:7"),
    (cls.Reschedule(7), "clss:edit_start:7"),
]


@pytest.mark.parametrize(("payload", "packed"), PAYLOADS, ids=[p for _, p in PAYLOADS])
def test_payloads_keep_the_strings_buttons_already_carry(payload: Payload, packed: str):
    assert payload.pack() == packed
    assert type(payload).parse(packed) == payload


def test_no_command_button_dialog_or_route_name_is_declared_twice():
    counted = Counter[str]()
    for feature in FEATURES:
        for route in feature.routes:
            counted.update(f"/{c}" for c in route.commands)
            if route.button is not None:
                counted[route.button.head] += 1
            counted[f"route {route.name}"] += 1
        counted.update(f"dialog {f.name}" for f in feature.forms)
        counted.update(f"/{p.prefix}…" for p in feature.prefix_commands)
    assert [key for key, n in counted.items() if n > 1] == []


def test_composing_refuses_a_command_or_a_button_declared_twice():
    async def handler(*_: object, **__: object) -> list:
        return []

    one = FeatureRouter("one", routes=(Route("a", handler, ("lophoc",)),))
    with pytest.raises(ValueError, match="lophoc"):
        RoutingTable([*FEATURES, one])
    two = FeatureRouter("two", routes=(Route("b", handler, button=cls.Enrol),))
    with pytest.raises(ValueError, match="cls:enrol"):
        RoutingTable([*FEATURES, two])


def test_every_staff_dialog_is_staff_only():
    staff_dialogs = {f.name for feature in FEATURES if feature.staff_only for f in feature.forms}
    assert staff_dialogs == {
        "registration_status",
        "class_create",
        "class_edit",
        "broadcast",
        "faq_title",
    }
    for name, (_, staff_only) in TABLE.forms.items():
        assert staff_only == (name in staff_dialogs), name


STAFF_DIALOGS = sorted(name for name, (_, staff_only) in TABLE.forms.items() if staff_only)


@pytest.mark.parametrize("name", STAFF_DIALOGS)
async def test_a_staff_dialog_stops_when_the_staff_role_goes(app: HtxApp, chat: Chat, name: str):
    """Left open by someone no longer staff, it neither continues nor refuses them."""
    await chat.say("/start")
    form, _ = TABLE.forms[name]
    async with app.sessions() as s:
        user = await find_user(s, "test", "42")
        assert user is not None
        await set_form(s, user.id, name, form.steps[0].key, {})
        await s.commit()
    await chat.say("thành lập hợp tác xã cần mấy người")
    assert chat.routes[-1] == "question"


def test_staff_routers_are_staff_only_as_a_whole():
    for feature in FEATURES:
        for route in feature.routes:
            entry = TABLE.commands.get(route.commands[0]) if route.commands else None
            if entry is not None:
                assert entry.staff_only == feature.staff_only, route.name
    assert {e.route.button.prefix for e in TABLE.buttons if e.staff_only and e.route.button} == {
        "bc",
        "clss",
        "faq",
        "menu",
        "regs",
    }


def test_every_payload_fits_64_bytes():
    for kind in kinds():
        assert kind.widest() <= LIMIT, kind.__name__
    for entry in load_kb().entries:  # a related question's button carries the entry's id
        assert len(ShowEntry(entry.id).pack().encode()) <= LIMIT, entry.id
    routed = {e.route.button for e in TABLE.buttons}
    assert routed <= set(kinds())


def test_menu_commands_keep_their_order():
    assert [r.commands[0] for r in TABLE.menu] == [
        "start",
        "menu",
        "trogiup",
        "huy",
        "hoi",
        "dieu",
        "ngung",
        "batdau",
        "toi",
        "xoadulieu",
        "ngonngu",
        "dangky",
        "dangkycuatoi",
        "lophoc",
        "lopcuatoi",
        "nhactoi",
        "nhacnho",
        "lichhtx",
    ]
