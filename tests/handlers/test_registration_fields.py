"""Registration details: phone numbers, names, places; deletion keeps only anonymous counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import HtxApp
from handlers.classes.create_form import CREATE_FORM
from handlers.registration.fields import clean_name, display_phone, normalise_phone
from messages.locations import find_communes, find_provinces, wards_of
from storage.forms import set_form
from storage.models import FormState, Registration
from storage.registrations import counts
from storage.users import find_user
from tests.conftest import ADMIN_ID, Chat


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0912345678", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("091.234.5678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("+840912345678", None),
        ("012345678", None),
        ("09123456789", None),
        ("0012345678", None),
        ("abc", None),
        ("", None),
    ],
)
def test_phone_numbers(typed: str, e164: str | None):
    assert normalise_phone(typed) == e164


def test_display_phone():
    assert display_phone("+84912345678") == "0912 345 678"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("  Nguyễn   Văn  An ", "Nguyễn Văn An"),
        ("Đặng Thị Ánh", "Đặng Thị Ánh"),
        ("A", None),
        ("Nguyễn Văn 2", None),
        ("<b>An</b>", None),
        ("x" * 81, None),
    ],
)
def test_names(typed: str, name: str | None):
    assert clean_name(typed) == name


def test_places_by_typing_and_old_names():
    assert [p.name for p in find_provinces("can tho")] == ["Thành phố Cần Thơ"]
    [merged] = find_provinces("Hậu Giang")
    assert merged.name == "Thành phố Cần Thơ" and merged.note == "Hậu Giang"
    assert find_provinces("khong co tinh nay") == []
    [commune] = find_communes("66", "xa ea kar")
    assert commune.name == "Xã Ea Kar"


@pytest.mark.parametrize("typed", ["ba ria vung tau", "Bà Rịa - Vũng Tàu", "BA RIA-VUNG TAU"])
def test_an_old_name_is_found_with_or_without_its_dash(typed: str):
    [found] = find_provinces(typed)
    assert found.name == "Thành phố Hồ Chí Minh" and found.note == "Bà Rịa - Vũng Tàu"


@pytest.mark.parametrize("typed", ["HCM", "tp.hcm", "Sài Gòn", "HN", "Thừa Thiên Huế"])
def test_a_short_or_familiar_name_is_not_announced_as_a_merged_province(typed: str):
    """'HCM nay thuộc Thành phố Hồ Chí Minh' would be nonsense: an alias gets no note."""
    [found] = find_provinces(typed)
    assert found.note == "" and found.name.startswith("Thành phố")


@pytest.mark.parametrize(
    ("typed", "province", "note"),
    [
        ("đắc lắc", "Đắk Lắk", ""),  # a common misspelling: nothing was found
        ("da lat", "Lâm Đồng", ""),  # a town for its province: was Đắk Lắk, by similarity
        ("dac nong", "Lâm Đồng", "Đắk Nông"),  # was Đà Nẵng, by similarity
        ("BRVT", "Thành phố Hồ Chí Minh", "Bà Rịa - Vũng Tàu"),
        ("Bắc Cạn", "Thái Nguyên", "Bắc Kạn"),
        ("ha tay", "Thành phố Hà Nội", ""),  # merged in 2008: no "since 01/7/2025" note
        ("Buôn Ma Thuột", "Đắk Lắk", ""),
    ],
)
def test_other_spellings_and_towns_find_their_province(typed: str, province: str, note: str):
    [found] = find_provinces(typed)
    assert (found.name, found.note, found.guess) == (province, note, False)


async def test_a_province_found_only_by_similarity_is_asked_not_chosen(chat: Chat):
    await chat.say("/dangky")
    for step in ("f:v:tht", "Phạm Văn Minh", "0987654321"):
        await (chat.press(step) if step.startswith("f:") else chat.say(step))
    [guess] = find_provinces("daklak")
    assert guess.guess and guess.name == "Đắk Lắk"
    [asked] = await chat.say("daklak")
    assert "chọn đúng tỉnh" in asked.text
    assert asked.buttons[0][0].label == "Đắk Lắk"
    [commune] = await chat.press(asked.buttons[0][0].payload)
    assert "Đắk Lắk" in commune.text and "xã/phường" in commune.text


async def fill(chat: Chat, *, finish: bool = True) -> None:
    """The registration form answered (an HTX in Ninh Kiều, Cần Thơ); with finish=False it
    stops at the consent question."""
    await chat.say("/dangky")
    for step in ("f:v:tht", "Phạm Văn Minh", "0987654321", "can tho"):
        await (chat.press(step) if step.startswith("f:") else chat.say(step))
    replies = await chat.say("ninh kieu")
    if "chọn đúng" in replies[-1].text:
        await chat.press(replies[-1].buttons[0][0].payload)
    steps = ["f:v:thuy_san", "cá tra", "4", "f:v:dao_tao", "f:v:__done", "buổi trưa"]
    for step in steps + (["f:v:yes", "f:v:confirm"] if finish else []):
        await (chat.press(step) if step.startswith("f:") else chat.say(step))


async def test_typed_answers_work_without_buttons(app: HtxApp, chat: Chat):
    await fill(chat)
    assert "DK-" in chat.replies[-1].text
    async with app.sessions() as s:
        row = await s.scalar(select(Registration))
    assert row.kind == "tht" and row.call_time == "buổi trưa" and row.province_code == "92"


async def test_deleting_my_data_keeps_an_anonymous_count(app: HtxApp, chat: Chat):
    await fill(chat)
    await chat.say("/xoadulieu")
    await chat.press("del:yes")
    async with app.sessions() as s:
        row = await s.scalar(select(Registration))
        assert row.full_name == "" and row.phone == "" and row.user_id is None
        assert (await counts(s)).by["province"] == {"92": 1}


async def test_other_users_registrations_are_not_reachable(app: HtxApp, chat: Chat):
    await fill(chat)
    async with app.sessions() as s:
        row = await s.scalar(select(Registration))
    stranger = Chat(app, user_id="99")
    [reply] = await stranger.press(f"reg:withdraw_yes:{row.id}")
    assert "Không tìm thấy" in reply.text
    [reply] = await stranger.say(f"/dangky_{row.id}")
    assert "chỉ dành cho cán bộ" in reply.text
    [reply] = await stranger.say("/dsdangky")
    assert "chỉ dành cho cán bộ" in reply.text
    admin = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    [reply] = await admin.say("/dsdangky can tho moi")
    assert row.ref in reply.text
    [reply] = await admin.say("/dsdangky ha noi")
    assert "Không có đăng ký" in reply.text


async def test_changing_the_province_then_going_back_never_saves_a_commune_of_another(
    app: HtxApp, chat: Chat
):
    """Edit the place from the summary, type a new province, then go back twice without
    answering the commune question: confirming must ask for a commune of the new province, not
    save the old one (a Cần Thơ commune under Phú Thọ)."""
    await fill(chat, finish=False)
    await chat.press("f:v:yes")
    await chat.press("f:v:edit")
    await chat.press("f:v:edit:province")
    *_, asked = await chat.say("hoa binh")  # now in Phú Thọ (with a note on the old name)
    assert "Phú Thọ" in asked.text
    assert "Ea Kar" not in asked.text and "Việt Trì" in asked.text  # an example from there
    await chat.say("quay lại")
    *_, summary = await chat.say("quay lại")
    assert "Ninh Kiều" not in summary.text
    *_, asked_again = await chat.press("f:v:confirm")
    assert "Phú Thọ" in asked_again.text  # the commune question, for the new province
    async with app.sessions() as s:
        assert await s.scalar(select(Registration)) is None
    await chat.say("viet tri")
    replies = await chat.press("f:v:confirm")
    assert "DK-" in replies[-1].text
    async with app.sessions() as s:
        row = await s.scalar(select(Registration))
    assert row.province_code == "25"
    assert row.commune_code in wards_of("25")


async def test_my_data_names_my_place_and_counts_what_else_is_kept(app: HtxApp, chat: Chat):
    """/toi showed the province and commune as codes ('66', '24373'), and nothing of the
    registration, class places, reminders or questions the bot also keeps."""
    await fill(chat)
    [mine] = await chat.say("/toi")
    assert "Thành phố Cần Thơ" in mine.text and "Ninh Kiều" in mine.text
    assert "Đăng ký thành lập: 1" in mine.text and "nhắc nhở chưa gửi: 0" in mine.text
    # The phone as it was typed, the language by its name, not '+84987654321' and 'vi'.
    assert "0987 654 321" in mine.text and "Tiếng Việt" in mine.text
    stranger = Chat(app, user_id="98")
    [theirs] = await stranger.say("/toi")
    assert "Đăng ký thành lập: 0" in theirs.text and "Cần Thơ" not in theirs.text


async def test_dangky_again_in_the_middle_resumes_instead_of_starting_over(chat: Chat):
    """/dangky halfway through silently threw away what had been typed."""
    await chat.say("/dangky")
    await chat.press("f:v:tht")
    await chat.say("Phạm Văn Minh")
    resumed, question = await chat.say("/dangky")
    assert "làm dở" in resumed.text and "(bước 3/11)" in question.text  # the phone question
    await chat.say("0987654321")
    *_, asked = await chat.say("can tho")
    assert "(bước 5/11)" in asked.text  # Minh's name was kept: on to the commune


async def test_report_year_must_be_a_year(app: HtxApp):
    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    for bad in ("abc", "1800", "20266"):
        [usage] = await staff.say(f"/baocao {bad}")
        assert "/baocao kèm năm" in usage.text, bad
    [report] = await staff.say("/baocao 2026")
    assert "2026" in report.text and "/baocao kèm năm" not in report.text


async def test_start_in_the_middle_says_the_dialog_is_open_and_offers_to_go_on(chat: Chat):
    """After /start mid-form, the next thing typed still answered the form, unannounced."""
    [menu] = await chat.say("/start")
    assert "f:resume" not in str(menu.buttons)  # nothing open: the menu alone
    await chat.say("/dangky")
    await chat.press("f:v:tht")
    menu, note = await chat.say("/start")
    assert "Xin chào" in menu.text and "làm dở" in note.text
    assert [b.payload for b in note.buttons[0]] == ["f:resume", "f:cancel"]
    [question] = await chat.press("f:resume")
    assert "(bước 2/11)" in question.text  # the name question, where it stopped
    *_, note = await chat.say("/menu")
    [cancelled] = await chat.press(note.buttons[0][1].payload)
    assert "làm dở" not in " ".join(r.text for r in await chat.say("/menu"))
    assert cancelled.buttons  # the menu, after "Huỷ"


async def test_a_command_answered_mid_dialog_says_the_dialog_is_still_open(chat: Chat):
    """After /lophoc or /nhactoi in the middle of /dangky, a question typed next was read as
    the phone number, with nothing saying a registration was still open."""
    await chat.say("/dangky")
    await chat.press("f:v:tht")
    await chat.say("Phạm Văn Minh")
    for command in ("/lophoc", "/nhactoi 8h mai họp", "/toi"):
        *_, note = await chat.say(command)
        assert "làm dở" in note.text, command
        assert [b.payload for row in note.buttons for b in row] == ["f:resume", "f:cancel"]
    [ok] = await chat.say("/huy")
    assert "làm dở" not in ok.text


async def test_a_button_of_a_finished_dialog_says_so_before_the_menu(chat: Chat):
    """«Xác nhận» pressed again after the registration was saved showed the bare menu."""
    await fill(chat)
    [menu] = await chat.press("f:confirm")
    assert "đã xong hoặc đã huỷ" in menu.text
    assert any(b.payload == "menu:register" for row in menu.buttons for b in row)


async def test_a_dialog_this_version_no_longer_has_is_not_announced(app: HtxApp, chat: Chat):
    """Its «Làm tiếp» could lead nowhere: such a row is treated as no dialog at all."""
    await chat.say("/start")
    async with app.sessions() as s:
        user = await find_user(s, "test", "42")
        assert user is not None
        await set_form(s, user.id, "a_form_since_removed", "step", {})
        await s.commit()
    replies = await chat.say("/start")
    assert len(replies) == 1 and "làm dở" not in replies[0].text


async def test_a_dialog_step_this_version_does_not_know_is_left_alone(app: HtxApp, chat: Chat):
    """During a rolling deploy an older process may read a step a newer one saved (the class
    edit's «Xác nhận» step): it raised StopIteration on every message. It now reads what is
    typed as if no dialog were open, and leaves the row for a process that knows the step."""
    await chat.say("/start")
    async with app.sessions() as s:
        user = await find_user(s, "test", "42")
        assert user is not None
        await set_form(s, user.id, CREATE_FORM.name, "a_step_added_later", {"title": "Lớp"})
        user.roles = "staff"
        await s.commit()
    replies = await chat.say("/start")
    assert len(replies) == 1 and "làm dở" not in replies[0].text
    await chat.say("thành lập hợp tác xã cần mấy người")
    assert chat.routes[-1] == "question" and "error" not in chat.routes
    async with app.sessions() as s:
        kept = await s.get(FormState, user.id)
        assert kept is not None and kept.step == "a_step_added_later"


async def test_a_staff_dialog_left_by_someone_no_longer_staff_does_not_trap_them(
    app: HtxApp, chat: Chat
):
    """Everything they typed was refused as a staff action until they found /huy."""
    await chat.say("/start")
    async with app.sessions() as s:
        user = await find_user(s, "test", "42")
        assert user is not None
        await set_form(s, user.id, CREATE_FORM.name, CREATE_FORM.steps[0].key, {})
        await s.commit()
    replies = await chat.say("/start")
    assert len(replies) == 1 and "làm dở" not in replies[0].text
    await chat.say("thành lập hợp tác xã cần mấy người")
    assert chat.routes[-1] == "question"  # not "form:refused"


async def test_someone_typing_my_phone_gets_a_registration_of_their_own_not_mine(app: HtxApp):
    owner, intruder = Chat(app, user_id="41"), Chat(app, user_id="42")
    await fill(owner)
    await fill(intruder)  # same phone, same type, within 24 hours
    assert "DK-" in intruder.replies[-1].text  # a new registration, not the owner's offered
    async with app.sessions() as s:
        rows = list(await s.scalars(select(Registration).order_by(Registration.id)))
    assert len(rows) == 2 and rows[0].full_name == "Phạm Văn Minh"
