"""A local fake of the Telegram Bot API (aiohttp on 127.0.0.1), for end-to-end tests and benches.

It implements what htxbot uses: getMe, getUpdates (long poll), sendMessage, editMessageText,
answerCallbackQuery, setMyCommands, setWebhook, deleteWebhook, sendDocument, plus injectable
user updates, a record of every call, an optional global rate limit answered with 429, and
blocked users. After `use_webhooks(urls)` updates are POSTed to the bot instead of waiting for
getUpdates: to each URL in turn, as a load balancer in front of several bot processes would,
and again (to the next URL) when a process does not answer 200, as Telegram retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
from aiohttp import web

from tests.fake_platform import Call, FakePlatform

BOT_ID = 999000
BOT_USERNAME = "htx_test_bot"


# Parameters of type String that a bot fills with free text: taken as sent, as the Bot API does.
_TEXT_FIELDS = frozenset({"text", "caption"})


def _decode(name: str, value: str) -> Any:
    """A form field as the Bot API reads it: objects, arrays and booleans arrive JSON-encoded
    (python-telegram-bot sends a form unless there are files, then multipart)."""
    if name in _TEXT_FIELDS:
        return value
    if value[:1] in "{[" or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@contextlib.contextmanager
def counting_without_pauses() -> Iterator[None]:
    """For tests that count messages per second at the fake: Telegram's count does not pause,
    but a full garbage collection in this process (a test run's heap takes 160 ms and more)
    holds requests back and counts them as one burst. The collector is off meanwhile."""
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


class FakeTelegram(FakePlatform):
    """Run with `async with FakeTelegram() as tg:`; point the bot at `tg.base_url`."""

    SENDS = ("sendMessage", "sendDocument", "sendPhoto")
    LIMITED = (*SENDS, "editMessageText")

    def __init__(self, *, rate_limit: float | None = None, token: str = "123:TEST") -> None:
        super().__init__(token=token, rate_limit=rate_limit)
        self.blocked: set[int] = set()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self.uploads = 0  # files the bot uploaded (rather than sent again by file_id)
        self.upload_seconds = 0.0  # how long an upload takes to be answered
        self.webhook: dict[str, Any] = {}  # what the bot asked for with setWebhook
        self.webhook_statuses: list[int] = []  # HTTP status of every POST to the bot
        self._webhook_queue: asyncio.Queue[dict[str, Any]] | None = None
        self._webhook_tasks: list[asyncio.Task[None]] = []

    # --- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> FakeTelegram:
        await self.serve(web.Application(client_max_size=50 * 1024 * 1024))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._new_update.set()
        for task in self._webhook_tasks:
            task.cancel()
        await asyncio.gather(*self._webhook_tasks, return_exceptions=True)
        await self.stop_serving()

    # --- injecting what users do -------------------------------------------------------------
    @staticmethod
    def user(
        user_id: int,
        first_name: str = "Nông dân",
        language_code: str = "vi",
        username: str | None = None,
    ) -> dict[str, Any]:
        u: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        if username:
            u["username"] = username
        return u

    def _push(self, update: dict[str, Any]) -> int:
        update["update_id"] = next(self._update_ids)
        if self._webhook_queue is not None:
            self._webhook_queue.put_nowait(update)
        else:
            self._updates.append(update)
            self._new_update.set()
        return update["update_id"]

    def use_webhooks(
        self, urls: list[str], secret: str | None = None, *, concurrency: int = 1
    ) -> None:
        """From now on POST updates to these URLs in turn (with `secret` in the header, or the
        one given to setWebhook). One connection keeps each chat's updates in order."""
        self._webhook_queue = asyncio.Queue()
        targets = itertools.cycle(urls)
        for _ in range(concurrency):
            task = asyncio.create_task(self._post_updates(targets, secret))
            self._webhook_tasks.append(task)

    async def _post_updates(self, targets: Any, secret: str | None) -> None:
        assert self._webhook_queue is not None
        async with aiohttp.ClientSession() as http:
            while True:
                update = await self._webhook_queue.get()
                for _ in range(100):
                    token = secret if secret is not None else self.webhook.get("secret_token")
                    headers = {"X-Telegram-Bot-Api-Secret-Token": str(token)} if token else {}
                    try:
                        async with http.post(next(targets), json=update, headers=headers) as r:
                            self.webhook_statuses.append(r.status)
                            if r.status == 200:
                                break
                    except aiohttp.ClientError:
                        self.webhook_statuses.append(0)
                    await asyncio.sleep(0.1)
                self._webhook_queue.task_done()

    async def webhook_idle(self, timeout: float = 10.0) -> None:
        """Wait until every update has been delivered to the bot."""
        assert self._webhook_queue is not None
        await asyncio.wait_for(self._webhook_queue.join(), timeout)

    def _message(self, user: dict[str, Any], **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
            "from": user,
            **content,
        }

    def send_text(self, user_id: int, text: str, **user_kw: Any) -> int:
        user = self.user(user_id, **user_kw)
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return self._push({"message": self._message(user, **content)})

    def send_sticker(self, user_id: int) -> int:
        sticker = {
            "file_id": "S1",
            "file_unique_id": "S1u",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return self._push({"message": self._message(self.user(user_id), sticker=sticker)})

    def send_photo(self, user_id: int, file_id: str) -> int:
        sizes = [
            {"file_id": f"{file_id}-s", "file_unique_id": "p1", "width": 90, "height": 90},
            {"file_id": file_id, "file_unique_id": "p2", "width": 800, "height": 600},
        ]
        return self._push({"message": self._message(self.user(user_id), photo=sizes)})

    def send_document(self, user_id: int, file_id: str, file_name: str) -> int:
        doc = {"file_id": file_id, "file_unique_id": "d1", "file_name": file_name}
        return self._push({"message": self._message(self.user(user_id), document=doc)})

    def send_contact(self, user_id: int, phone: str, owner_id: int | None = None) -> int:
        contact = {"phone_number": phone, "first_name": "A", "user_id": owner_id or user_id}
        return self._push({"message": self._message(self.user(user_id), contact=contact)})

    def press(self, user_id: int, data: str, **user_kw: Any) -> int:
        user = self.user(user_id, **user_kw)
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "text": "menu",
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "HTX"},
        }
        return self._push(
            {
                "callback_query": {
                    "id": str(next(self._message_ids)),
                    "from": user,
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    # --- reading what the bot did ------------------------------------------------------------
    def pending_updates(self) -> int:
        return len(self._updates)

    # --- the API -----------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                params = await request.json()
            else:
                form = await request.post()
                params = {k: _decode(k, v) if isinstance(v, str) else v for k, v in form.items()}
        params.update({k: _decode(k, v) for k, v in request.query.items()})
        handler = getattr(self, "api_" + method, None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        if self.refused(method):
            return self.too_many_requests_response("Too Many Requests: retry after 1")
        if method in self.LIMITED and int(str(params.get("chat_id", 0))) in self.blocked:
            self.calls.append(Call(method + ":blocked", params))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status=403,
            )
        if method != "getUpdates":
            self.calls.append(Call(method, params))
        result = await handler(params)
        if method in self.SENDS:
            self.delivered()
        return web.json_response({"ok": True, "result": result})

    def _bot_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(str(params["chat_id"])), "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "HTX", "username": BOT_USERNAME},
            **content,
        }

    async def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "HTX",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return self._updates[:limit]

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_message(params, text=str(params.get("text", "")))

    async def api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        doc = {"file_id": await self._file_id(params, "document"), "file_unique_id": "D1u"}
        return self._bot_message(params, document={**doc, "file_name": "file"})

    async def api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = await self._file_id(params, "photo")
        photo = [{"file_id": file_id, "file_unique_id": "P1u", "width": 800, "height": 600}]
        return self._bot_message(params, photo=photo, caption=str(params.get("caption", "")))

    async def _file_id(self, params: dict[str, Any], field: str) -> str:
        """The file_id sent, or a new one for an upload (counted in `uploads`)."""
        value = params.get(field)
        if isinstance(value, str) and not value.startswith("attach://"):
            return value
        self.uploads += 1
        file_id = f"uploaded-{self.uploads}"
        await asyncio.sleep(self.upload_seconds)
        return file_id

    async def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_message(params, text=str(params.get("text", "")))

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    async def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = dict(params)
        return True

    async def api_getMyCommands(self, params: dict[str, Any]) -> list[Any]:
        return []
