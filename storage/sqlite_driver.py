"""aiosqlite with fewer trips to its thread: the only change is how often we wait for it.

aiosqlite runs each call on the connection's own thread, and every call is a round trip: the
event loop is woken through a pipe and the thread through a queue. Through SQLAlchemy, one
SELECT makes four (cursor, execute, fetchall, close), and the commit and the pool's rollback
of an update that wrote nothing make two more. These classes make the SELECT one trip and
skip commit and rollback when the connection has no transaction open, which is what sqlite3
itself would do with them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import aiosqlite

_Row = Any
_T = TypeVar("_T")
_Outcome = tuple[list[_Row] | None, Any, int, int | None]


class FewHopsConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors run a statement in one trip to the thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        # A thread left behind must not keep the process from exiting (as SQLAlchemy does).
        self._thread.daemon = True
        self.writing = False

    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        # No trip: the sqlite3 cursor is made on the thread with the first statement.
        return OneHopCursor(self)

    async def commit(self) -> None:
        if self.writing:
            await self._execute(self._ending(self._conn.commit))

    async def rollback(self) -> None:
        if self.writing:
            await self._execute(self._ending(self._conn.rollback))

    def _ending(self, end: Callable[[], _T]) -> Callable[[], _T]:
        def run() -> _T:
            try:
                return end()
            finally:
                # Read on the thread, after the fact, even when it failed: a statement or
                # commit that failed may leave a transaction open, which must not be skipped.
                self.writing = self._conn.in_transaction

        return run

    def run_statement(
        self, sql: str, parameters: Any, many: bool = False
    ) -> Callable[[], _Outcome]:
        """What the thread does for one statement: run it, fetch its rows and close."""

        def run() -> _Outcome:
            cursor = self._conn.cursor()
            try:
                if many:
                    cursor.executemany(sql, parameters)
                else:
                    cursor.execute(sql, parameters)
                rows = cursor.fetchall() if cursor.description else None
                return rows, cursor.description, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        return self._ending(run)


class OneHopCursor(aiosqlite.Cursor):
    """Executes, fetches every row and closes the sqlite3 cursor in one trip; the rows are
    then read from memory (SQLAlchemy fetches them all at once anyway)."""

    def __init__(self, conn: FewHopsConnection) -> None:
        super().__init__(conn, None)  # type: ignore[arg-type]
        self._owner = conn
        self._rows: list[_Row] = []
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    async def _run(self, sql: str, parameters: Any, many: bool) -> OneHopCursor:
        rows, description, rowcount, lastrowid = await self._owner._execute(
            self._owner.run_statement(sql, parameters, many)
        )
        self._rows = rows or []
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        return self

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> OneHopCursor:
        return await self._run(sql, () if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> OneHopCursor:
        return await self._run(sql, parameters, many=True)

    async def fetchone(self) -> _Row | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[_Row]:
        size = self.arraysize if size is None else size
        taken, self._rows = self._rows[:size], self._rows[size:]
        return taken

    async def fetchall(self) -> Sequence[_Row]:
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid

    @property
    def description(self) -> Any:
        return self._description

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass
