"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_driver import FewHopsConnection


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets WAL and foreign keys so several processes can share it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":

        async def connect() -> FewHopsConnection:
            # The arguments SQLAlchemy would have given aiosqlite.connect for this URL.
            args, kwargs = engine.dialect.create_connect_args(parsed)
            # Not tied to its thread: FewHopsConnection runs short reads on the loop's thread,
            # never at the same time as a call on its own.
            connector = partial(
                sqlite3.connect, *args, **{**kwargs, "timeout": 30, "check_same_thread": False}
            )
            connection = FewHopsConnection(connector)
            await connection  # starts its thread and connects there
            return connection

        engine = create_async_engine(url, async_creator=connect)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
