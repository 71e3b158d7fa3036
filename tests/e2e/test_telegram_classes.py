"""End to end on Telegram: create → publish → enrol → full → waiting list → leave → promotion,
deep link, QR code, calendar file, roster exports, reschedule and cancel."""

from __future__ import annotations

import csv
import io

import zxingcpp
from PIL import Image
from sqlalchemy import select

from bot.telegram_channel import TelegramChannel
from storage.models import Enrolment, TrainingClass
from tests.conftest import ADMIN_ID
from tests.e2e.test_telegram_registration import Farmer, inline, value_of
from tests.fake_telegram import BOT_USERNAME, FakeTelegram


async def create_class(staff: Farmer, capacity: int = 2) -> list[dict]:
    [ask] = await staff.say("/taolop")
    assert "Tạo lớp" in ask["text"]
    [topic] = await staff.say("Tập huấn Luật HTX 2023 <cho> cán bộ")
    [desc] = await staff.press(value_of(topic, "Luật HTX"))
    await staff.press(value_of(desc, "Bỏ qua"))
    [err, _] = await staff.say("khong biet", count=2)
    assert "chưa hiểu" in err["text"]
    [confirm] = await staff.say("8h 5/12/2099")
    assert "Thứ Bảy, 05/12/2099 lúc 08:00" in confirm["text"]
    await staff.press(value_of(confirm, "Đúng"))
    await staff.say("2h30")
    await staff.say("Hội trường UBND xã Ea Kar")
    await staff.say("dak lak")
    [deadline] = await staff.say(str(capacity))
    [audience] = await staff.press(value_of(deadline, "Đến giờ học"))
    [summary] = await staff.press(value_of(audience, "Mọi người"))
    assert "2 giờ 30 phút" in summary["text"] and "Đắk Lắk" in summary["text"]
    assert "&lt;cho&gt;" in summary["text"]
    assert "lớp số" not in summary["text"]  # not numbered yet ("lớp số 0" before)
    return await staff.press(value_of(summary, "Đăng lớp"))


async def test_class_lifecycle(tg: FakeTelegram, telegram_bot: TelegramChannel):
    app = telegram_bot.app
    staff = Farmer(tg, ADMIN_ID)
    [published] = await create_class(staff, capacity=2)
    async with app.sessions() as s:
        cls = await s.scalar(select(TrainingClass))
    assert cls.status == "published" and cls.duration_minutes == 150 and cls.capacity == 2
    assert f"/dslop {cls.id}" in published["text"]

    # Three farmers: two take the seats (the first through the deep link), one waits.
    a, b, c = Farmer(tg, 4001), Farmer(tg, 4002), Farmer(tg, 4003)
    [card] = await a.say(f"/start lop_{cls.id}")
    assert "Tập huấn Luật HTX 2023" in card["text"] and "còn 2/2 chỗ" in card["text"]
    [ask_name] = await a.press(f"cls:enrol:{cls.id}")
    assert "họ và tên" in ask_name["text"]
    await a.say("Lò Văn Páo")
    [consent] = await a.say("0912000001")
    [enrolled] = await a.press(value_of(consent, "Đồng ý"))
    assert "Bạn đã đăng ký" in enrolled["text"]
    for farmer, phone in ((b, "0912000002"), (c, "0912000003")):
        await farmer.say("/lophoc", count=2)
        await farmer.press(f"cls:enrol:{cls.id}")
        await farmer.say("Nông Dân Hai")
        [consent] = await farmer.say(phone)
        await farmer.press(value_of(consent, "Đồng ý"))
    assert "vị trí số 1" in tg.sent(4003)[-1]["text"]

    # The calendar file.
    await a.press(f"cls:ics:{cls.id}", count=2)
    docs = [cl.params for cl in tg.calls if cl.method == "sendDocument"]
    assert docs and str(docs[-1]["chat_id"]) == "4001"

    # Roster and its CSV export.
    [roster] = await staff.say(f"/dslop {cls.id}")
    assert "Đã đăng ký (2)" in roster["text"] and "Danh sách chờ (1)" in roster["text"]
    assert f"https://t.me/{BOT_USERNAME}?start=lop_{cls.id}" in roster["text"]
    await staff.press(value_of(roster, "CSV"), count=2)

    # A leaves: C gets the seat and is told.
    [mine] = await a.say("/lopcuatoi")
    [sure] = await a.press(value_of(mine, "Huỷ đăng ký"))
    [kept] = await a.press(value_of(sure, "Không, giữ chỗ"))  # a mis-tap loses nothing
    assert "vẫn được giữ" in kept["text"]
    async with app.sessions() as s:
        assert sorted(e.status for e in await s.scalars(select(Enrolment))).count("enrolled") == 2
    [sure] = await a.press(value_of(mine, "Huỷ đăng ký"))
    assert "chuyển ngay cho người đang chờ" in sure["text"]
    [left] = await a.press(value_of(sure, "Có, huỷ chỗ"))
    assert "Đã huỷ đăng ký" in left["text"]
    [promoted] = await c._next()
    assert "Đã có chỗ" in promoted["text"]
    async with app.sessions() as s:
        states = {e.user_id: e.status for e in await s.scalars(select(Enrolment))}
        cls = await s.get(TrainingClass, cls.id)
    assert sorted(states.values()) == ["cancelled", "enrolled", "enrolled"]
    assert cls.seats_taken == 2

    # Reschedule, confirmed first: everyone enrolled hears it once; then cancel the class.
    [roster] = await staff.say(f"/dslop {cls.id}")
    await staff.press(value_of(roster, "Đổi lịch"))
    [confirm] = await staff.say("14h 6/12/2099")
    assert "báo ngay cho 2 người" in confirm["text"]
    [changed] = await staff.press(value_of(confirm, "Xác nhận"))
    assert "Đã báo 2 người" in changed["text"]
    [told_b] = await b._next()
    assert "05/12/2099 lúc 08:00" in told_b["text"] and "06/12/2099 lúc 14:00" in told_b["text"]
    await c._next()
    [roster] = await staff.say(f"/dslop {cls.id}")
    [confirm] = await staff.press(value_of(roster, "Huỷ lớp"))
    [done] = await staff.press(value_of(confirm, "Có, huỷ lớp"))
    assert "báo 2 người" in done["text"]
    [told_c] = await c._next()
    assert "đã bị huỷ" in told_c["text"]
    [closed] = await a.press(f"cls:enrol:{cls.id}")
    assert "đã bị huỷ" in closed["text"]


async def test_qr_code_decodes_to_the_deep_link(tg: FakeTelegram, telegram_bot: TelegramChannel):
    from handlers.classes.staff import qr_png

    link = f"https://t.me/{BOT_USERNAME}?start=lop_7"
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(link))))
    assert found.text == link
    staff = Farmer(tg, ADMIN_ID)
    await create_class(staff)
    await staff.say("/qr 1", count=2)
    doc = next(cl.params for cl in tg.calls if cl.method == "sendDocument")
    assert str(doc["chat_id"]) == str(ADMIN_ID)


async def test_farmer_cannot_use_staff_class_tools(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    f = Farmer(tg, 4010)
    for command in ("/taolop", "/dslop 1", "/qr 1"):
        [reply] = await f.say(command)
        assert "chỉ dành cho cán bộ" in reply["text"]
    [reply] = await f.press("clss:cancel_yes:1")
    assert "chỉ dành cho cán bộ" in reply["text"]


def test_roster_csv_reads_back():
    from datetime import UTC, datetime

    from handlers.classes.roster_files import roster_csv
    from storage.models import User

    cls = TrainingClass(id=3, title="Kế toán HTX")
    when = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    people = [
        (
            Enrolment(status="enrolled", attended=True, created_at=when),
            User(display_name="Hà Thị Mai", phone="+84912000009", province_code="66"),
        )
    ]
    rows = list(
        csv.reader(io.StringIO(roster_csv(cls, people, "Asia/Ho_Chi_Minh").decode("utf-8-sig")))
    )
    assert rows[0] == ["Lớp 3: Kế toán HTX"]
    assert rows[2] == [
        "1",
        "Hà Thị Mai",
        "0912 000 009",
        "Đắk Lắk",
        "Đã đăng ký",
        "01/12/2026 08:00",
        "Có",
    ]
    assert inline({"reply_markup": None}) == {}


def test_calendar_file_content():
    from datetime import UTC, datetime

    from handlers.classes.view import ics

    start = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
    cls = TrainingClass(
        id=9,
        title="Kế toán; HTX, cơ bản",
        description="Mang theo sổ\nsách",
        starts_at=start,
        duration_minutes=150,
        place="Hội trường xã",
        online_link="",
        status="published",
        updated_at=start,
    )
    text = ics(cls).decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    unfolded = text.replace("\r\n ", "")
    assert "DTSTART:20261205T010000Z" in unfolded and "DTEND:20261205T033000Z" in unfolded
    assert "SUMMARY:Kế toán\\; HTX\\, cơ bản" in unfolded
    assert "DESCRIPTION:Mang theo sổ\\nsách" in unfolded
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
