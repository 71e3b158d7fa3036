"""python-telegram-bot on our aiohttp transport (bot/aiohttp_request.py): what reaches the
server, and how slow or absent servers are reported (the outbox retries on these errors)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

from bot.aiohttp_request import AiohttpRequest
from tests.ports import free_port

ME = {"id": 1, "is_bot": True, "first_name": "htxbot", "username": "htxbot"}


class Server:
    """A tiny Bot API: records each call's parameters; `delay` holds every answer back."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], str]] = []
        self.hosts: list[tuple[str, str | None]] = []  # (host asked for, Proxy-Authorization)
        self.delay = 0.0
        self.trickle = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.hosts.append((request.url.host or "", request.headers.get("Proxy-Authorization")))
        params: dict[str, Any] = {}
        if request.content_type == "application/json":
            params = await request.json()
        else:
            form = await request.post()
            params = {
                k: (v.file.read() if isinstance(v, web.FileField) else v) for k, v in form.items()
            }
            params.update(
                {
                    f"{k}.filename": v.filename
                    for k, v in form.items()
                    if isinstance(v, web.FileField)
                }
            )
        self.calls.append((method, params, request.headers.get("User-Agent", "")))
        if self.trickle:  # the answer comes, slowly but steadily
            response = web.StreamResponse()
            await response.prepare(request)
            body = json.dumps({"ok": True, "result": ME}).encode()
            for i in range(0, len(body), 8):
                await response.write(body[i : i + 8])
                await asyncio.sleep(self.trickle)
            await response.write_eof()
            return response  # type: ignore[return-value]
        await asyncio.sleep(self.delay)
        if method == "sendMessage" and params.get("text") == "bad":
            refused = "Bad Request: chat not found"
            return web.json_response(
                {"ok": False, "error_code": 400, "description": refused}, status=400
            )
        result: Any = ME
        if method in ("sendMessage", "sendDocument"):
            result = {"message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"}}
        return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    fake = Server()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield fake, f"http://127.0.0.1:{port}/bot"
    await runner.cleanup()


def _bot(base_url: str, **timeouts: float) -> Bot:
    # Both requests ours, as in TelegramChannel: httpx's default would read the proxy itself.
    requests = {"request": AiohttpRequest(**timeouts), "get_updates_request": AiohttpRequest()}
    return Bot("123:T", base_url=base_url, **requests)


async def test_parameters_and_files_reach_the_server_as_sent(server):
    fake, url = server
    async with _bot(url) as bot:
        sent = await bot.send_message(
            5,
            "Chào bà con <b>HTX</b> & tổ hợp tác",
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Đăng ký", callback_data="e:1")]]
            ),
        )
        await bot.send_document(5, InputFile(b"\x00roster\xff", filename="Danh sách lớp.xlsx"))
    assert sent.message_id == 7
    (_, _, agent), (_, message, _), (_, document, _) = fake.calls
    assert "python-telegram-bot" in agent
    assert message["text"] == "Chào bà con <b>HTX</b> & tổ hợp tác"
    assert message["parse_mode"] == "HTML" and message["chat_id"] == 5
    # As JSON, nested objects included, which the Bot API takes for calls without files.
    button = {"text": "Đăng ký", "callback_data": "e:1"}
    assert message["reply_markup"] == {"inline_keyboard": [[button]]}
    assert document["document"] == b"\x00roster\xff"
    assert document["document.filename"] == "Danh sách lớp.xlsx"


async def test_an_api_error_is_the_api_error(server):
    _, url = server
    async with _bot(url) as bot:
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(5, "bad")


async def test_a_server_too_slow_is_timed_out(server):
    fake, url = server
    async with _bot(url, read_timeout=0.2) as bot:
        fake.delay = 1.0
        with pytest.raises(TimedOut):
            await bot.send_message(5, "chậm")


async def test_a_long_answer_that_keeps_coming_is_not_cut_short(server):
    """The read timeout bounds each wait for data, not the whole answer (as with httpx)."""
    fake, url = server
    timeouts = {"read_timeout": 0.5, "write_timeout": 0.1, "connect_timeout": 0.1}
    async with _bot(url, **timeouts, pool_timeout=0.1) as bot:
        fake.trickle = 0.1  # ~12 chunks: longer than every timeout together (0.8 s)
        started = asyncio.get_running_loop().time()
        me = await bot.get_me()
        assert asyncio.get_running_loop().time() - started > 0.8
    assert me.username == "htxbot"


async def test_no_server_is_a_network_error():
    bot = _bot(f"http://127.0.0.1:{free_port()}/bot")
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.initialize()  # asks getMe
    finally:
        await bot.shutdown()
    assert not isinstance(caught.value, TimedOut)


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


async def _through_proxy(
    server: tuple[Server, str], no_proxies: pytest.MonkeyPatch, proxy: str
) -> Server:
    """A message to an unreachable Bot API with HTTP_PROXY = `proxy` ({port}: the fake's), which
    answers as the proxy: only there can it have seen that API's host."""
    fake, url = server
    no_proxies.setenv("HTTP_PROXY", proxy.format(port=url.split(":")[2].split("/")[0]))
    async with _bot("http://api.telegram.invalid/bot") as bot:
        await bot.send_message(5, "qua proxy")
    assert [host for host, _ in fake.hosts] == ["api.telegram.invalid"] * 2  # getMe, send
    return fake


async def test_requests_go_through_the_proxy_the_environment_sets(server, no_proxies):
    """HTTP_PROXY is honoured, with its credentials, as python-telegram-bot's httpx does."""
    fake = await _through_proxy(server, no_proxies, "http://htx:b%40t@127.0.0.1:{port}")
    assert {auth for _, auth in fake.hosts} == {"Basic aHR4OmJAdA=="}  # htx:b@t


async def test_a_proxy_without_a_scheme_is_http_as_httpx_reads_it(server, no_proxies):
    fake = await _through_proxy(server, no_proxies, "127.0.0.1:{port}")
    assert {auth for _, auth in fake.hosts} == {None}


async def test_a_proxy_aiohttp_cannot_use_is_skipped_with_a_warning(server, no_proxies, caplog):
    fake, url = server
    no_proxies.setenv("HTTP_PROXY", "socks5://user:secret@127.0.0.1:1080")
    with caplog.at_level("WARNING", logger="htxbot"):
        async with _bot(url) as bot:
            await bot.send_message(5, "thẳng")
    assert [auth for _, auth in fake.hosts] == [None, None]  # reached directly
    [warning] = [r.getMessage() for r in caplog.records if "proxy" in r.getMessage()]
    assert "socks5://127.0.0.1" in warning and "secret" not in warning


async def test_hosts_in_no_proxy_are_reached_directly(server, no_proxies):
    fake, url = server
    no_proxies.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # nobody there
    no_proxies.setenv("NO_PROXY", "localhost,127.0.0.1")
    async with _bot(url) as bot:
        await bot.send_message(5, "thẳng")
    assert [auth for _, auth in fake.hosts] == [None, None]


async def test_an_https_api_is_tunnelled_with_the_proxy_credentials(no_proxies):
    """Telegram's API is https: the proxy gets a CONNECT carrying Proxy-Authorization."""
    heads: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()  # refuses the tunnel: the request fails, its CONNECT is what we check

    port = free_port()
    listener = await asyncio.start_server(proxy, "127.0.0.1", port)
    no_proxies.setenv("HTTPS_PROXY", f"http://htx:b%40t@127.0.0.1:{port}")
    bot = _bot("https://api.telegram.invalid/bot")
    try:
        with pytest.raises(NetworkError):
            await bot.initialize()
    finally:
        await bot.shutdown()
        listener.close()
    assert heads and heads[0].startswith(b"CONNECT api.telegram.invalid:443 ")
    assert b"\r\nProxy-Authorization: Basic aHR4OmJAdA==\r\n" in heads[0]


def test_answers_are_read_as_python_telegram_bot_reads_them():
    """orjson reads them; broken UTF-8 is replaced and bad JSON refused, as before."""
    read = AiohttpRequest.parse_json_payload
    assert read('{"ok": true, "result": [{"text": "Xin chào"}]}'.encode()) == {
        "ok": True,
        "result": [{"text": "Xin chào"}],
    }
    assert read(b'{"ok": true, "result": "H\xff"}') == {"ok": True, "result": "H\ufffd"}
    with pytest.raises(TelegramError, match="Invalid server response"):
        read(b"<html>502 Bad Gateway</html>")
