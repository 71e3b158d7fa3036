"""`htxbot run --webhook` as a real process with Telegram and Zalo: one web server takes both
webhooks (each with its own secret), answers on each channel, and SIGTERM stops it cleanly."""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp

from tests.e2e.test_two_processes import BotProcess
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo, user_id

TG_SECRET, ZALO_SECRET = "telegram-secret-1", "zalo-secret-12345"


async def post(url: str, body: dict, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as r:
        return r.status


async def test_one_web_server_serves_telegram_and_zalo_webhooks(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    async with FakeZalo() as zl:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HTXBOT_", "TELEGRAM_"))}
        env = {k: v for k, v in env.items() if not k.startswith("ZALO_")}
        env |= {
            "HTXBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_BASE_URL": tg.base_url,
            "ZALO_BOT_TOKEN": zl.token,
            "ZALO_API_BASE_URL": zl.base_url,
            "HTXBOT_WEBHOOK_URL": "https://htx.example.vn/tg",
            "HTXBOT_WEBHOOK_SECRET": TG_SECRET,
            "ZALO_WEBHOOK_SECRET": ZALO_SECRET,
            # Its own URL, as behind a proxy that forwards only /htxbot/… to the bot.
            "ZALO_WEBHOOK_URL": "https://htx.example.vn/htxbot/zalo",
        }
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start()
        try:
            assert tg.webhook["url"] == "https://htx.example.vn/tg"
            assert zl.webhook_url == "https://htx.example.vn/htxbot/zalo"
            assert zl.webhook_secret == ZALO_SECRET
            base = f"http://127.0.0.1:{bot.port}"
            zalo_update = zl.update(user_id(7), "message.text.received", text="xin chào")
            wrong = {"X-Bot-Api-Secret-Token": TG_SECRET}  # Telegram's secret is not Zalo's
            assert await post(base + "/htxbot/zalo", zalo_update, wrong) == 403
            right = {"X-Bot-Api-Secret-Token": ZALO_SECRET}
            assert await post(base + "/zalo/webhook", zalo_update, right) == 404  # not there
            assert await post(base + "/htxbot/zalo", zalo_update, right) == 200
            [greeting] = await zl.wait_sent(1, chat_id=user_id(7), timeout=30)
            assert "Xin chào" in greeting["text"] and "<b>" not in greeting["text"]
            tg.use_webhooks([base + "/tg"])
            tg.send_text(4101, "/start")
            [welcome] = await tg.wait_sent(1, chat_id=4101, timeout=30)
            assert "Xin chào" in welcome["text"]
        finally:
            code = await bot.terminate()
            bot.kill()
        assert code == 0, bot.log.read_text()[-2000:]
        assert "stopped in" in bot.log.read_text()
