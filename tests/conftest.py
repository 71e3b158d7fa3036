"""Shared fixtures: settings on a temporary SQLite file, the app, the fake Telegram and Zalo
servers."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import HtxApp
from bot.settings import Settings
from bot.telegram_channel import TelegramChannel
from bot.zalo_channel import ZaloChannel
from handlers.types import InboundEvent, Reply
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo
from tests.fake_zalo import user_id as zalo_user_id

ADMIN_ID = 777


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # xdist hands tests out in this order: a test that runs for minutes, started last, would be
    # the suite's whole tail.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "HTXBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'htxbot.db'}",
        "TELEGRAM_BOT_TOKEN": "123:TEST",
        "HTXBOT_ADMINS": f"telegram:{ADMIN_ID},console:{ADMIN_ID}",
        "HTXBOT_POLL_TIMEOUT": 1,
        "HTXBOT_TELEGRAM_RATE_LIMIT": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# PostgreSQL: a real server (127.0.0.1:5432, trust auth, database `test` on this project's
# machines and CI). Each test gets a fresh database. Without a server these tests are skipped,
# unless HTXBOT_REQUIRE_POSTGRES=1 (as in .ci/run), which turns the skip into a failure.
POSTGRES_URL = os.environ.get(
    "HTXBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("HTXBOT_REQUIRE_POSTGRES") == "1"


async def _postgres_admin() -> Any:
    import asyncpg

    return await asyncpg.connect(
        POSTGRES_URL.replace("postgresql+asyncpg", "postgresql"), timeout=5
    )


# Each backend's schema migrated once per test session; a test's database starts as a copy.
# Migrating a fresh database for every test was most of CI's time. A test that needs an empty
# database (one that migrates step by step) is marked `empty_db`.
_TEMPLATES: dict[str, str] = {}


async def _migrated(url: str) -> None:
    from storage.db import create_engine
    from storage.migrate import upgrade

    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _sqlite_template() -> str:
    if "sqlite" not in _TEMPLATES:
        path = Path(tempfile.mkdtemp(prefix="htxbot-template-")) / "htxbot.db"
        await _migrated(f"sqlite+aiosqlite:///{path}")
        _TEMPLATES["sqlite"] = str(path)
    return _TEMPLATES["sqlite"]


async def _postgres_template(admin: Any) -> str:
    if "postgres" not in _TEMPLATES:
        name = f"htxbot_template_{uuid.uuid4().hex[:12]}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        await _migrated(f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}")
        _TEMPLATES["postgres"] = name
    return _TEMPLATES["postgres"]


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Any:
    yield
    if "sqlite" in _TEMPLATES:
        shutil.rmtree(Path(_TEMPLATES["sqlite"]).parent, ignore_errors=True)
    if "postgres" in _TEMPLATES:

        async def drop() -> None:
            admin = await _postgres_admin()
            await admin.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATES["postgres"]}" WITH (FORCE)')
            await admin.close()

        asyncio.run(drop())


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The database URL of one test: a SQLite file, or a new PostgreSQL database; migrated,
    unless the test is marked `empty_db`."""
    empty = request.node.get_closest_marker("empty_db") is not None
    if request.param == "sqlite":
        if not empty:
            shutil.copyfile(await _sqlite_template(), tmp_path / "htxbot.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'htxbot.db'}"
        return
    try:
        admin = await _postgres_admin()
    except Exception as exc:
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    name = f"htxbot_test_{uuid.uuid4().hex[:12]}"
    template = "" if empty else f' TEMPLATE "{await _postgres_template(admin)}"'
    await admin.execute(f'CREATE DATABASE "{name}"{template}')
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return make_settings(tmp_path, HTXBOT_DATABASE_URL=db_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[HtxApp]:
    application = HtxApp(settings)
    await application.start()
    yield application
    await application.close()


class Chat:
    """A recording fake channel: one user talking to the app, every reply kept."""

    def __init__(
        self,
        app: HtxApp,
        user_id: str = "42",
        channel: str = "test",
        language_code: str = "vi",
        name: str = "Nông dân",
    ) -> None:
        self.app = app
        self.base = dict(
            channel=channel,
            user_id=user_id,
            chat_id=user_id,
            display_name=name,
            language_code=language_code,
        )
        self.replies: list[Reply] = []
        self.routes: list[str] = []

    async def _send(self, **kw: Any) -> list[Reply]:
        outcome = await self.app.handle(InboundEvent(**{**self.base, **kw}))
        self.routes.append(outcome.route)
        self.replies.extend(outcome.replies)
        return outcome.replies

    async def say(self, text: str) -> list[Reply]:
        return await self._send(text=text)

    async def press(self, payload: str) -> list[Reply]:
        return await self._send(payload=payload)

    async def send_other(self, kind: str) -> list[Reply]:
        return await self._send(unsupported=kind)


@pytest.fixture
def chat(app: HtxApp) -> Chat:
    return Chat(app)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def telegram_bot(tmp_path: Path, tg: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    """The real htxbot application, python-telegram-bot and all, against the fake server."""
    settings = make_settings(
        tmp_path, TELEGRAM_API_BASE_URL=tg.base_url, HTXBOT_STAFF_CHAT_IDS="-100500"
    )
    application = HtxApp(settings)
    await application.start()
    channel = TelegramChannel(application, settings)
    await channel.start()
    yield channel
    await channel.stop()
    await application.close()


# --- Zalo: the real ZaloChannel against tests/fake_zalo.py, on SQLite and PostgreSQL ----------
ZALO_ADMIN = zalo_user_id(777)


def zalo_settings(tmp_path: Path, db_url: str, zl: FakeZalo, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "HTXBOT_DATABASE_URL": db_url,
        "ZALO_BOT_TOKEN": zl.token,
        "ZALO_API_BASE_URL": zl.base_url,
        "HTXBOT_ADMINS": f"telegram:{ADMIN_ID},zalo:{ZALO_ADMIN}",
        "HTXBOT_ZALO_RATE": 100,
    }
    values.update(overrides)
    return make_settings(tmp_path, **values)


@pytest.fixture
async def zl() -> AsyncIterator[FakeZalo]:
    async with FakeZalo() as server:
        yield server


@pytest.fixture
async def zalo_bot(tmp_path: Path, db_url: str, zl: FakeZalo) -> AsyncIterator[ZaloChannel]:
    """The real htxbot application and Zalo adapter, long-polling the fake Zalo server."""
    settings = zalo_settings(tmp_path, db_url, zl)
    application = HtxApp(settings)
    await application.start()
    channel = ZaloChannel(application, settings)
    await channel.start()
    yield channel
    await channel.stop()
    await application.close()
