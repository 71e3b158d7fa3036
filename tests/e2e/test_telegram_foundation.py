"""End to end: the real htxbot app and python-telegram-bot against the fake Bot API server."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.telegram_channel import TelegramChannel
from storage.models import AuditLog, User
from tests.conftest import ADMIN_ID
from tests.fake_telegram import FakeTelegram


def buttons(message: dict) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


async def test_start_sends_welcome_and_main_menu(tg: FakeTelegram, telegram_bot: TelegramChannel):
    tg.send_text(1001, "/start")
    [msg] = await tg.wait_sent(1, chat_id=1001)
    assert "Xin chào" in msg["text"]
    assert msg["parse_mode"] == "HTML"
    assert msg["link_preview_options"] == {"is_disabled": True}
    labels = [label for label, _ in buttons(msg)]
    assert any("Hỏi đáp luật HTX" in label for label in labels)
    assert any("Thành lập HTX" in label for label in labels)
    assert any("Trợ giúp" in label for label in labels)
    assert "setMyCommands" in tg.methods()
    commands = next(c.params["commands"] for c in tg.calls if c.method == "setMyCommands")
    assert {"start", "menu", "trogiup", "huy", "ngung", "batdau", "toi", "xoadulieu"} <= {
        c["command"] for c in commands
    }


async def test_english_user_gets_english_ui(tg: FakeTelegram, telegram_bot: TelegramChannel):
    tg.send_text(1002, "/start", language_code="en")
    [msg] = await tg.wait_sent(1, chat_id=1002)
    assert "Hello" in msg["text"]


async def test_button_press_is_answered_and_shows_screen(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    tg.press(1003, "menu:help")
    [msg] = await tg.wait_sent(1, chat_id=1003)
    assert "/ngung" in msg["text"]
    assert "answerCallbackQuery" in tg.methods()
    tg.press(1003, "menu:announcements")
    msgs = await tg.wait_sent(2, chat_id=1003)
    assert "nhận thông báo" in msgs[1]["text"]


async def test_delete_my_data_removes_the_user(tg: FakeTelegram, telegram_bot: TelegramChannel):
    app = telegram_bot.app
    tg.send_text(1004, "/start")
    await tg.wait_sent(1, chat_id=1004)
    async with app.sessions() as s:
        assert (
            await s.scalar(
                select(func.count()).select_from(User).where(User.external_id == "1004")
            )
            == 1
        )
    tg.send_text(1004, "/xoadulieu")
    msgs = await tg.wait_sent(2, chat_id=1004)
    assert ("Có, xoá dữ liệu của tôi", "del:yes") in buttons(msgs[1])
    tg.press(1004, "del:yes")
    msgs = await tg.wait_sent(3, chat_id=1004)
    assert "Đã xoá" in msgs[2]["text"]
    async with app.sessions() as s:
        assert (
            await s.scalar(
                select(func.count()).select_from(User).where(User.external_id == "1004")
            )
            == 0
        )


async def test_staff_command_from_non_staff_is_refused_and_audited(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    tg.send_text(1005, "/capquyen 1006")
    [msg] = await tg.wait_sent(1, chat_id=1005)
    assert "chỉ dành cho cán bộ" in msg["text"]
    async with telegram_bot.app.sessions() as s:
        row = await s.scalar(select(AuditLog).where(AuditLog.actor == "telegram:1005"))
    assert row is not None and row.allowed is False and row.action == "grant_staff"


async def test_admin_promotes_user_who_then_sees_staff_menu(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    tg.send_text(1007, "/start", username="ba_lan")
    await tg.wait_sent(1, chat_id=1007)
    tg.send_text(ADMIN_ID, "/capquyen @ba_lan")
    [confirm] = await tg.wait_sent(1, chat_id=ADMIN_ID)
    assert "Đã cấp quyền" in confirm["text"]
    msgs = await tg.wait_sent(2, chat_id=1007)
    assert "được cấp quyền cán bộ" in msgs[1]["text"]
    tg.send_text(1007, "/menu")
    msgs = await tg.wait_sent(4, chat_id=1007)
    assert any("Mục cán bộ" in label for label, _ in buttons(msgs[2]))
    async with telegram_bot.app.sessions() as s:
        row = await s.scalar(select(AuditLog).where(AuditLog.action == "grant_staff"))
    assert row is not None and row.allowed and row.target == "telegram:1007"


async def test_sticker_gets_friendly_reply_and_menu(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    tg.send_sticker(1008)
    [msg] = await tg.wait_sent(1, chat_id=1008)
    assert "nhãn dán" in msg["text"]
    assert buttons(msg)


async def test_user_text_is_escaped_in_html(tg: FakeTelegram, telegram_bot: TelegramChannel):
    tg.send_text(1009, "/lenh<b>la</b>")
    [msg] = await tg.wait_sent(1, chat_id=1009)
    assert "<b>la</b>" not in msg["text"]
    assert "&lt;b&gt;" in msg["text"]
