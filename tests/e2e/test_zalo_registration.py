"""End to end on Zalo: the ten-step registration answered with digits and labels typed without
diacritics, the phone typed (Zalo has no share-contact button), the row stored, staff told."""

from __future__ import annotations

from sqlalchemy import select

from bot.zalo_channel import ZaloChannel
from storage.models import FormState, Registration
from tests.e2e.test_zalo_foundation import number_of, numbered
from tests.fake_zalo import FakeZalo, Person, user_id


async def test_registration_with_digits_and_typed_labels(zl: FakeZalo, zalo_bot: ZaloChannel):
    f = Person(zl, user_id(300), name="Hoà")
    await f.say("/start")
    [kind] = await f.say("/dangky")
    assert "bước 1/11" in kind and numbered(kind)[1] == "Hợp tác xã"
    assert "(gõ /huy để huỷ)" in kind and "quay lại" not in kind  # no step to go back to
    [ask_name] = await f.say(number_of(kind, "Hợp tác xã"))
    assert "bước 2/11" in ask_name and not numbered(ask_name)  # only back/cancel: typed words
    assert "(gõ «quay lại» để về câu trước, /huy để huỷ)" in ask_name
    [ask_phone] = await f.say("Nguyễn Thị Hoà")
    assert "bước 3/11" in ask_phone and "bạn hãy gõ số điện thoại" in ask_phone
    [err, again] = await f.say("12345", count=2)
    assert "12345" in err and "0912 345 678" in err and "bước 3/11" in again
    [ask_province] = await f.say("0912 345 678")
    assert "bước 4/11" in ask_province
    [ask_commune] = await f.say("dak lak")
    assert "Đắk Lắk" in ask_commune
    [ask_sector] = await f.say("ea kar")
    assert numbered(ask_sector)[1] == "Trồng trọt"
    [ask_products] = await f.say("trong trot")  # the label, typed without diacritics
    assert "Sản phẩm" in ask_products
    [ask_members] = await f.say("cà phê, hồ tiêu")
    assert "05 thành viên" in ask_members
    [low, ask_support] = await f.say("3", count=2)  # a number typed, not choice 3
    assert "ít nhất 05" in low and "Điều 4 khoản 7" in low and "bước 9/11" in ask_support
    [toggled] = await f.say("tu van thanh lap")
    assert numbered(toggled)[1].startswith("☑️")
    [toggled] = await f.say(number_of(toggled, "Vay vốn"))
    assert numbered(toggled)[2].startswith("☑️")
    # Several numbers at once, as shown on the screen: each toggles (Vay vốn off, Đào tạo on).
    [toggled] = await f.say(f"{number_of(toggled, 'Đào tạo')}, {number_of(toggled, 'Vay vốn')}")
    assert [n for n, label in numbered(toggled).items() if label.startswith("☑️")] == [1, 3]
    [ask_call] = await f.say("xong")
    [ask_consent] = await f.say(number_of(ask_call, "sáng"))
    assert "Nghị định 13/2023" in ask_consent
    [summary] = await f.say(number_of(ask_consent, "Đồng ý"))
    assert "Nguyễn Thị Hoà" in summary and "0912 345 678" in summary
    assert "Xã Ea Kar, Đắk Lắk" in summary
    [done] = await f.say("xac nhan")
    assert "DK-" in done
    async with zalo_bot.app.sessions() as s:
        row = await s.scalar(select(Registration))
        forms = list(await s.scalars(select(FormState)))
    assert row is not None and row.ref in done
    assert row.phone == "+84912345678" and row.full_name == "Nguyễn Thị Hoà"
    assert row.province_code == "66" and row.sector == "trong_trot"
    assert row.support == ["tu_van", "dao_tao"] and row.members_expected == 3
    assert forms == []
    [mine] = await f.say("/dangkycuatoi")
    assert row.ref in mine


async def test_back_and_cancel_are_typed(zl: FakeZalo, zalo_bot: ZaloChannel):
    f = Person(zl, user_id(301))
    await f.say("/start")
    [kind] = await f.say("/dangky")
    await f.say(number_of(kind, "Tổ hợp tác"))
    [again] = await f.say("quay lai")
    assert "bước 1/11" in again
    await f.say("2")
    [bye] = await f.say("/huy")
    assert "Đã huỷ" in bye
    [answer] = await f.say("dieu kien thanh lap htx")  # text is a question again
    assert "Căn cứ" in answer
