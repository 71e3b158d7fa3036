"""End to end on Zalo: the real ZaloChannel and HtxApp against the fake Zalo Bot API, on SQLite
and PostgreSQL. Greeting, numbered choices (digits and typed labels) that survive a restart,
staff from Zalo, unsupported content, the webhook's secret and body checks, per-chat order."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from bot.app import HtxApp
from bot.zalo_channel import ZaloChannel
from storage.models import AuditLog, User
from tests.conftest import ZALO_ADMIN, zalo_settings
from tests.fake_zalo import FakeZalo, Person, user_id

HTML_TAG = re.compile(r"</?(b|i|u|s|code|pre|a)\b[^>]*>")


def numbered(text: str) -> dict[int, str]:
    """The numbered choices of a message: {1: '📖 Hỏi đáp luật HTX', …}."""
    return {int(n): label for n, label in re.findall(r"^(\d+)\. (.+)$", text, re.M)}


def number_of(text: str, label_part: str) -> str:
    return str(next(n for n, label in numbered(text).items() if label_part in label))


async def test_first_message_is_greeted_with_a_numbered_menu(zl: FakeZalo, zalo_bot: ZaloChannel):
    p = Person(zl, user_id(1), name="Chị Lan")
    [welcome] = await p.say("Xin chào")
    assert "Xin chào" in welcome and "Chị Lan" in welcome
    choices = numbered(welcome)
    assert "Hỏi đáp luật HTX" in choices[1] and any("Trợ giúp" in c for c in choices.values())
    assert len(choices) == 6 and welcome.endswith("👉 Trả lời một số từ 1 đến 6.")
    assert not HTML_TAG.search(welcome) and "&lt;" not in welcome
    [again] = await p.say("/start")
    assert "Xin chào" in again and numbered(again) == choices
    assert [c.method for c in zl.calls][:2] == ["getMe", "deleteWebhook"]


async def test_first_message_that_is_a_question_gets_welcome_and_answer(
    zl: FakeZalo, zalo_bot: ZaloChannel
):
    p = Person(zl, user_id(2))
    [welcome, answer] = await p.say("dieu kien thanh lap htx", count=2)
    assert "Xin chào" in welcome
    assert "Căn cứ" in answer and "Điều" in answer


async def test_digit_and_typed_label_pick_choices_even_after_a_restart(
    tmp_path: Path, db_url: str, zl: FakeZalo
):
    settings = zalo_settings(tmp_path, db_url, zl)
    p = Person(zl, user_id(3))
    for attempt in range(2):
        app = HtxApp(settings)
        await app.start()
        channel = ZaloChannel(app, settings)
        await channel.start()
        try:
            if attempt == 0:
                [welcome] = await p.say("/start")
                [help_text] = await p.say(number_of(welcome, "Trợ giúp"))
                assert "/ngung" in help_text
            else:  # a new process: the menu offered before the restart still answers digits
                [help_again] = await p.say("tro giup")
                assert "/ngung" in help_again
                [qa] = await p.say("1")
                assert "gõ câu hỏi" in qa.lower() or "câu hỏi" in qa
                [out_of_range] = await p.say("99")  # not a choice: a question like any other
                assert "99" in out_of_range
        finally:
            await channel.stop()
            await app.close()


async def test_staff_listed_as_zalo_admin_uses_staff_commands(zl: FakeZalo, zalo_bot: ZaloChannel):
    staff, farmer = Person(zl, ZALO_ADMIN), Person(zl, user_id(4))
    await farmer.say("/start")
    [refused] = await farmer.say("/cauhoimoi")
    assert "chỉ dành cho cán bộ" in refused
    await staff.say("/start")
    [menu, staff_menu] = await staff.say("/menu", count=2)
    assert any("Mục cán bộ" in label for label in numbered(menu).values())
    assert "/cauhoimoi" in staff_menu
    [promoted] = await staff.say(f"/capquyen zalo:{farmer.id}")
    assert "Đã cấp quyền" in promoted
    async with zalo_bot.app.sessions() as s:
        audit = await s.scalar(select(AuditLog).where(AuditLog.action == "grant_staff"))
        user = await s.scalar(select(User).where(User.external_id == farmer.id))
    assert audit is not None and audit.actor == f"zalo:{ZALO_ADMIN}" and audit.allowed
    assert user is not None and user.channel == "zalo" and "staff" in user.role_set


async def test_sticker_and_image_get_a_friendly_reply(zl: FakeZalo, zalo_bot: ZaloChannel):
    p = Person(zl, user_id(5))
    await p.say("/start")
    zl.send_sticker(p.id)
    [sticker] = await p.next()
    assert "nhãn dán" in sticker and numbered(sticker)
    zl.send_image(p.id)
    [photo] = await p.next()
    assert "ảnh" in photo


async def test_webhook_checks_secret_and_body_then_answers_in_order(
    tmp_path: Path, db_url: str, zl: FakeZalo
):
    secret = "s3cret-webhook-token"
    settings = zalo_settings(tmp_path, db_url, zl, ZALO_WEBHOOK_SECRET=secret)
    app = HtxApp(settings)
    await app.start()
    channel = ZaloChannel(app, settings)
    await channel.start(webhook_url="https://bot.lienminh.example/zalo/webhook")
    try:
        assert (zl.webhook_url, zl.webhook_secret) == (
            "https://bot.lienminh.example/zalo/webhook",
            secret,
        )
        uid = user_id(6)
        body = json.dumps(zl.update(uid, "message.text.received", text="/start")).encode()
        assert await channel.accept_webhook(None, body) == 403
        assert await channel.accept_webhook("wrong-secret-value", body) == 403
        assert await channel.accept_webhook(secret, b"{not json") == 400
        assert await channel.accept_webhook(secret, b'{"message": {}}') == 400
        assert (
            await channel.accept_webhook(secret, b'{"event_name": "message.text.received"}') == 400
        )
        assert zl.sent(uid) == []  # nothing rejected was handled
        # Accepted: answered at once, handled in the order sent (one person's messages).
        texts = ["/start", "/trogiup", "/toi", "/ngung"]
        for text in texts:
            update = zl.update(uid, "message.text.received", text=text)
            assert await channel.accept_webhook(secret, json.dumps(update).encode()) == 200
        # The same delivery twice (a webhook retry) is handled once.
        assert await channel.accept_webhook(secret, json.dumps(update).encode()) == 200
        replies = [m["text"] for m in await zl.wait_sent(4, chat_id=uid)]
        assert "Xin chào" in replies[0] and "/ngung" in replies[1]
        assert f"mã người dùng: {uid}" in replies[2] and "không nhận thông báo" in replies[3]
        # The {"ok": true, "result": update} shape of getUpdates is accepted too.
        wrapped = {"ok": True, "result": zl.update(uid, "message.text.received", text="/menu")}
        assert await channel.accept_webhook(secret, json.dumps(wrapped).encode()) == 200
        [menu] = (await zl.wait_sent(5, chat_id=uid))[4:]
        assert numbered(menu["text"])
    finally:
        await channel.stop()
        await app.close()
    assert "getUpdates" not in zl.methods() and "deleteWebhook" not in zl.methods()
