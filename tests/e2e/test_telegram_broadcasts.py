"""End to end on Telegram: compose → preview with the exact count → send; opted-out people
excluded, a blocked one marked, the staff member gets the report; HTML checked; cancel."""

from __future__ import annotations

from sqlalchemy import select

from bot.broadcaster import Broadcaster
from bot.telegram_channel import TelegramChannel
from messages.quiet_hours import parse_quiet_hours
from storage.models import Broadcast, BroadcastRecipient, User
from tests.conftest import ADMIN_ID
from tests.e2e.test_telegram_registration import Farmer, value_of
from tests.fake_telegram import FakeTelegram

NEVER_QUIET = parse_quiet_hours("03:00-03:00")


async def compose_for_province(staff: Farmer, text: str, province: str) -> dict:
    """/thongbao with a text, no file, no link, to one province: returns "add a condition?"."""
    await staff.say("/thongbao")
    [ask_file] = await staff.say(text)
    [ask_buttons] = await staff.press(value_of(ask_file, "Bỏ qua"))
    [ask_segment] = await staff.press(value_of(ask_buttons, "Bỏ qua"))
    await staff.press(value_of(ask_segment, "Theo tỉnh"))
    [ask_more] = await staff.say(province)
    return ask_more


async def test_broadcast_compose_preview_send_report(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    app = telegram_bot.app
    farmers = [Farmer(tg, 6000 + i) for i in range(4)]
    for f in farmers:
        await f.say("/start")
    await farmers[0].say("/ngung")  # opted out: never reached
    tg.blocked.add(6001)  # blocked the bot: counted and unsubscribed
    staff = Farmer(tg, ADMIN_ID)
    await staff.say("/start")
    await staff.say("/thongbao")
    [err, _] = await staff.say("<div>Hội chợ</div>", count=2)
    assert "không được Telegram hỗ trợ" in err["text"]
    [ask_file] = await staff.say("<b>Hội chợ OCOP</b> ngày 5/12 &amp; 6/12 tại tỉnh")
    [err, _] = await staff.say("không có ảnh", count=2)
    assert "cần một ảnh hoặc một tệp" in err["text"]
    await staff.press(value_of(ask_file, "Bỏ qua"))
    [err, _] = await staff.say("Đăng ký ở đây", count=2)
    assert "Tên nút" in err["text"]
    [ask_segment] = await staff.say("Đăng ký | https://lienminh.example/hoicho")
    [ask_when] = await staff.press(value_of(ask_segment, "Mọi người"))
    [preview] = await staff.press(value_of(ask_when, "Gửi ngay, kể cả"))
    assert "<b>4</b> người" in preview["text"]  # 3 farmers subscribed + the staff member
    assert "Hội chợ OCOP" in preview["text"] and "/ngung" in preview["text"]
    [scheduled] = await staff.press(value_of(preview, "Gửi"))
    assert "#1" in scheduled["text"]

    broadcaster = Broadcaster(app, rate=50, quiet=NEVER_QUIET, worker="test:1")
    while await broadcaster.tick():
        pass
    for f in (farmers[2], farmers[3]):
        [msg] = await f._next()
        assert "<b>Hội chợ OCOP</b>" in msg["text"] and "/ngung" in msg["text"]
        link = msg["reply_markup"]["inline_keyboard"][0][0]
        assert link == {"text": "Đăng ký", "url": "https://lienminh.example/hoicho"}
    assert len(tg.sent(6000)) == 2  # /start and /ngung replies only
    to_staff = [m["text"] for m in await tg.wait_sent(staff.seen + 3, chat_id=ADMIN_ID)]
    assert any("đang gửi" in text for text in to_staff)  # the progress message
    [report] = [text for text in to_staff if "đã gửi xong: 3/4" in text]
    assert "1 đã chặn" in report
    edits = [c.params for c in tg.calls if c.method == "editMessageText"]
    assert edits and "✅ Thông báo #1 đã gửi xong" in edits[-1]["text"]
    async with app.sessions() as s:
        statuses = sorted(r.status for r in await s.scalars(select(BroadcastRecipient)))
        blocked = await s.scalar(select(User).where(User.external_id == "6001"))
        bc = await s.scalar(select(Broadcast))
    assert statuses == ["blocked", "sent", "sent", "sent"]
    assert blocked.subscribed is False and bc.status == "done"


async def test_cancel_and_staff_only(tg: FakeTelegram, telegram_bot: TelegramChannel):
    f = Farmer(tg, 6100)
    for command in ("/thongbao", "/dsthongbao", "/huythongbao 1"):
        [reply] = await f.say(command)
        assert "chỉ dành cho cán bộ" in reply["text"]
    staff = Farmer(tg, ADMIN_ID)
    ask_more = await compose_for_province(staff, "Họp ngày mai", "dak lak")
    assert "Đắk Lắk" in ask_more["text"]
    await staff.press(value_of(ask_more, "Tiếp tục"))
    [preview] = await staff.say("8h 5/12/2099")
    assert "<b>0</b> người" in preview["text"] and "Đắk Lắk" in preview["text"]
    await staff.press(value_of(preview, "Gửi"))
    [listed] = await staff.say("/dsthongbao")
    # Not "đã gửi 0/0": its recipients are written only when it starts.
    assert "sẽ gửi cho 0 người" in listed["text"] and "0/0" not in listed["text"]
    [cancelled] = await staff.press(value_of(listed, "Huỷ thông báo"))
    assert "Đã huỷ thông báo #1" in cancelled["text"]
    [listed] = await staff.say("/dsthongbao")
    assert "đã huỷ" in listed["text"] and "chưa gửi cho ai" in listed["text"]


async def test_a_published_class_is_announced_to_its_province(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    from tests.e2e.test_telegram_classes import create_class

    app = telegram_bot.app
    near, far = Farmer(tg, 6200), Farmer(tg, 6201)
    for f in (near, far):
        await f.say("/start")
    async with app.sessions() as s:
        for user in await s.scalars(select(User).where(User.external_id.in_(["6200", "6201"]))):
            user.province_code = "66" if user.external_id == "6200" else "1"
        await s.commit()
    staff = Farmer(tg, ADMIN_ID)
    [published] = await create_class(staff)  # a class for Đắk Lắk (66)
    [scheduled] = await staff.press(value_of(published, "Thông báo lớp này"))
    assert "cho 1 người" in scheduled["text"]
    broadcaster = Broadcaster(app, rate=50, quiet=NEVER_QUIET, worker="test:2")
    while await broadcaster.tick():
        pass
    [announcement] = await near._next()
    assert "Lớp tập huấn mới" in announcement["text"] and "?start=lop_1" in announcement["text"]
    assert len(tg.sent(6201)) == 1  # only the /start reply


async def test_broadcast_with_a_photo_sent_in_the_dialog(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    app = telegram_bot.app
    farmer = Farmer(tg, 6200)
    await farmer.say("/start")
    staff = Farmer(tg, ADMIN_ID)
    await staff.say("/start")
    await staff.say("/thongbao")
    await staff.say("Lịch <b>hội chợ</b> kèm ảnh")
    tg.send_photo(ADMIN_ID, "PHOTO-FROM-STAFF")
    [ask_buttons] = await staff._next()
    assert "nút liên kết" in ask_buttons["text"], ask_buttons["text"]
    [ask_segment] = await staff.press(value_of(ask_buttons, "Bỏ qua"))
    [ask_when] = await staff.press(value_of(ask_segment, "Mọi người"))
    [preview] = await staff.press(value_of(ask_when, "Gửi ngay, kể cả"))
    assert preview["photo"] == "PHOTO-FROM-STAFF" and "Xem trước" in preview["caption"]
    await staff.press(value_of(preview, "Gửi"))
    broadcaster = Broadcaster(app, rate=50, quiet=NEVER_QUIET, worker="test:1")
    while await broadcaster.tick():
        pass
    [announced] = await farmer._next()
    assert announced["photo"] == "PHOTO-FROM-STAFF"
    assert (
        "Lịch <b>hội chợ</b> kèm ảnh" in announced["caption"] and "/ngung" in announced["caption"]
    )
    assert announced["parse_mode"] == "HTML"
    assert tg.uploads == 0  # sent again by Telegram's file_id, never uploaded


async def test_role_segments_reach_leaders_farmers_or_staff(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    app = telegram_bot.app
    leader, farmer, promoted = Farmer(tg, 6301), Farmer(tg, 6302), Farmer(tg, 6303)
    for person in (leader, farmer, promoted):
        await person.say("/start")
    [ask] = await leader.say("/lichhtx")  # runs a co-op: becomes a co-op leader
    [meeting] = await leader.press(value_of(ask, "31/12"))
    await leader.press(value_of(meeting, "Bỏ qua"))
    staff = Farmer(tg, ADMIN_ID)  # staff because HTXBOT_ADMINS lists them
    await staff.say("/start")
    await staff.say("/capquyen 6303")  # staff because another staff member promoted them
    counts = {}
    for role, language in (
        ("Lãnh đạo HTX", None),
        ("Nông dân", None),
        ("Cán bộ", None),
        ("Lãnh đạo HTX", "English"),  # conditions add up: English-speaking leaders (none)
    ):
        await staff.say("/thongbao")
        [ask_file] = await staff.say("Họp lãnh đạo HTX")
        [ask_buttons] = await staff.press(value_of(ask_file, "Bỏ qua"))
        [ask_segment] = await staff.press(value_of(ask_buttons, "Bỏ qua"))
        [ask_role] = await staff.press(value_of(ask_segment, "Theo vai trò"))
        [ask_more] = await staff.press(value_of(ask_role, role))
        if language:
            [ask_segment] = await staff.press(value_of(ask_more, "Thêm điều kiện"))
            [ask_language] = await staff.press(value_of(ask_segment, "Theo ngôn ngữ"))
            [ask_more] = await staff.press(value_of(ask_language, language))
        [ask_when] = await staff.press(value_of(ask_more, "Tiếp tục"))
        [preview] = await staff.press(value_of(ask_when, "Gửi ngay, kể cả"))
        counts[(role, language)] = preview["text"].split("<b>")[2].split("</b>")[0]
        if counts[(role, language)] != "0":  # nobody to send to now: no Send button
            await staff.press(value_of(preview, "Gửi"))
        else:
            await staff.press(value_of(preview, "Huỷ"))
    assert counts == {
        ("Lãnh đạo HTX", None): "1",
        ("Nông dân", None): "1",
        ("Cán bộ", None): "2",
        ("Lãnh đạo HTX", "English"): "0",
    }
    broadcaster = Broadcaster(app, rate=50, quiet=NEVER_QUIET, worker="test:1")
    while await broadcaster.tick():
        pass
    async with app.sessions() as s:
        got = {(r.broadcast_id, r.chat_id) for r in await s.scalars(select(BroadcastRecipient))}
    assert got == {(1, "6301"), (2, "6302"), (3, str(ADMIN_ID)), (3, "6303")}


async def test_going_back_and_choosing_another_audience_replaces_the_condition(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    """Back from "add another condition?" to "who?" and a new choice: the condition given
    before is taken back, not added (it used to be: the preview showed both)."""
    await Farmer(tg, 6401).say("/start")
    staff = Farmer(tg, ADMIN_ID)
    await staff.say("/thongbao")
    [ask_file] = await staff.say("Họp thôn")
    [ask_buttons] = await staff.press(value_of(ask_file, "Bỏ qua"))
    [ask_segment] = await staff.press(value_of(ask_buttons, "Bỏ qua"))
    await staff.press(value_of(ask_segment, "Theo tỉnh"))
    [ask_more] = await staff.say("dak lak")
    assert "Đắk Lắk" in ask_more["text"]
    [ask_province] = await staff.press(value_of(ask_more, "Quay lại"))
    [ask_segment] = await staff.press(value_of(ask_province, "Quay lại"))
    [ask_role] = await staff.press(value_of(ask_segment, "Theo vai trò"))
    [ask_more] = await staff.press(value_of(ask_role, "Nông dân"))
    assert "Nông dân" in ask_more["text"] and "Đắk Lắk" not in ask_more["text"]
    # Another condition, then Back over it: the first one stays, the second is gone.
    [ask_segment] = await staff.press(value_of(ask_more, "Thêm điều kiện"))
    [ask_language] = await staff.press(value_of(ask_segment, "Theo ngôn ngữ"))
    [ask_more] = await staff.press(value_of(ask_language, "English"))
    assert "; en</b>" in ask_more["text"]
    [ask_language] = await staff.press(value_of(ask_more, "Quay lại"))
    [ask_segment] = await staff.press(value_of(ask_language, "Quay lại"))
    [ask_more] = await staff.press(value_of(ask_segment, "Quay lại"))
    assert "Nông dân" in ask_more["text"] and "; en</b>" not in ask_more["text"]
    [ask_when] = await staff.press(value_of(ask_more, "Tiếp tục"))
    [preview] = await staff.press(value_of(ask_when, "Gửi ngay, kể cả"))
    assert "Đắk Lắk" not in preview["text"] and "<b>1</b> người" in preview["text"]
    await staff.press(value_of(preview, "Gửi"))
    async with telegram_bot.app.sessions() as s:
        bc = await s.scalar(select(Broadcast))
    assert bc is not None and set(bc.segment) == {"role", "staff_refs"}
    assert bc.segment["role"] == "farmer"


async def test_plain_signs_in_a_broadcast_are_kept_and_nobody_to_send_to_is_said(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    """'5 < 6 & a>b' was refused, twice over, with a request to type '&lt;'; and a preview for
    an audience of nobody still offered Send."""
    staff = Farmer(tg, ADMIN_ID)
    text = "Giá lúa < 7.000đ & phân bón > 10% — họp ngày 5/12"
    ask_more = await compose_for_province(staff, text, "ca mau")  # nobody there
    [ask_when] = await staff.press(value_of(ask_more, "Tiếp tục"))
    [preview] = await staff.press(value_of(ask_when, "Gửi ngay, kể cả"))
    assert "Giá lúa &lt; 7.000đ &amp; phân bón &gt; 10%" in preview["text"]
    assert "<b>0</b> người" in preview["text"] and "không có ai" in preview["text"]
    labels = [b["text"] for row in preview["reply_markup"]["inline_keyboard"] for b in row]
    assert not any("Gửi" in label for label in labels) and "⬅️ Quay lại" in labels
    async with telegram_bot.app.sessions() as s:
        assert await s.scalar(select(Broadcast)) is None
