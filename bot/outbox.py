"""The outbound queue of one channel: a global rate limit (token bucket), a priority lane for
replies to people over bulk traffic (reminders, broadcasts), about one bulk message per second
per chat, and the platform's 429 `retry_after` honoured for everyone."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from handlers.types import Reply

log = logging.getLogger("htxbot.outbox")

INTERACTIVE, BULK = 0, 1
WORKERS = 8
TRANSIENT_RETRIES = 3
# A turn woken up later than this share of a turn (the event loop was busy) moves the next
# turn along: two messages never go closer together than 3/4 of a turn, which leaves the
# platform's per-second count room for the network's own jitter.
LATE_TOLERANCE = 0.25
# Bulk messages to one chat are booked a spacing apart, but one held up after its booking (a
# 429 pause) could then go right after the chat's previous one: closer than this share of the
# spacing to it, the message is booked again.
CHAT_GAP_TOLERANCE = 0.5


class Unreachable(Exception):
    """The person blocked the bot, or the chat no longer exists: do not try again."""


class Retry(Exception):
    """Worth trying again. `remaining` is the part of the reply not yet sent when a reply takes
    several calls (a file, then its text) and a later one failed: only that part is retried,
    so the person does not get the file twice."""

    remaining: Reply | None = None


class RetryAfter(Retry):
    """The platform asked us to slow down for `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class Transient(Retry):
    """A network error or a 5xx: worth trying again shortly."""


class Stopping(Exception):
    """The process is shutting down: this message was not sent (a bulk one: give its row
    back)."""


class Budget(Protocol):
    """A rate budget shared with other processes (bot/shared_rate.py)."""

    async def wait(self) -> None: ...

    async def pause(self, seconds: float) -> None: ...


# Sends one reply; returns the platform's message id when it has one (to edit it later).
Send = Callable[[str, Reply], Awaitable[str | None]]


@dataclass(order=True)
class _Item:
    priority: int
    seq: int
    chat_id: str = field(compare=False)
    reply: Reply = field(compare=False)
    done: asyncio.Future[str | None] = field(compare=False)
    attempts: int = field(default=0, compare=False)
    chat_turn_taken: bool = field(default=False, compare=False)  # bulk: its chat's spacing


class Outbox:
    def __init__(
        self,
        send: Send,
        *,
        rate: float | None,
        bulk_chat_interval: float = 1.0,
        budget: Budget | None = None,
    ) -> None:
        self._send = send
        self.rate = rate
        self.budget = budget  # when set, it replaces the local bucket for the overall rate
        self.bulk_chat_interval = bulk_chat_interval
        self._queue: asyncio.PriorityQueue[_Item] = asyncio.PriorityQueue()
        self._seq = itertools.count()
        self._workers: list[asyncio.Task[None]] = []
        self._next_slot = 0.0  # when the next message may go (token bucket of size 1)
        self._paused_until = 0.0
        self._chat_last: dict[str, float] = {}  # chat → its last bulk booking
        self._chat_sent: dict[str, float] = {}  # chat → when its last bulk message went
        self._waiting: dict[int, tuple[asyncio.TimerHandle, _Item]] = {}  # back in the queue later
        self._lock = asyncio.Lock()
        self.shedding = False
        self.results: Counter[str] = Counter()  # sent, retry_after, transient, unreachable…

    @property
    def sent(self) -> int:
        return self.results["sent"]

    @property
    def throttled(self) -> int:
        return self.results["retry_after"]

    def depth(self) -> int:
        """Messages not yet sent: queued, or waiting for their chat's spacing or a retry."""
        return self._queue.qsize() + len(self._waiting)

    def shed_bulk(self) -> None:
        """From now on, bulk messages not yet sent fail with Stopping (shutting down); those
        waiting for their chat's spacing or a retry fail at once, not when their timer ends."""
        self.shedding = True
        for seq, (handle, item) in list(self._waiting.items()):
            if item.priority == BULK:
                handle.cancel()
                del self._waiting[seq]
                _fail(item, Stopping())

    async def start(self) -> None:
        self._workers = [asyncio.create_task(self._work()) for _ in range(WORKERS)]

    async def stop(self) -> None:
        """Stop sending; whatever is not sent yet fails with Stopping, so no caller waits on."""
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        for handle, item in self._waiting.values():
            handle.cancel()
            _fail(item, Stopping())
        self._waiting.clear()
        while not self._queue.empty():  # including any a timer put back meanwhile
            _fail(self._queue.get_nowait(), Stopping())
            self._queue.task_done()

    async def submit(
        self, chat_id: str, reply: Reply, *, priority: int = INTERACTIVE
    ) -> str | None:
        """Queue one message and wait until it is sent; returns its message id. Raises
        Unreachable (blocked) or the last error."""
        if self.shedding and priority == BULK:
            raise Stopping
        if not self._workers:  # not started (e.g. a one-shot CLI delivery): send directly
            return await self._send(chat_id, reply)
        done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Item(priority, next(self._seq), chat_id, reply, done))
        return await done

    async def _slot(self) -> None:
        """Wait for a turn of the global budget. Only once the message can use it (a bulk
        message's chat spacing is over): the spacing never moves a message off the bucket's
        grid onto another message's turn."""
        if self.budget is not None and self.rate:
            await self.budget.wait()
            # Paused by a 429 meanwhile: the shared budget was pushed past the pause, so take
            # a turn after it rather than all wake at its end together.
            while time.monotonic() < self._paused_until:
                await asyncio.sleep(self._paused_until - time.monotonic())
                await self.budget.wait()
            return
        await self._turn()

    async def extra_turn(self) -> None:
        """A turn for one more API call inside one queued message (a file and then its text,
        the parts of a long text): every call counts against the platform's limit."""
        if not self.rate:
            return
        if self.budget is not None:
            await self.budget.wait()
            return
        await self._turn()

    async def _turn(self) -> None:
        """Wait for a turn of the local bucket, after any pause. Workers wait for their turns
        one at a time, so after a stall only one of them goes at once; the others follow at
        the rate, from then on."""
        interval = 1.0 / self.rate if self.rate else 0.0
        async with self._lock:
            at = max(time.monotonic(), self._next_slot)
            while (now := time.monotonic()) < max(at, self._paused_until):
                at = max(at, self._paused_until)  # a 429 may come while we wait
                await asyncio.sleep(at - now)
            if interval:
                self._next_slot = max(at, now - LATE_TOLERANCE * interval) + interval

    def _chat_turn(self, chat_id: str) -> float:
        """Book this chat's next bulk message (about one per second); returns when it may go."""
        now = time.monotonic()
        at = max(
            now, self._chat_last.get(chat_id, -self.bulk_chat_interval) + self.bulk_chat_interval
        )
        if len(self._chat_last) > 50_000:
            self._chat_last = {
                c: t for c, t in self._chat_last.items() if t + self.bulk_chat_interval > now
            }
            self._chat_sent = {
                c: t for c, t in self._chat_sent.items() if t + self.bulk_chat_interval > now
            }
        self._chat_last[chat_id] = at
        return at

    def _too_close(self, item: _Item) -> float:
        """For a bulk message about to go: how long it must still wait after the chat's last
        one, if that went too recently (0 if not)."""
        if item.priority != BULK:
            return 0.0
        since = time.monotonic() - self._chat_sent.get(item.chat_id, -math.inf)
        if since >= CHAT_GAP_TOLERANCE * self.bulk_chat_interval:
            return 0.0
        return self.bulk_chat_interval - since

    def _later(self, delay: float, item: _Item) -> None:
        """Put the item back in the queue after `delay`, without a worker waiting for it: the
        workers go on with other chats' messages and with replies to people meanwhile."""

        def requeue() -> None:
            self._waiting.pop(item.seq, None)
            if self.shedding and item.priority == BULK:
                _fail(item, Stopping())
            else:
                self._queue.put_nowait(item)

        handle = asyncio.get_running_loop().call_later(delay, requeue)
        self._waiting[item.seq] = (handle, item)

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                if self.shedding and item.priority == BULK:
                    raise Stopping
                if item.priority == BULK and not item.chat_turn_taken:
                    item.chat_turn_taken = True
                    wait = self._chat_turn(item.chat_id) - time.monotonic()
                    if wait > 0:
                        self._later(wait, item)
                        continue  # the finally still marks this get() done; requeue() re-adds
                await self._slot()
                if self.shedding and item.priority == BULK:
                    raise Stopping
                if wait := self._too_close(item):  # the turn goes unused: rare, and harmless
                    at = time.monotonic() + wait
                    self._chat_last[item.chat_id] = max(self._chat_last.get(item.chat_id, at), at)
                    self._later(wait, item)
                    continue
                message_id = await self._send(item.chat_id, item.reply)
                if item.priority == BULK:
                    self._chat_sent[item.chat_id] = time.monotonic()
                self.results["sent"] += 1
                if not item.done.done():
                    item.done.set_result(message_id)
            except RetryAfter as exc:
                item.reply = exc.remaining or item.reply
                item.chat_turn_taken = False  # its chat's spacing counts from the retry
                self.results["retry_after"] += 1
                self._paused_until = max(self._paused_until, time.monotonic() + exc.seconds)
                log.warning("rate limited by the platform: pausing %.1fs", exc.seconds)
                if self.budget is not None:
                    await self.budget.pause(exc.seconds)
                await self._queue.put(item)
            except Transient as exc:
                item.reply = exc.remaining or item.reply
                item.chat_turn_taken = False
                self.results["transient"] += 1
                item.attempts += 1
                if item.attempts >= TRANSIENT_RETRIES:
                    _fail(item, exc)
                else:
                    self._later(0.5 * 2**item.attempts, item)
            except Exception as exc:  # Unreachable and anything unexpected: tell the caller
                self.results[type(exc).__name__.lower()] += 1
                _fail(item, exc)
            except asyncio.CancelledError:  # stop() while this one was being sent
                _fail(item, Stopping())
                raise
            finally:
                self._queue.task_done()


def _fail(item: _Item, error: Exception) -> None:
    if not item.done.done():
        item.done.set_exception(error)
