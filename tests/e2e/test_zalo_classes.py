"""End to end on Zalo: a staff member creates a class from Zalo with numbered choices, a farmer
lists classes and enrols by typing digits; the calendar file becomes a note."""

from __future__ import annotations

from sqlalchemy import select

from bot.zalo_channel import ZaloChannel
from storage.models import Enrolment, TrainingClass, User
from tests.conftest import ZALO_ADMIN
from tests.e2e.test_zalo_foundation import number_of
from tests.fake_zalo import FakeZalo, Person, user_id


async def test_staff_creates_a_class_and_a_farmer_enrols_with_digits(
    zl: FakeZalo, zalo_bot: ZaloChannel
):
    staff = Person(zl, ZALO_ADMIN, name="Cán bộ")
    await staff.say("/start")
    [ask] = await staff.say("/taolop")
    assert "Tạo lớp" in ask
    [topic] = await staff.say("Tập huấn Luật HTX 2023")
    [desc] = await staff.say(number_of(topic, "Luật HTX"))
    await staff.say(number_of(desc, "Bỏ qua"))
    [confirm] = await staff.say("8h 5/12/2099")
    assert "Thứ Bảy, 05/12/2099 lúc 08:00" in confirm
    await staff.say(number_of(confirm, "Đúng"))
    await staff.say("2h30")
    await staff.say("Hội trường UBND xã Ea Kar")
    await staff.say("dak lak")
    [deadline] = await staff.say("2")  # the capacity, typed
    [audience] = await staff.say(number_of(deadline, "Đến giờ học"))
    [summary] = await staff.say(number_of(audience, "Mọi người"))
    assert "2 giờ 30 phút" in summary and "Đắk Lắk" in summary
    [published] = await staff.say(number_of(summary, "Đăng lớp"))
    async with zalo_bot.app.sessions() as s:
        cls = await s.scalar(select(TrainingClass))
    assert cls is not None and cls.status == "published" and cls.capacity == 2
    assert f"/dslop {cls.id}" in published

    farmer = Person(zl, user_id(400))
    await farmer.say("/start")
    [card, filters] = await farmer.say("/lophoc", count=2)
    assert "Tập huấn Luật HTX 2023" in card and "còn 2/2 chỗ" in card
    # The card's choices are 1–2 and the filter list goes on from 3: both stay answerable.
    assert "1. 📝 Đăng ký lớp 1" in card and "3. Luật HTX" in filters
    [ask_name] = await farmer.say(number_of(card, "Đăng ký"))
    assert "họ và tên" in ask_name
    [ask_phone] = await farmer.say("Lò Văn Páo")
    assert "gõ số điện thoại" in ask_phone  # no share-contact button on Zalo
    [consent] = await farmer.say("0912000001")
    [enrolled] = await farmer.say(number_of(consent, "Đồng ý"))
    assert "Bạn đã đăng ký" in enrolled
    async with zalo_bot.app.sessions() as s:
        enrolment = await s.scalar(select(Enrolment))
        user = await s.scalar(select(User).where(User.external_id == farmer.id))
    assert enrolment is not None and enrolment.status == "enrolled"
    assert user is not None and user.full_name == "Lò Văn Páo" and user.phone == "+84912000001"
    # "Thêm vào lịch" sends an .ics file on Telegram; Zalo cannot upload files.
    [ics, *_] = await farmer.say(number_of(enrolled, "lịch"))
    assert ".ics»" in ics and "Telegram" in ics
