"""aiosqlite with fewer trips to its thread: the only change is how often we wait for it.

aiosqlite runs each call on the connection's own thread, and every call is a round trip: the
event loop is woken through a pipe and the thread through a queue. Through SQLAlchemy, one
SELECT makes four (cursor, execute, fetchall, close), and the commit and the pool's rollback
of an update that wrote nothing make two more. These classes make a statement one trip and
skip commit and rollback when the connection has no transaction open, which is what sqlite3
itself would do with them.

A SELECT outside a transaction (the user lookup every update starts with) makes no trip at
all: it runs on the event loop's own thread. The trip costs far more than the read, and
under load the two threads handing the GIL back and forth cost more again (measured in the
README's Performance section). It must not stall the loop, so it runs there only while
nothing is queued for or running on the connection's thread, gives up at once if the file is
locked instead of waiting (busy timeout 0) and is interrupted after INLINE_BUDGET seconds;
either way it then runs on the thread as before. A read outside a transaction changes
nothing (the bot registers no SQL functions with side effects), so running it again is safe.
SQLite looks at the clock between steps of its program, so one long step (counting a whole
large table with no WHERE) can still hold the loop for longer: the bot's tables are small.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from queue import SimpleQueue
from threading import Thread
from typing import Any, TypeVar

import aiosqlite
from aiosqlite.core import _connection_worker_thread  # aiosqlite is pinned to 0.22

_Row = Any
_T = TypeVar("_T")
_Outcome = tuple[list[_Row] | None, Any, int, int | None]
INLINE_BUDGET = 0.002  # seconds a read may hold the event loop before it moves to the thread
_PROGRESS_EVERY = 1000  # SQLite VM instructions between two looks at the clock
_SELECT = re.compile(r"\s*select\b", re.IGNORECASE)


class FewHopsConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors run a statement in one trip to the thread, or in
    none for a short read outside a transaction."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        # Everything reaches the thread through its queue (our calls, aiosqlite's own, and
        # SQLAlchemy's isolation-level setter): counted there, "nothing queued" is true.
        self._calls = self._tx = _CountingQueue()
        # A thread left behind must not keep the process from exiting (as SQLAlchemy does).
        self._thread = Thread(target=_connection_worker_thread, args=(self._tx,), daemon=True)
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

    def can_run_here(self, sql: str) -> bool:
        """Whether a statement may run on the calling (event loop's) thread: a SELECT, with
        no transaction open and nothing queued for or running on the connection's thread."""
        return (
            self._running
            and self._connection is not None
            and self._calls.idle
            and not self._connection.in_transaction
            and _SELECT.match(sql) is not None
        )

    def run_here(self, statement: Callable[[], _Outcome]) -> _Outcome | None:
        """Run a read on this thread; None if it would have waited for a lock or taken longer
        than INLINE_BUDGET (then nothing happened and it belongs on the connection's thread)."""
        conn = self._conn
        # Read each time: whoever set it last (storage/db.py) is who we give it back to.
        busy_timeout_ms = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
        deadline = time.perf_counter() + INLINE_BUDGET
        try:
            conn.set_progress_handler(lambda: time.perf_counter() > deadline, _PROGRESS_EVERY)
            conn.execute("PRAGMA busy_timeout=0")
            return statement()
        except sqlite3.OperationalError as exc:
            if _gave_up(exc):
                return None
            raise
        finally:
            # The bot sets no progress handler of its own, so none is left behind to restore.
            conn.set_progress_handler(None, 0)
            conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")

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


class _CountingQueue(SimpleQueue[tuple[Any, Callable[[], Any]]]):
    """The connection thread's queue, counting the calls put on it and those the thread has
    finished; each count has a single writer (the loop, the thread), so none is lost."""

    def __init__(self) -> None:
        self.queued = 0
        self.finished = 0

    def put_nowait(self, item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item

        def counted() -> Any:
            try:
                return function()
            finally:
                self.finished += 1

        self.queued += 1
        super().put_nowait((future, counted))

    @property
    def idle(self) -> bool:
        return self.queued == self.finished


def _gave_up(exc: sqlite3.OperationalError) -> bool:
    """Interrupted by the progress handler, or the file locked (busy timeout 0)."""
    message = str(exc).lower()
    return "interrupted" in message or "locked" in message or "busy" in message


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
        owner = self._owner
        statement = owner.run_statement(sql, parameters, many)
        outcome = None
        if not many and owner.can_run_here(sql):
            outcome = owner.run_here(statement)
        if outcome is None:
            outcome = await owner._execute(statement)
        rows, description, rowcount, lastrowid = outcome
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
