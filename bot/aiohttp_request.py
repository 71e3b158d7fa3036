"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

python-telegram-bot lets an application bring its own HTTP client (telegram.request.
BaseRequest). We do, because the Bot API calls were the largest part of the bot's CPU: in
bench/e2e_throughput.py httpx took ~1.2 ms of CPU per sendMessage with 8 sends under way, and
aiohttp ~0.3 ms. Requests carry what python-telegram-bot's own carry (its user agent, proxies
from the environment, multipart when there are files), but other calls send their parameters
as JSON rather than as a form, and answers are read with orjson: together another ~0.2 ms.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
import orjson
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = BaseRequest.DEFAULT_NONE
log = logging.getLogger("htxbot")


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
        self._proxies: dict[tuple[str, str], _Proxy] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )
            self._proxies.clear()

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
        proxy = self._proxy_for(url)
        try:
            async with self._session.request(
                method,
                url,
                data=_body(request_data),
                timeout=timeout,
                headers=proxy.headers,
                proxy=proxy.url,
                proxy_headers=proxy.connect_headers,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut(f"Timed out: {exc!r}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Telegram's answer, read with orjson (a third of json's time on an update batch);
        what orjson refuses, such as broken UTF-8, goes to python-telegram-bot's own reader."""
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            return BaseRequest.parse_json_payload(payload)

    def _proxy_for(self, url: str) -> _Proxy:
        # HTTP_PROXY, HTTPS_PROXY and NO_PROXY are read once per host, as httpx reads them once
        # per client. aiohttp's own trust_env reads them, and ~/.netrc, on a worker thread for
        # every request: that was a tenth of the bot's CPU.
        target = urlsplit(url)
        key = (target.scheme, target.hostname or "")
        if key not in self._proxies:
            self._proxies[key] = _env_proxy(target)
        return self._proxies[key]

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
    """The parameters as JSON, or multipart with the files (as python-telegram-bot sends)."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        # The Bot API takes JSON for every call without files. python-telegram-bot sends a
        # form, which costs a JSON encoding of each nested parameter and then percent-encoding
        # the lot (three bytes for each of Vietnamese's accented letters).
        return aiohttp.BytesPayload(
            orjson.dumps(request_data.parameters), content_type="application/json"
        )
    form = aiohttp.FormData(quote_fields=False)  # UTF-8 file names as they are, as httpx
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form


@dataclass(frozen=True, slots=True)
class _Proxy:
    url: str | None = None
    headers: dict[str, str] | None = None  # on a plain http request, which the proxy forwards
    connect_headers: dict[str, str] | None = None  # on the CONNECT that tunnels an https one


def _env_proxy(target: SplitResult) -> _Proxy:
    """The proxy the environment sets for `target`, as aiohttp's trust_env finds it: the
    scheme's *_PROXY unless NO_PROXY exempts the host; a value without a scheme is http://, as
    httpx reads it; only http:// proxies, credentials in the proxy's URL sent as
    Proxy-Authorization (not from ~/.netrc, which trust_env also read)."""
    if target.hostname and proxy_bypass(target.hostname):
        return _Proxy()
    value = getproxies().get(target.scheme)
    if not value:
        return _Proxy()
    proxy = urlsplit(value if "://" in value else f"http://{value}")
    if proxy.scheme != "http":
        # As aiohttp's trust_env did (it skips https:// and socks proxies), but said once.
        log.warning(
            "%s proxy %s://%s not used: only http:// proxies are",
            target.scheme,
            proxy.scheme,
            proxy.hostname,
        )
        return _Proxy()
    url = proxy._replace(netloc=proxy.netloc.rpartition("@")[2]).geturl()
    if proxy.username is None:
        return _Proxy(url)
    credentials = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
    auth = {"Proxy-Authorization": f"Basic {base64.b64encode(credentials).decode()}"}
    if target.scheme == "https":
        return _Proxy(url, connect_headers=auth)
    return _Proxy(url, headers=auth)
