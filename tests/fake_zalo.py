"""A local fake of the Zalo Bot Platform API (aiohttp on 127.0.0.1), for end-to-end tests.

It implements what htxbot uses, as the public docs describe it: POST /bot<TOKEN>/<method> with
a JSON body, answers {"ok", "result"} or {"ok": false, "error_code", "description"}; getMe;
getUpdates as a long poll returning ONE update per call (error 408 when none came in time);
sendMessage (1 to 2,000 characters, else 400), sendPhoto, sendChatAction, setWebhook (HTTPS url,
secret_token of 8–256 characters), deleteWebhook, getWebhookInfo. Plus injectable user messages,
a record of every call, an optional rate limit answered with 429, and users the bot cannot
reach, answered with 403 (the docs do not publish that error; 403 is our assumption).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from typing import Any

from aiohttp import web

from tests.fake_platform import Call, FakePlatform

BOT_ID = "1459232241454765289"
TEXT_LIMIT = 2000


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def user_id(n: int) -> str:
    """A Zalo-like user id (Zalo ids are opaque hex strings, not numbers)."""
    return f"{n:020x}"


class FakeZalo(FakePlatform):
    """Run with `async with FakeZalo() as zl:`; point the bot at `zl.base_url`."""

    SENDS = LIMITED = ("sendMessage", "sendPhoto")

    def __init__(self, *, token: str = "12345:ZALO-TEST", rate_limit: float | None = None):
        super().__init__(token=token, rate_limit=rate_limit)
        self.blocked: set[str] = set()
        self.webhook_url = ""
        self.webhook_secret = ""
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._ids = itertools.count(1)

    # --- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> FakeZalo:
        await self.serve(web.Application())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._new_update.set()
        await self.stop_serving()

    # --- injecting what users do -------------------------------------------------------------
    def update(self, uid: str, event_name: str, name: str = "Nông dân", **content: Any) -> dict:
        """An update as Zalo sends it (the body of a webhook request, the result of getUpdates).
        In a private chat the chat id is the user's id."""
        return {
            "event_name": event_name,
            "message": {
                "message_id": secrets.token_hex(10),
                "date": int(time.time() * 1000),
                "from": {"id": uid, "display_name": name, "is_bot": False},
                "chat": {"id": uid, "chat_type": "PRIVATE"},
                **content,
            },
        }

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        self._updates.append(update)
        self._new_update.set()
        return update

    def send_text(self, uid: str, text: str, name: str = "Nông dân") -> dict[str, Any]:
        return self._push(self.update(uid, "message.text.received", name, text=text))

    def send_sticker(self, uid: str) -> dict[str, Any]:
        return self._push(self.update(uid, "message.sticker.received", sticker="0e078a2fb66a5f"))

    def send_image(self, uid: str) -> dict[str, Any]:
        photo = "https://example.invalid/photo.jpg"
        return self._push(self.update(uid, "message.image.received", photo_url=photo))

    # --- reading what the bot did ------------------------------------------------------------
    def texts(self, chat_id: str) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.sent(chat_id)]

    # --- the API -----------------------------------------------------------------------------
    @staticmethod
    def _error(code: int, description: str) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": code, "description": description}, status=code
        )

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        if request.can_read_body:
            try:
                params = await request.json()
            except json.JSONDecodeError:
                return self._error(400, "Bad Request: body must be JSON")
        handler = getattr(self, "api_" + method, None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        if self.refused(method):
            return self.too_many_requests_response("Too Many Requests")
        if method in self.SENDS and str(params.get("chat_id", "")) in self.blocked:
            self.calls.append(Call(method + ":blocked", params))
            return self._error(403, "Forbidden: the user cannot receive messages from bot")
        if method == "getUpdates":
            return await self.api_getUpdates(params, request)
        self.calls.append(Call(method, params))
        return await handler(params)

    def _ok(self, result: Any = None) -> web.Response:
        body: dict[str, Any] = {"ok": True}
        if result is not None:
            body["result"] = result
        return web.json_response(body)

    def _message(self) -> dict[str, Any]:
        return {"message_id": f"{next(self._ids):020x}", "date": int(time.time() * 1000)}

    async def api_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok(
            {
                "id": BOT_ID,
                "account_name": "bot.HtxTest",
                "account_type": "BASIC",
                "can_join_groups": False,
            }
        )

    async def api_getUpdates(self, params: dict[str, Any], request: web.Request) -> web.Response:
        if self.webhook_url:
            return self._error(
                400, "Bad Request: getUpdates is not available while a webhook is set"
            )
        timeout = float(str(params.get("timeout") or 30))
        if not self._updates:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        if request.transport is None or request.transport.is_closing():
            # The poller went away (a bot stopping): keep the update for the next one.
            return self._error(499, "client closed the request")
        if not self._updates:
            # No update within the long poll: an error answer with code 408, as Zalo does.
            return web.json_response(
                {"ok": False, "error_code": 408, "description": "Request timeout"}
            )
        return self._ok(self._updates.pop(0))

    async def api_sendMessage(self, params: dict[str, Any]) -> web.Response:
        text = params.get("text")
        if not params.get("chat_id") or not isinstance(text, str):
            return self._error(400, "Bad Request: chat_id and text are required")
        if not 1 <= utf16_len(text) <= TEXT_LIMIT:
            return self._error(400, "Bad Request: text must be from 1 to 2000 characters")
        self.delivered()
        return self._ok(self._message())

    async def api_sendPhoto(self, params: dict[str, Any]) -> web.Response:
        photo, caption = params.get("photo"), params.get("caption")
        if not params.get("chat_id") or not isinstance(photo, str) or "://" not in photo:
            return self._error(400, "Bad Request: chat_id and a photo URL are required")
        if caption is not None and not 1 <= utf16_len(str(caption)) <= TEXT_LIMIT:
            return self._error(400, "Bad Request: caption must be from 1 to 2000 characters")
        self.delivered()
        return self._ok(self._message())

    async def api_sendChatAction(self, params: dict[str, Any]) -> web.Response:
        if params.get("action") not in ("typing", "upload_photo"):
            return self._error(400, "Bad Request: unknown action")
        return self._ok()

    async def api_setWebhook(self, params: dict[str, Any]) -> web.Response:
        url, secret = str(params.get("url") or ""), str(params.get("secret_token") or "")
        if not url.startswith("https://"):
            return self._error(400, "Bad Request: url must be HTTPS")
        if not 8 <= len(secret) <= 256:
            return self._error(400, "Bad Request: secret_token must be 8 to 256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        return self._ok({"url": url, "updated_at": int(time.time() * 1000)})

    async def api_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook_url = self.webhook_secret = ""
        return self._ok({"url": "", "updated_at": int(time.time() * 1000)})

    async def api_getWebhookInfo(self, params: dict[str, Any]) -> web.Response:
        return self._ok({"url": self.webhook_url, "updated_at": int(time.time() * 1000)})


class Person:
    """One Zalo user talking to the bot; remembers how many messages they got."""

    def __init__(self, zl: FakeZalo, uid: str, name: str = "Nông dân") -> None:
        self.zl, self.id, self.name, self.seen = zl, uid, name, 0

    async def next(self, count: int = 1) -> list[str]:
        """The texts of the next `count` messages the bot sends this person."""
        msgs = await self.zl.wait_sent(self.seen + count, chat_id=self.id)
        new = msgs[self.seen :]
        self.seen = len(msgs)
        return [m.get("text") or m.get("caption") or "" for m in new]

    async def say(self, text: str, count: int = 1) -> list[str]:
        self.zl.send_text(self.id, text, self.name)
        return await self.next(count)
