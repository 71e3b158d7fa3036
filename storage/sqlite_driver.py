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
from collections import deque
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
            await self._execute(self._conn.commit)

    async def rollback(self) -> None:
        if self.writing:
            await self._execute(self._conn.rollback)

    async def _execute(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Every trip to the thread, ours or aiosqlite's own helpers (execute, executescript…),
        records afterwards whether a transaction is open, so no commit is skipped wrongly."""

        def run() -> _T:
            try:
                return fn(*args, **kwargs)
            finally:
                # Read on the thread, even when the call failed: a statement or commit that
                # failed may leave a transaction open, which must then not be skipped.
                self.writing = self._in_transaction()

        return await super()._execute(run)

    def _in_transaction(self) -> bool:
        try:
            return self._connection is not None and self._connection.in_transaction
        except sqlite3.ProgrammingError:  # closed by this very call
            return False

    def run_statement(
        self, sql: str, parameters: Any, many: bool | str = False
    ) -> Callable[[], _Outcome]:
        """What the thread does for one statement: run it, fetch its rows and close."""

        def run() -> _Outcome:
            cursor = self._conn.cursor()
            try:
                if many == "script":
                    cursor.executescript(sql)
                elif many:
                    cursor.executemany(sql, parameters)
                else:
                    cursor.execute(sql, parameters)
                rows = cursor.fetchall() if cursor.description else None
                return rows, cursor.description, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        return run


class OneHopCursor(aiosqlite.Cursor):
    """Executes, fetches every row and closes the sqlite3 cursor in one trip; the rows are
    then read from memory (SQLAlchemy fetches them all at once anyway)."""

    def __init__(self, conn: FewHopsConnection) -> None:
        super().__init__(conn, None)  # type: ignore[arg-type]
        self._owner = conn
        self._rows: deque[_Row] = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    async def _run(self, sql: str, parameters: Any, many: bool | str) -> OneHopCursor:
        rows, description, rowcount, lastrowid = await self._owner._execute(
            self._owner.run_statement(sql, parameters, many)
        )
        self._rows = deque(rows or ())
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        return self

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> OneHopCursor:
        return await self._run(sql, () if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> OneHopCursor:
        return await self._run(sql, parameters, many=True)

    async def executescript(self, sql_script: str) -> OneHopCursor:
        return await self._run(sql_script, (), many="script")

    # Served from memory; a deque so that streaming (yield_per) stays linear.
    async def fetchone(self) -> _Row | None:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[_Row]:
        size = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(size, len(self._rows)))]

    async def fetchall(self) -> Sequence[_Row]:
        taken = list(self._rows)
        self._rows.clear()
        return taken

    async def close(self) -> None:
        self._rows.clear()

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
