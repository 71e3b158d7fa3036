"""What the fake Telegram and Zalo APIs share: serving on 127.0.0.1, a record of every call,
waiting for the messages the bot sent, and 429s (a rate limit over any second, or a refusal
planned by a test)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakePlatform:
    """The base of a fake messaging API served at /bot<token>/<method>. Subclasses name their
    message-sending methods (`SENDS`) and those a rate limit counts (`LIMITED`), answer in
    `_dispatch()`, and call `refused(method)` for every call and `delivered()` after each
    message sent."""

    SENDS: tuple[str, ...] = ()
    LIMITED: tuple[str, ...] = ()

    def __init__(self, *, token: str, rate_limit: float | None) -> None:
        self.token = token
        self.rate_limit = rate_limit
        self.calls: list[Call] = []
        self.too_many_requests = 0
        self.port = 0
        self._sent_event = asyncio.Event()
        self._window: list[float] = []
        self._calls_of: Counter[str] = Counter()  # every call per method, refused ones too
        self._refuse_at: dict[str, int] = {}  # method → which of its calls gets a 429
        self._runner: web.AppRunner | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.Response:
        raise NotImplementedError

    async def serve(self, app: web.Application) -> None:
        """Serve on 127.0.0.1, on a free port (`self.port`)."""
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop_serving(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- reading what the bot did ------------------------------------------------------------
    def sent(self, chat_id: object = None) -> list[dict[str, Any]]:
        """The messages sent (calls of `SENDS` not refused with 429 or 403), optionally to one
        chat. A call the API then answers 400 (too long, say) is in the list too."""
        return [
            c.params
            for c in self.calls
            if c.method in self.SENDS
            and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def wait_sent(
        self, count: int, chat_id: Any = None, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until at least `count` messages went to the chat; returns them all."""
        deadline = time.monotonic() + timeout
        while len(self.sent(chat_id)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} messages to {chat_id}, got {self.sent(chat_id)}"
                )
            self._sent_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_event.wait(), remaining)
        return self.sent(chat_id)

    def delivered(self) -> None:
        """A message was sent: wakes wait_sent()."""
        self._sent_event.set()

    # --- 429s ----------------------------------------------------------------------------------
    def refuse_once(self, method: str, on_call: int = 1) -> None:
        """Answer the `on_call`-th next call of `method` with 429 (retry after 1 s)."""
        self._refuse_at[method] = self._calls_of[method] + on_call

    def refused(self, method: str) -> bool:
        """Count this call; whether it is to be answered with 429."""
        self._calls_of[method] += 1
        if method not in self.LIMITED:
            return False
        if self._rate_limited() or self._refuse_at.get(method) == self._calls_of[method]:
            self.too_many_requests += 1
            return True
        return False

    @staticmethod
    def too_many_requests_response(description: str) -> web.Response:
        """A 429 asking to retry after 1 s, as both platforms word it."""
        return web.json_response(
            {
                "ok": False,
                "error_code": 429,
                "description": description,
                "parameters": {"retry_after": 1},
            },
            status=429,
        )

    def _rate_limited(self) -> bool:
        if self.rate_limit is None:
            return False
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.rate_limit:
            return True
        self._window.append(now)
        return False
