"""The web server: one ASGI app (Starlette, served by uvicorn) with the channels' webhooks in
webhook mode, and /healthz and /metrics (alone in polling mode, with HTXBOT_HEALTH_PORT).
Signals are handled by `bot.service`, not by uvicorn, so that shutdown happens in our order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import HtxApp

if TYPE_CHECKING:
    from bot.scheduler import Runtime

log = logging.getLogger("htxbot.web")
DEFAULT_TELEGRAM_PATH = "/telegram/webhook"
HEALTH_DB_TIMEOUT = 2.0
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; refuse anything far larger unread
METRICS_EVERY = 5.0  # seconds between database reads for /metrics, however often it is scraped
# A channel's webhook: (secret header value, raw body) → HTTP status.
Accept = Callable[[str | None, bytes], Awaitable[int]]


def telegram_webhook_url(url: str) -> str:
    """The URL given to Telegram: HTXBOT_WEBHOOK_URL, with /telegram/webhook added when it has
    no path (so the URL registered and the route served are always the same)."""
    parts = urlsplit(url)
    if parts.path.strip("/"):
        return url
    return f"{parts.scheme}://{parts.netloc}{DEFAULT_TELEGRAM_PATH}"


def webhook_path(url: str) -> str:
    """The local path of a public webhook URL ('https://bot.example.vn/tg' → '/tg')."""
    return urlsplit(url).path.rstrip("/") or "/"


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # bot.service owns SIGTERM/SIGINT


class WebServer:
    def __init__(
        self,
        app: HtxApp,
        runtime: Runtime | None,
        *,
        host: str,
        port: int,
        webhooks: dict[str, tuple[str, Accept]],
    ) -> None:
        """`webhooks` maps a path to (the header carrying its secret, the channel's handler)."""
        self.app = app
        self.runtime = runtime
        self.webhooks = webhooks
        self.stopping = False
        self._refreshed = -METRICS_EVERY
        routes = [
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/metrics", self.metrics, methods=["GET"]),
        ]
        routes += [
            Route(path, self._webhook_endpoint(header, accept), methods=["POST"])
            for path, (header, accept) in webhooks.items()
        ]
        self.asgi = Starlette(routes=routes)
        config = uvicorn.Config(
            self.asgi,
            host=host,
            port=port,
            lifespan="off",
            access_log=False,
            log_config=None,
            timeout_graceful_shutdown=3,
        )
        self.server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def _webhook_endpoint(header: str, accept: Accept) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not request.headers.get(header):
                return Response(status_code=403)  # before reading a stranger's body
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    return Response(status_code=413)
            status = await accept(request.headers.get(header), bytes(body))
            return Response(status_code=status)

        return endpoint

    async def healthz(self, request: Request) -> Response:
        """200 when the database answers and the scheduler runs; 503 otherwise (or stopping)."""
        checks: dict[str, object] = {}
        try:
            async with self.app.sessions() as s:
                await asyncio.wait_for(s.execute(text("SELECT 1")), HEALTH_DB_TIMEOUT)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        running = self.runtime is not None and self.runtime.running
        checks["scheduler"] = "running" if running else "stopped"
        checks["queue_depth"] = {ch: box.depth() for ch, box in self.app.outboxes.items()}
        healthy = checks["database"] == "ok" and running and not self.stopping
        checks["status"] = "ok" if healthy else ("stopping" if self.stopping else "unhealthy")
        return JSONResponse(checks, status_code=200 if healthy else 503)

    async def metrics(self, request: Request) -> Response:
        """Prometheus text format."""
        if time.monotonic() - self._refreshed >= METRICS_EVERY:
            self._refreshed = time.monotonic()
            try:
                await self.app.metrics.refresh(self.app, self.runtime)
            except Exception as exc:  # still serve what is known in memory
                log.warning("metrics: database figures unavailable: %s", exc)
        return Response(self.app.metrics.render(), media_type="text/plain; version=0.0.4")

    @property
    def port(self) -> int:
        """The port actually bound (useful when 0 asked for any free port)."""
        for server in self.server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self._task.done():
                self._task.result()  # raises why it could not start (port taken…)
                raise RuntimeError("web server stopped at start")
            await asyncio.sleep(0.02)
        log.info("web server listening on port %d", self.port)

    async def stop(self) -> None:
        """Stop accepting connections and finish the requests under way."""
        self.stopping = True
        self.server.should_exit = True
        if self._task is not None:
            await self._task
