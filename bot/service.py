"""`htxbot run`: assemble the app, the channels, the scheduler and (in webhook mode) the web
server; stop gracefully on SIGTERM or Ctrl+C within about ten seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time

from bot.app import HtxApp
from bot.scheduler import Runtime
from bot.settings import Settings
from bot.telegram_channel import TelegramChannel
from bot.webserver import WebServer, webhook_path

log = logging.getLogger("htxbot")
STOP_WITHIN = 8.0  # seconds for handlers and sends under way, inside systemd's usual 10

NO_WEBHOOK_URL = """Chế độ webhook cần địa chỉ công khai của bot:
đặt HTXBOT_WEBHOOK_URL=https://ten-mien-cua-ban/telegram (xem README, mục Webhook)."""
NO_WEBHOOK_SECRET = """Chế độ webhook cần một mã bí mật để Telegram ký mỗi yêu cầu:
đặt HTXBOT_WEBHOOK_SECRET=<chuỗi ngẫu nhiên, chữ, số, _ hoặc ->, giống nhau ở mọi tiến trình.
Tạo nhanh: python -c "import secrets; print(secrets.token_urlsafe(32))\""""


def webhook_problem(settings: Settings) -> str | None:
    if not settings.webhook_url:
        return NO_WEBHOOK_URL
    if not settings.webhook_secret:
        return NO_WEBHOOK_SECRET
    return None


async def serve(settings: Settings, *, webhook: bool) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code."""
    app = HtxApp(settings)
    await app.start()
    telegram = TelegramChannel(app, settings, webhook=webhook)
    runtime = Runtime(app, settings)
    web = None
    if webhook:
        web = WebServer(
            app,
            runtime,
            host=settings.webhook_listen,
            port=settings.webhook_port,
            webhooks={
                webhook_path(settings.webhook_url): (
                    "X-Telegram-Bot-Api-Secret-Token",
                    telegram.accept_webhook,
                )
            },
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if web is not None:
            await web.start()  # listening before setWebhook, so no update is refused
        await telegram.start()
        await runtime.start()
        mode = f"webhook, port {web.port}" if web is not None else "long polling"
        print(f"htxbot đang chạy trên Telegram ({mode}). Ctrl+C để dừng.", file=sys.stderr)
        await stop.wait()
    finally:
        await shutdown(app, telegram, runtime, web)
    return 0


async def shutdown(
    app: HtxApp, telegram: TelegramChannel, runtime: Runtime, web: WebServer | None
) -> None:
    """Stop taking updates (webhooks answer 503, so Telegram retries them elsewhere or later),
    finish the handlers and sends under way, give back claimed rows, close the database."""
    started = time.monotonic()
    log.info("shutting down")
    telegram.accepting = False
    if web is not None:
        web.stopping = True
    steps = [runtime.stop(), telegram.stop_updates()]
    if web is not None:
        steps.append(web.stop())
    try:
        await asyncio.wait_for(asyncio.gather(*steps), STOP_WITHIN)
    except TimeoutError:
        log.error("shutdown: work still under way after %.0fs, stopping anyway", STOP_WITHIN)
    await runtime.release_claims()
    with contextlib.suppress(Exception):
        await telegram.stop()
    await app.close()
    log.info("stopped in %.1fs", time.monotonic() - started)
