"""The Zalo client (bot/zalo_api.py) against the fake Zalo server: each method's request and
answer, and the errors it raises."""

from __future__ import annotations

import pytest

from bot.outbox import Unreachable
from bot.zalo_api import ZaloApi, ZaloApiError, outbox_error
from tests.fake_zalo import FakeZalo, user_id


async def test_methods_and_errors_against_the_fake(zl: FakeZalo):
    api = ZaloApi(zl.token, zl.base_url)
    try:
        assert (await api.get_me())["account_name"] == "bot.HtxTest"
        uid = user_id(1)
        assert await api.send_message(uid, "Xin chào") is not None
        assert await api.send_photo(uid, "https://lienminh.example/qr.png", "Mã QR") is not None
        await api.send_chat_action(uid, "typing")
        assert [c.params for c in zl.calls if c.method == "sendPhoto"] == [
            {"chat_id": uid, "photo": "https://lienminh.example/qr.png", "caption": "Mã QR"}
        ]
        with pytest.raises(ZaloApiError) as too_long:
            await api.send_message(uid, "a" * 2001)
        assert too_long.value.code == 400 and "2000" in too_long.value.description
        zl.blocked.add(uid)
        with pytest.raises(ZaloApiError) as blocked:
            await api.send_message(uid, "?")
        assert isinstance(outbox_error(blocked.value), Unreachable)
        await api.set_webhook("https://bot.example/zalo/webhook", "secret-123")
        assert (await api.get_webhook_info())["url"] == "https://bot.example/zalo/webhook"
        with pytest.raises(ZaloApiError):
            await api.get_update(1)  # getUpdates is refused while a webhook is set
        await api.delete_webhook()
        assert await api.get_update(1) is None  # 408 after the long poll: no update
        zl.send_text(uid, "/start")
        update = await api.get_update(1)
        assert update is not None and update["message"]["text"] == "/start"
        assert "ZALO-TEST" not in repr(api)
    finally:
        await api.close()
    wrong = ZaloApi("0:wrong", zl.base_url)
    with pytest.raises(ZaloApiError) as refused:
        await wrong.get_me()
    await wrong.close()
    assert refused.value.code == 401
