"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

python-telegram-bot lets an application bring its own HTTP client (telegram.request.
BaseRequest). We do, because the Bot API calls were the largest part of the bot's CPU: in
bench/e2e_throughput.py httpx took ~1.2 ms of CPU per sendMessage with 8 sends under way, and
aiohttp ~0.3 ms. Requests are the same as python-telegram-bot's own: form-encoded parameters,
multipart when there are files, its user agent, proxies from the environment.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = BaseRequest.DEFAULT_NONE


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of `pool_size` connections; timeouts in seconds, as for
    python-telegram-bot's HTTPXRequest (None: no limit), but see _timeout."""

    def __init__(
        self,
        *,
        pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                trust_env=True,  # HTTPS_PROXY and friends, as httpx reads them
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = _DEFAULT,
        write_timeout: Any = _DEFAULT,
        connect_timeout: Any = _DEFAULT,
        pool_timeout: Any = _DEFAULT,
    ) -> tuple[int, bytes]:
        """Send one request; returns (status, body). Timeouts become TimedOut and every other
        failure of the connection NetworkError, as python-telegram-bot expects."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        has_files = request_data is not None and request_data.contains_files
        timeout = self._timeout(
            read=self._read if read_timeout is _DEFAULT else read_timeout,
            write=(self._media_write if has_files else self._write)
            if write_timeout is _DEFAULT
            else write_timeout,
            connect=self._connect if connect_timeout is _DEFAULT else connect_timeout,
            pool=self._pool if pool_timeout is _DEFAULT else pool_timeout,
            upload=has_files,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut(f"Timed out: {exc!r}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _timeout(
        *,
        read: float | None,
        write: float | None,
        connect: float | None,
        pool: float | None,
        upload: bool,
    ) -> aiohttp.ClientTimeout:
        # As httpx: `read` bounds each wait for data, not the whole answer, and `connect` the
        # connection. aiohttp counts waiting for a pooled connection in `connect`, so that is
        # pool + connect. It has no write timeout: only an upload, whose body could stall,
        # gets an overall limit, the sum of the four.
        parts = (read, write, connect, pool)
        total = None
        if upload and all(p is not None for p in parts):
            total = sum(p for p in parts if p is not None)
        acquire = None if connect is None or pool is None else connect + pool
        return aiohttp.ClientTimeout(
            total=total, connect=acquire, sock_connect=connect, sock_read=read
        )


def _body(request_data: RequestData | None) -> Any:
    """Form-encoded parameters, or multipart with the files (as python-telegram-bot sends)."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData(quote_fields=False)  # UTF-8 file names as they are, as httpx
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form
