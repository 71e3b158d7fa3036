"""A small client of the Zalo Bot Platform HTTP API (https://bot-api.zaloplatforms.com/bot<TOKEN>/
<method>), on httpx. Every method is a POST with a JSON body; every answer is
{"ok": bool, "result": …, "error_code": int, "description": str}. Zalo errors are translated
into the outbox's: Unreachable (never retried), RetryAfter, Transient (retried)."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from bot.outbox import RetryAfter, Transient, Unreachable

log = logging.getLogger("htxbot.zalo")
REQUEST_TIMEOUT = 15.0
# getUpdates holds the request up to its `timeout`; ours waits a little longer than Zalo's.
POLL_GRACE = 10.0
# No update within the long-poll timeout is answered as an error with this code.
POLL_TIMEOUT_CODE = 408


class ZaloApiError(Exception):
    """Zalo answered ok=false (or an HTTP error without a JSON body)."""

    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"Zalo API error {code}: {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after


class ZaloApi:
    """One bot's API. The token is part of every URL, so URLs are never logged."""

    def __init__(
        self, token: str, base_url: str, *, client: httpx.AsyncClient | None = None
    ) -> None:
        self._prefix = f"{base_url}{token}/"
        self._client = client or httpx.AsyncClient(timeout=REQUEST_TIMEOUT)

    def __repr__(self) -> str:
        return "ZaloApi(<token hidden>)"

    async def close(self) -> None:
        await self._client.aclose()

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, wait: float | None = None
    ) -> Any:
        """POST one method; returns its `result`. Raises ZaloApiError or httpx.TransportError."""
        response = await self._client.post(
            self._prefix + method,
            json=params or {},
            timeout=wait if wait is not None else REQUEST_TIMEOUT,
        )
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ZaloApiError(response.status_code, response.reason_phrase or "no JSON body")
        if not data.get("ok"):
            code = data.get("error_code")
            parameters = data.get("parameters") or {}
            retry = parameters.get("retry_after") if isinstance(parameters, dict) else None
            raise ZaloApiError(
                int(code) if isinstance(code, int) else response.status_code,
                str(data.get("description") or ""),
                float(retry) if isinstance(retry, (int, float)) else None,
            )
        return data.get("result")

    async def get_me(self) -> dict[str, Any]:
        """The bot's id, account_name, account_type (checks the token)."""
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_update(self, seconds: int) -> dict[str, Any] | None:
        """Long-poll one update (Zalo returns one per call, not a list); None after `seconds`
        without one."""
        try:
            # Zalo's docs give the timeout as a string of seconds.
            result = await self.call(
                "getUpdates", {"timeout": str(seconds)}, wait=seconds + POLL_GRACE
            )
        except ZaloApiError as exc:
            if exc.code == POLL_TIMEOUT_CODE:
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def set_webhook(self, url: str, secret_token: str) -> None:
        """Zalo POSTs updates to `url` (HTTPS) with X-Bot-Api-Secret-Token: secret_token."""
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        """Back to getUpdates (the two are exclusive)."""
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def send_message(self, chat_id: str, text: str) -> str | None:
        """Send 1 to 2,000 characters of plain text; returns the message id."""
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return _message_id(result)

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> str | None:
        """Send an image by URL (Zalo fetches it; there is no upload); returns the message id."""
        params = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return _message_id(await self.call("sendPhoto", params))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" in the chat for a moment."""
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def _message_id(result: Any) -> str | None:
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return None


def outbox_error(exc: Exception) -> Exception:
    """The outbox's view of a failed send: Unreachable for a person the bot cannot reach (403,
    or a chat/user that does not exist), RetryAfter for 429, Transient for network errors,
    timeouts and 5xx; anything else (a 400: our request was wrong) as it is."""
    if isinstance(exc, httpx.TransportError):
        return Transient(f"{type(exc).__name__}: {exc}")
    if not isinstance(exc, ZaloApiError):
        return exc
    text = exc.description.lower()
    if exc.code == 403 or (exc.code in (400, 404) and _unreachable_words(text)):
        return Unreachable(str(exc))
    if exc.code == 429:
        return RetryAfter(exc.retry_after if exc.retry_after is not None else 1.0)
    if exc.code >= 500 or exc.code == POLL_TIMEOUT_CODE:
        return Transient(str(exc))
    return exc


def _unreachable_words(text: str) -> bool:
    return any(w in text for w in ("block", "not found", "not exist", "deactivated", "forbidden"))
