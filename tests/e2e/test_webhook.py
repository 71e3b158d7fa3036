"""Webhook mode in one process: Telegram POSTs updates (secret checked), /healthz and /metrics
tell the truth, and a graceful stop gives claimed rows back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import HtxApp
from bot.scheduler import Runtime
from bot.service import shutdown
from bot.telegram_channel import TelegramChannel
from bot.webserver import WebServer, webhook_path
from storage.broadcasts import create_broadcast
from storage.models import BroadcastRecipient, utcnow
from storage.users import get_or_create_user
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram

SECRET = "s3cret-token_1"
PUBLIC_URL = "https://htx.example.vn/tg/hook"


@dataclass
class Deployment:
    app: HtxApp
    telegram: TelegramChannel
    runtime: Runtime
    web: WebServer

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web.port}"


@pytest.fixture
async def deployed(tmp_path: Path, db_url: str, tg: FakeTelegram) -> AsyncIterator[Deployment]:
    settings = make_settings(
        tmp_path,
        HTXBOT_DATABASE_URL=db_url,
        TELEGRAM_API_BASE_URL=tg.base_url,
        HTXBOT_WEBHOOK_URL=PUBLIC_URL,
        HTXBOT_WEBHOOK_SECRET=SECRET,
        HTXBOT_WEBHOOK_PORT=0,
        HTXBOT_TELEGRAM_RATE_LIMIT=True,
        HTXBOT_DISPATCH_INTERVAL=0.2,
    )
    app = HtxApp(settings)
    await app.start()
    telegram = TelegramChannel(app, settings, webhook=True)
    runtime = Runtime(app, settings)
    web = WebServer(
        app,
        runtime,
        host="127.0.0.1",
        port=0,
        webhooks={
            webhook_path(PUBLIC_URL): ("X-Telegram-Bot-Api-Secret-Token", telegram.accept_webhook)
        },
    )
    await web.start()
    await telegram.start()
    await runtime.start()
    deployment = Deployment(app, telegram, runtime, web)
    tg.use_webhooks([deployment.base + "/tg/hook"])
    yield deployment
    if not web.stopping:
        await shutdown(app, runtime, web, [telegram])


async def test_updates_arrive_by_webhook_and_are_answered(
    tg: FakeTelegram, deployed: Deployment
) -> None:
    assert tg.webhook["url"] == PUBLIC_URL
    assert tg.webhook["secret_token"] == SECRET
    assert tg.webhook.get("drop_pending_updates") in (None, False)
    tg.send_text(4001, "/start")
    [msg] = await tg.wait_sent(1, chat_id=4001)
    assert "Xin chào" in msg["text"]
    assert "getUpdates" not in tg.methods()


@pytest.mark.parametrize("header", [None, "wrong", SECRET[:-1]])
async def test_webhook_without_the_secret_is_refused(
    tg: FakeTelegram, deployed: Deployment, header: str | None
) -> None:
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 4002, "type": "private"},
            "from": FakeTelegram.user(4002),
            "text": "/start",
        },
    }
    headers = {} if header is None else {"X-Telegram-Bot-Api-Secret-Token": header}
    async with (
        aiohttp.ClientSession() as http,
        http.post(deployed.base + "/tg/hook", json=update, headers=headers) as r,
    ):
        assert r.status == 403
    await asyncio.sleep(0.3)
    assert tg.sent(4002) == []
    async with deployed.app.sessions() as s:
        from storage.models import User

        assert await s.scalar(select(func.count()).select_from(User)) == 0


async def test_malformed_webhook_body_is_a_400(deployed: Deployment) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with (
        aiohttp.ClientSession() as http,
        http.post(deployed.base + "/tg/hook", data=b"{not json", headers=headers) as r,
    ):
        assert r.status == 400


async def test_healthz_and_metrics(tg: FakeTelegram, deployed: Deployment) -> None:
    tg.send_text(4003, "/start")
    tg.send_text(4003, "hop tac xa can toi thieu bao nhieu thanh vien")
    await tg.wait_sent(2, chat_id=4003)
    async with aiohttp.ClientSession() as http:
        async with http.get(deployed.base + "/healthz") as r:
            assert r.status == 200
            body = await r.json()
        # An update is counted once its reply is out, a moment after the fake has it.
        for _ in range(50):
            async with http.get(deployed.base + "/metrics") as r:
                assert r.status == 200
                metrics = await r.text()
            if 'htxbot_reply_seconds_count{channel="telegram"} 2.0' in metrics:
                break
            await asyncio.sleep(0.1)
    assert body["database"] == "ok" and body["scheduler"] == "running"
    assert body["queue_depth"] == {"telegram": 0}
    assert 'htxbot_updates_total{channel="telegram",route="start"} 1.0' in metrics
    assert 'htxbot_reply_seconds_count{channel="telegram"} 2.0' in metrics
    assert 'htxbot_sends_total{channel="telegram",result="sent"} 2.0' in metrics
    assert "htxbot_reminders_due 0.0" in metrics
    assert 'htxbot_outbox_depth{channel="telegram"} 0.0' in metrics


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_healthz_reports_a_stopped_database(
    tg: FakeTelegram, deployed: Deployment, db_url: str
) -> None:
    from tests.conftest import _postgres_admin

    admin = await _postgres_admin()
    try:
        name = db_url.rsplit("/", 1)[1]
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()
    async with aiohttp.ClientSession() as http, http.get(deployed.base + "/healthz") as r:
        assert r.status == 503
        body = await r.json()
    assert body["database"].startswith("error") and body["status"] == "unhealthy"


async def test_graceful_stop_gives_claimed_rows_back(
    tg: FakeTelegram, deployed: Deployment
) -> None:
    app = deployed.app
    async with app.sessions() as s:
        for i in range(300):
            await get_or_create_user(
                s, channel="telegram", external_id=str(50_000 + i), chat_id=str(50_000 + i)
            )
        await create_broadcast(
            s,
            created_by="telegram:777",
            text="Hội chợ nông sản",
            segment={},
            send_at=utcnow() - timedelta(seconds=1),
            quiet_override=True,
        )
        await s.commit()
    await tg.wait_sent(40, timeout=30)
    # It stops mid-broadcast (fewer than 300 sent, below) rather than waiting for it to end.
    await shutdown(app, deployed.runtime, deployed.web, [deployed.telegram])
    sent = [str(p["chat_id"]) for p in tg.sent() if str(p["chat_id"]).startswith("5")]
    assert len(sent) == len(set(sent)) and 40 <= len(sent) < 300
    check = HtxApp(app.settings)
    try:
        async with check.sessions() as s:
            rows = (
                await s.execute(
                    select(BroadcastRecipient.status, func.count()).group_by(
                        BroadcastRecipient.status
                    )
                )
            ).all()
    finally:
        await check.close()
    counts = dict(rows)
    assert "sending" not in counts
    assert counts["sent"] == len(sent) and counts["pending"] == 300 - len(sent)


async def test_oversized_webhook_body_is_refused_unread(deployed: Deployment) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with (
        aiohttp.ClientSession() as http,
        http.post(deployed.base + "/tg/hook", data=b"x" * (2 * 1024 * 1024), headers=headers) as r,
    ):
        assert r.status == 413


def test_the_url_registered_and_the_path_served_agree() -> None:
    from bot.webserver import telegram_webhook_url

    assert telegram_webhook_url("https://bot.example.vn/tg") == "https://bot.example.vn/tg"
    bare = telegram_webhook_url("https://bot.example.vn")
    assert bare == "https://bot.example.vn/telegram/webhook"
    assert webhook_path(bare) == "/telegram/webhook"
    assert webhook_path("https://bot.example.vn/a/b/") == "/a/b"
