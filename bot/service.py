"""`htxbot run`: assemble the app, the configured channels (Telegram, Zalo), the scheduler and,
in webhook mode, the web server; stop gracefully on SIGTERM or Ctrl+C within about ten
seconds."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import time
from typing import Protocol
from urllib.parse import urlsplit

from bot.app import HtxApp
from bot.scheduler import Runtime
from bot.settings import Settings
from bot.webserver import Accept, WebServer, telegram_webhook_url, webhook_path

log = logging.getLogger("htxbot")
STOP_WITHIN = 8.0  # seconds for handlers and sends under way, inside systemd's usual 10
ZALO_PATH = "/zalo/webhook"

NO_WEBHOOK_URL = """Chế độ webhook cần địa chỉ công khai của bot:
đặt HTXBOT_WEBHOOK_URL=https://ten-mien-cua-ban/telegram (xem README, mục Webhook);
bot chỉ chạy trên Zalo thì đặt ZALO_WEBHOOK_URL=https://ten-mien-cua-ban/zalo cũng được."""
NO_WEBHOOK_SECRET = """Chế độ webhook cần một mã bí mật để Telegram ký mỗi yêu cầu:
đặt HTXBOT_WEBHOOK_SECRET=<chuỗi ngẫu nhiên, chữ, số, _ hoặc ->, giống nhau ở mọi tiến trình.
Tạo nhanh: python -c "import secrets; print(secrets.token_urlsafe(32))\""""
NO_ZALO_SECRET = (
    """Webhook Zalo cần ZALO_WEBHOOK_SECRET (8–256 ký tự), giống nhau ở mọi tiến trình."""
)
SAME_PATH = """Telegram và Zalo không thể dùng chung một đường dẫn webhook ({path}):
đặt ZALO_WEBHOOK_URL khác đường dẫn của HTXBOT_WEBHOOK_URL (xem README, mục Webhook)."""


class Channel(Protocol):
    name: str
    accepting: bool
    secret_header: str

    async def start(self, *, webhook_url: str | None = None) -> None: ...

    async def accept_webhook(self, secret: str | None, body: bytes) -> int: ...

    async def stop_updates(self) -> None: ...

    async def stop(self) -> None: ...


def webhook_problem(settings: Settings) -> str | None:
    zalo_only = not settings.telegram_bot_token
    if not settings.webhook_url and not (zalo_only and settings.zalo_webhook_url):
        return NO_WEBHOOK_URL
    if settings.telegram_bot_token and not settings.webhook_secret:
        return NO_WEBHOOK_SECRET
    if settings.zalo_bot_token and not settings.zalo_webhook_secret:
        return NO_ZALO_SECRET
    if settings.telegram_bot_token and settings.zalo_bot_token:
        path = webhook_path(telegram_webhook_url(settings.webhook_url))
        if path == webhook_path(zalo_webhook_url(settings)):
            return SAME_PATH.format(path=path)
    return None


def zalo_webhook_url(settings: Settings) -> str:
    """ZALO_WEBHOOK_URL, or /zalo/webhook on the host of HTXBOT_WEBHOOK_URL; a URL with no
    path gets /zalo/webhook. The web server serves Zalo at this URL's path."""
    url = settings.zalo_webhook_url or settings.webhook_url
    parts = urlsplit(url)
    if settings.zalo_webhook_url and parts.path.strip("/"):
        return url
    return f"{parts.scheme}://{parts.netloc}{ZALO_PATH}"


def channels_for(app: HtxApp, settings: Settings, *, webhook: bool) -> list[Channel]:
    """Every channel with a token: Telegram, Zalo, or both (one app, one scheduler)."""
    channels: list[Channel] = []
    if settings.telegram_bot_token:
        from bot.telegram_channel import TelegramChannel

        channels.append(TelegramChannel(app, settings, webhook=webhook))
    if settings.zalo_bot_token:
        from bot.zalo_channel import ZaloChannel

        channels.append(ZaloChannel(app, settings))
    return channels


def webhook_url_of(channel: Channel, settings: Settings) -> str:
    if channel.name == "telegram":
        return telegram_webhook_url(settings.webhook_url)
    return zalo_webhook_url(settings)


def settle_memory() -> None:
    """Everything built at start (the Q&A index, the libraries' objects) lives as long as the
    process: moved out of the garbage collector's reach, a full collection no longer walks
    it and stops the event loop for about 100 ms, long enough to bunch the sends after it."""
    gc.collect()
    gc.freeze()


async def serve(settings: Settings, *, webhook: bool) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code."""
    app = HtxApp(settings)
    await app.start()
    channels = channels_for(app, settings, webhook=webhook)
    runtime = Runtime(app, settings)
    web = None
    if webhook:
        hooks: dict[str, tuple[str, Accept]] = {}
        for channel in channels:
            path = webhook_path(webhook_url_of(channel, settings))
            hooks[path] = (channel.secret_header, channel.accept_webhook)
        web = WebServer(
            app, runtime, host=settings.webhook_listen, port=settings.webhook_port, webhooks=hooks
        )
        if settings.health_port is not None:
            log.warning("HTXBOT_HEALTH_PORT unused: with webhooks, /healthz is on their port")
    elif settings.health_port is not None:
        web = WebServer(
            app, runtime, host=settings.webhook_listen, port=settings.health_port, webhooks={}
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if web is not None:
            await web.start()  # listening before setWebhook, so no update is refused
        for channel in channels:
            await channel.start(webhook_url=webhook_url_of(channel, settings) if webhook else None)
        await runtime.start()
        settle_memory()
        names = " và ".join("Telegram" if c.name == "telegram" else "Zalo" for c in channels)
        mode = f"webhook, cổng {web.port}" if webhook and web is not None else "long polling"
        print(f"htxbot đang chạy trên {names} ({mode}). Ctrl+C để dừng.", file=sys.stderr)
        await stop.wait()
    finally:
        await shutdown(app, runtime, web, channels)
    return 0


async def shutdown(
    app: HtxApp, runtime: Runtime, web: WebServer | None, channels: list[Channel]
) -> None:
    """Stop taking updates (webhooks answer 503, so the platform sends them again later or to
    another process), finish the handlers and sends under way, give back claimed rows, close
    the database."""
    started = time.monotonic()
    log.info("shutting down")
    for channel in channels:
        channel.accepting = False
    if web is not None:
        web.stopping = True
    steps = [runtime.stop(), *(channel.stop_updates() for channel in channels)]
    if web is not None:
        steps.append(web.stop())
    try:
        await asyncio.wait_for(asyncio.gather(*steps), STOP_WITHIN)
    except TimeoutError:
        log.error("shutdown: work still under way after %.0fs, stopping anyway", STOP_WITHIN)
        await runtime.abort()
    await runtime.release_claims()
    for channel in channels:
        with contextlib.suppress(Exception):
            await channel.stop()
    await app.close()
    log.info("stopped in %.1fs", time.monotonic() - started)
