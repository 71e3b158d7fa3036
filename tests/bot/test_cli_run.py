"""`htxbot run` as a process: Zalo alone with only ZALO_BOT_TOKEN, Telegram and Zalo together
with both tokens (one app, one scheduler), each answering through its fake server; long polling
with HTXBOT_HEALTH_PORT serving /healthz and /metrics."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.bot.test_cli import ROOT
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo, user_id
from tests.ports import free_port


async def run_bot(tmp: Path, **env: str) -> asyncio.subprocess.Process:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("HTXBOT_", "TELEGRAM_", "ZALO_"))
    }
    clean.update(
        {
            "HTXBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'run.db'}",
            "HTXBOT_POLL_TIMEOUT": "1",
            "PYTHONPATH": str(ROOT),
            **env,
        }
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp,
        env=clean,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    return err.decode()


async def test_run_with_only_a_zalo_token_runs_zalo(tmp_path: Path):
    async with FakeZalo() as zl:
        proc = await run_bot(tmp_path, ZALO_BOT_TOKEN=zl.token, ZALO_API_BASE_URL=zl.base_url)
        try:
            zl.send_text(user_id(1), "/start")
            [msg] = await zl.wait_sent(1, chat_id=user_id(1), timeout=60)
        finally:
            err = await stop_bot(proc)
    assert "Xin chào" in msg["text"] and "1. " in msg["text"]
    assert proc.returncode == 0, err
    assert "đang chạy trên Zalo (long polling)" in err


async def test_run_with_both_tokens_runs_telegram_and_zalo(tmp_path: Path):
    async with FakeZalo() as zl, FakeTelegram() as tg:
        proc = await run_bot(
            tmp_path,
            ZALO_BOT_TOKEN=zl.token,
            ZALO_API_BASE_URL=zl.base_url,
            TELEGRAM_BOT_TOKEN=tg.token,
            TELEGRAM_API_BASE_URL=tg.base_url,
        )
        try:
            zl.send_text(user_id(2), "/trogiup")
            tg.send_text(2002, "/trogiup")
            # A first message on Zalo is greeted first (Zalo sends no /start of its own).
            [welcome, zalo_msg] = await zl.wait_sent(2, chat_id=user_id(2), timeout=60)
            [tg_msg] = await tg.wait_sent(1, chat_id=2002, timeout=60)
        finally:
            err = await stop_bot(proc)
    assert "Xin chào" in welcome["text"]
    assert "/ngung" in zalo_msg["text"] and "/ngung" in tg_msg["text"]
    assert tg_msg["parse_mode"] == "HTML" and "<b>" not in zalo_msg["text"]
    assert proc.returncode == 0, err
    assert "đang chạy trên Telegram và Zalo" in err


async def test_run_with_a_health_port_serves_healthz_and_metrics_while_polling(tmp_path: Path):
    port = free_port()
    async with FakeTelegram() as tg:
        proc = await run_bot(
            tmp_path,
            TELEGRAM_BOT_TOKEN=tg.token,
            TELEGRAM_API_BASE_URL=tg.base_url,
            HTXBOT_HEALTH_PORT=str(port),
        )
        try:
            tg.send_text(2003, "/start")
            await tg.wait_sent(1, chat_id=2003, timeout=60)
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    health = (r.status, await r.json())
                # The update is counted once its reply is out, a moment after the fake has it.
                counted = 'htxbot_updates_total{channel="telegram",route="start"} 1.0'
                for _ in range(50):
                    async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
                        metrics = await r.text()
                    if counted in metrics:
                        break
                    await asyncio.sleep(0.1)
                async with http.post(f"http://127.0.0.1:{port}/telegram/webhook") as r:
                    webhook_status = r.status
        finally:
            err = await stop_bot(proc)
    assert health[0] == 200 and health[1]["status"] == "ok", health
    assert health[1]["scheduler"] == "running"
    assert counted in metrics
    assert webhook_status in (404, 405)  # polling: no webhook to post to
    assert "deleteWebhook" in tg.methods() and "setWebhook" not in tg.methods()
    assert proc.returncode == 0, err
    assert "(long polling)" in err
