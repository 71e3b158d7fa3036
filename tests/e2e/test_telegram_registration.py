"""End to end on Telegram: the registration dialog, the staff pipeline, reports and exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from bot.app import HtxApp
from bot.telegram_channel import TelegramChannel
from storage.models import AuditLog, FormState, Registration, RegistrationEvent
from tests.conftest import ADMIN_ID, make_settings
from tests.fake_telegram import FakeTelegram

STAFF_CHAT = -100500


class Farmer:
    """One Telegram user stepping through dialogs; remembers how many messages they got."""

    def __init__(self, tg: FakeTelegram, user_id: int) -> None:
        self.tg, self.id, self.seen = tg, user_id, 0

    async def _next(self, count: int = 1) -> list[dict]:
        msgs = await self.tg.wait_sent(self.seen + count, chat_id=self.id)
        new = msgs[self.seen :]
        self.seen = len(msgs)
        return new

    async def say(self, text: str, count: int = 1) -> list[dict]:
        self.tg.send_text(self.id, text)
        return await self._next(count)

    async def press(self, data: str, count: int = 1) -> list[dict]:
        self.tg.press(self.id, data)
        return await self._next(count)

    async def share_contact(self, phone: str, count: int = 1) -> list[dict]:
        self.tg.send_contact(self.id, phone)
        return await self._next(count)


def inline(msg: dict) -> dict[str, str]:
    markup = msg.get("reply_markup") or {}
    return {
        b["text"]: b.get("callback_data", "")
        for row in markup.get("inline_keyboard", [])
        for b in row
    }


def value_of(msg: dict, label_part: str) -> str:
    return next(data for text, data in inline(msg).items() if label_part in text)


async def count(app: HtxApp, model: type) -> int:
    async with app.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model)) or 0


async def fill_until_consent(f: Farmer, phone_by_contact: bool = True) -> None:
    [kind] = await f.say("/dangky")
    assert "bước 1/11" in kind["text"]
    await f.press(value_of(kind, "Hợp tác xã"))
    [err, again] = await f.say("A1 <script>", count=2)
    assert "chỉ gồm chữ cái" in err["text"] and "bước 2/11" in again["text"]
    [ask_phone] = await f.say("Nguyễn Thị Hoà")
    keyboard = ask_phone["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_contact"] is True
    [err, _] = await f.say("12345", count=2)
    assert "<code>12345</code>" in err["text"] and "0912 345 678" in err["text"]
    if phone_by_contact:
        [ask_province] = await f.share_contact("84912345678")
    else:
        [ask_province] = await f.say("0912 345 678")
    assert "bước 4/11" in ask_province["text"]
    [ask_commune] = await f.say("dak lak")
    assert "Đắk Lắk" in ask_commune["text"]
    [ask_sector] = await f.say("ea kar")
    await f.press(value_of(ask_sector, "Trồng trọt"))
    [ask_members] = await f.say("cà phê, hồ tiêu")
    assert "05 thành viên" in ask_members["text"]
    [low, ask_support] = await f.say("3", count=2)
    assert "ít nhất 05" in low["text"] and "Điều 4 khoản 7" in low["text"]
    [toggled] = await f.press(value_of(ask_support, "Tư vấn"))
    assert any(text.startswith("☑️") for text in inline(toggled))
    [toggled] = await f.press(value_of(toggled, "Vay vốn"))
    [ask_call] = await f.press(value_of(toggled, "Xong"))
    [ask_consent] = await f.press(value_of(ask_call, "sáng"))
    assert "Nghị định 13/2023" in ask_consent["text"]


async def test_registration_happy_path_with_edit_and_staff_pipeline(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    app = telegram_bot.app
    f = Farmer(tg, 3001)
    await fill_until_consent(f)
    [summary] = await f.press("f:v:yes")
    assert "Nguyễn Thị Hoà" in summary["text"] and "0912 345 678" in summary["text"]
    assert "Xã Ea Kar" in summary["text"] and "Đắk Lắk" in summary["text"]
    # Edit the name from the summary, then come back to the summary.
    [fields] = await f.press(value_of(summary, "Sửa"))
    await f.press(value_of(fields, "Họ tên"))
    [summary] = await f.say("Nguyễn Thị Hoà Bình")
    assert "Nguyễn Thị Hoà Bình" in summary["text"]
    assert await count(app, Registration) == 0  # nothing stored before confirmation
    [done] = await f.press(value_of(summary, "Xác nhận"))
    assert "DK-" in done["text"]
    assert inline(done)["📖 Các bước thành lập HTX"] == "qa:faq-cac-buoc-thanh-lap-htx"
    async with app.sessions() as s:
        row = await s.scalar(select(Registration))
    assert row.phone == "+84912345678" and row.full_name == "Nguyễn Thị Hoà Bình"
    assert row.province_code == "66" and row.support == ["tu_van", "vay_von"]
    assert row.ref in done["text"] and row.members_expected == 3

    [notice] = await tg.wait_sent(1, chat_id=STAFF_CHAT)
    assert row.ref in notice["text"] and "Nguyễn" not in notice["text"]
    tg.press(ADMIN_ID, inline(notice)["🙋 Nhận xử lý"])
    [claimed] = await tg.wait_sent(1, chat_id=ADMIN_ID)
    assert "nhận xử lý" in claimed["text"]
    tg.send_text(ADMIN_ID, f"/dangky_{row.id}")
    [detail] = (await tg.wait_sent(2, chat_id=ADMIN_ID))[1:]
    assert "Nguyễn Thị Hoà Bình" in detail["text"] and "0912 345 678" in detail["text"]
    assert "(người đăng ký)" in detail["text"] and "(user)" not in detail["text"]  # history
    tg.press(ADMIN_ID, value_of(detail, "Đã liên hệ"))
    await tg.wait_sent(3, chat_id=ADMIN_ID)
    tg.send_text(ADMIN_ID, "Đã gọi, hẹn gặp thứ Hai")
    [changed] = (await tg.wait_sent(4, chat_id=ADMIN_ID))[3:]
    assert "Đã liên hệ" in changed["text"]
    [told] = await f._next()
    assert "tiếp nhận" in told["text"]
    async with app.sessions() as s:
        events = list(await s.scalars(select(RegistrationEvent).order_by(RegistrationEvent.id)))
        audits = {a.action for a in await s.scalars(select(AuditLog))}
    assert [e.to_status for e in events] == ["moi", "da_lien_he"]
    assert events[1].actor == f"telegram:{ADMIN_ID}" and "thứ Hai" in events[1].note
    assert {"registration_claim", "registration_status"} <= audits

    # The farmer sees the status; a staff report counts it; exports read back.
    [mine] = await f.say("/dangkycuatoi")
    assert "Đã liên hệ" in mine["text"]
    tg.send_text(ADMIN_ID, "/baocao")
    [report] = (await tg.wait_sent(5, chat_id=ADMIN_ID))[4:]
    assert "Đắk Lắk: 1" in report["text"] and "Hợp tác xã: 1" in report["text"]


async def test_exports_read_back_and_are_staff_only(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    f = Farmer(tg, 3002)
    await fill_until_consent(f, phone_by_contact=False)
    [summary] = await f.press("f:v:yes")
    await f.press(value_of(summary, "Xác nhận"))
    await f.say("/xuat csv")  # a farmer: refused
    assert "chỉ dành cho cán bộ" in tg.sent(3002)[-1]["text"]
    app = telegram_bot.app
    from handlers.registration.export import to_csv, to_xlsx
    from storage.registrations import matching

    async with app.sessions() as s:
        rows = await matching(s)
    data = to_csv(rows, "Asia/Ho_Chi_Minh")
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][0] == "Mã" and table[1][3] == "Nguyễn Thị Hoà"
    assert table[1][4] == "0912 345 678" and table[1][5] == "Đắk Lắk"
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(rows, "Asia/Ho_Chi_Minh")))
    sheet = book.active
    assert sheet["A1"].value == "Mã" and sheet["A1"].font.bold
    assert sheet["D2"].value == "Nguyễn Thị Hoà"
    assert sheet["B2"].is_date
    tg.send_text(ADMIN_ID, "/xuat xlsx")
    [doc, note] = await tg.wait_sent(2, chat_id=ADMIN_ID)
    assert "document" in doc and "1 dòng" in note["text"]


async def test_consent_refused_stores_nothing(tg: FakeTelegram, telegram_bot: TelegramChannel):
    f = Farmer(tg, 3003)
    await fill_until_consent(f)
    [bye] = await f.press("f:v:no")
    assert "không lưu" in bye["text"]
    app = telegram_bot.app
    assert await count(app, Registration) == 0
    assert await count(app, FormState) == 0


async def test_cancel_and_back(tg: FakeTelegram, telegram_bot: TelegramChannel):
    f = Farmer(tg, 3004)
    [kind] = await f.say("/dangky")
    [ask_name] = await f.press(value_of(kind, "Tổ hợp tác"))
    [again] = await f.press(value_of(ask_name, "Quay lại"))
    assert "bước 1/11" in again["text"]
    [ask_name] = await f.press(value_of(again, "Tổ hợp tác"))
    [bye] = await f.press(value_of(ask_name, "Huỷ"))
    assert "Đã huỷ" in bye["text"]
    assert await count(telegram_bot.app, FormState) == 0
    # After cancelling, text is a question again, not an answer.
    [answer] = await f.say("dieu kien thanh lap htx")
    assert "Căn cứ" in answer["text"]


async def test_form_resumes_after_restart(tmp_path: Path, tg: FakeTelegram):
    settings = make_settings(tmp_path, TELEGRAM_API_BASE_URL=tg.base_url)
    f = Farmer(tg, 3005)
    for attempt in range(2):
        app = HtxApp(settings)
        await app.start()
        channel = TelegramChannel(app, settings)
        await channel.start()
        try:
            if attempt == 0:
                [kind] = await f.say("/dangky")
                [ask_name] = await f.press(value_of(kind, "Liên hiệp"))
                assert "bước 2/11" in ask_name["text"]
            else:
                [ask_phone] = await f.say("Lê Văn Tám")
                assert "bước 3/11" in ask_phone["text"]
        finally:
            await channel.stop()
            await app.close()


async def test_duplicate_registration_offers_update(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    f = Farmer(tg, 3006)
    for _ in range(2):
        await fill_until_consent(f)
        [summary] = await f.press("f:v:yes")
        msgs = await f.press(value_of(summary, "Xác nhận"))
    [dup] = msgs
    assert "đã đăng ký cùng loại hình" in dup["text"]
    [updated] = await f.press(value_of(dup, "Cập nhật"))
    assert "Đã cập nhật" in updated["text"]
    assert await count(telegram_bot.app, Registration) == 1
