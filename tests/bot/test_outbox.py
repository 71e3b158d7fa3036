"""The outbox's pacing, with real timing: the platform counts messages per second, so the
sends must stay on the rate's grid even when the event loop stalls, and bulk messages to one
chat keep their spacing."""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.outbox import BULK, WORKERS, Outbox, RetryAfter, Stopping, Transient
from handlers.types import Reply

RATE = 10.0  # a turn every 100 ms


async def _send_all(box: Outbox, chats: list[str], texts: list[str] | None = None) -> None:
    """Start the outbox, send one bulk message per chat listed (text "x" unless given), stop."""
    await box.start()
    try:
        await asyncio.gather(
            *(
                box.submit(chat, Reply(text), priority=BULK)
                for chat, text in zip(chats, texts or ["x"] * len(chats), strict=True)
            )
        )
    finally:
        await box.stop()


async def test_a_stalled_event_loop_does_not_put_two_messages_on_one_turn():
    """A stall makes some workers miss their turn; the messages they held must not land on
    other messages' turns when they go later (they did: the chat's spacing, counted from the
    missed turn, put them exactly one second later, on a turn already taken)."""
    sent: list[tuple[float, str]] = []
    stalled = False

    async def send(chat_id: str, reply: Reply) -> None:
        nonlocal stalled
        sent.append((time.monotonic(), chat_id))
        if len(sent) == 3 and not stalled:
            stalled = True
            # Blocking on purpose: the whole event loop stops, as in a long garbage collection.
            time.sleep(0.32)  # noqa: ASYNC251

    box = Outbox(send, rate=RATE, bulk_chat_interval=1.0)
    await _send_all(box, [f"c{i}" for i in range(30)])
    times = sorted(at for at, _ in sent)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len({chat for _, chat in sent}) == 30
    assert min(gaps) > 0.5 / RATE, f"two sends {min(gaps) * 1000:.0f} ms apart"
    in_any_second = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert in_any_second <= RATE + 1


async def test_bulk_messages_to_one_chat_keep_their_spacing_without_holding_up_others():
    sent: list[tuple[float, str]] = []

    async def send(chat_id: str, reply: Reply) -> None:
        sent.append((time.monotonic(), chat_id))

    box = Outbox(send, rate=50.0, bulk_chat_interval=0.4)
    chats = ["same", "same", "same", *[f"o{i}" for i in range(10)]]
    started = time.monotonic()
    await _send_all(box, chats)
    same = [at for at, chat in sent if chat == "same"]
    assert [round(b - a, 1) >= 0.4 for a, b in itertools.pairwise(same)] == [True, True]
    others = [at for at, chat in sent if chat != "same"]
    assert max(others) - started < 0.4  # the other chats did not wait behind "same"


async def test_many_bulk_messages_to_one_chat_hold_up_neither_replies_nor_other_chats():
    """More bulk messages to one chat than there are workers (a staff member's notifications,
    one person's reminders due together): while they wait for their chat's spacing, a reply to
    someone else and another chat's bulk message still go at once, and the chat's own messages
    keep their order and spacing."""
    sent: list[tuple[float, str, str]] = []

    async def send(chat_id: str, reply: Reply) -> None:
        sent.append((time.monotonic(), chat_id, reply.text))

    spacing = 1.0
    box = Outbox(send, rate=50.0, bulk_chat_interval=spacing)
    await box.start()
    try:
        many = [
            asyncio.create_task(box.submit("staff", Reply(str(i)), priority=BULK))
            for i in range(WORKERS + 4)
        ]
        await asyncio.sleep(0.1)  # every worker has had its pick of them
        started = time.monotonic()
        await asyncio.wait_for(box.submit("farmer", Reply("trả lời")), spacing / 2)
        await asyncio.wait_for(box.submit("other", Reply("nhắc"), priority=BULK), spacing / 2)
        assert time.monotonic() - started < spacing / 2
        assert box.depth() >= WORKERS
        await asyncio.gather(*(many[:3]))
    finally:
        await box.stop()
    staff = [(at, text) for at, chat, text in sent if chat == "staff"]
    assert [text for _, text in staff] == ["0", "1", "2"]
    assert all(round(b - a, 1) >= spacing for (a, _), (b, _) in itertools.pairwise(staff))
    rest = await asyncio.wait_for(asyncio.gather(*many[3:], return_exceptions=True), 1)
    assert all(isinstance(r, Stopping) for r in rest)  # refused when the outbox stopped


async def test_shutting_down_refuses_bulk_messages_waiting_for_their_chat_at_once():
    """Shutdown must not wait a second per queued message of one chat (it has 8 s in all)."""
    sent: list[str] = []

    async def send(chat_id: str, reply: Reply) -> None:
        sent.append(reply.text)

    box = Outbox(send, rate=50.0, bulk_chat_interval=1.0)
    await box.start()
    try:
        waiting = [
            asyncio.create_task(box.submit("staff", Reply(str(i)), priority=BULK))
            for i in range(30)
        ]
        await asyncio.sleep(0.1)
        started = time.monotonic()
        box.shed_bulk()
        results = await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), 2)
        assert time.monotonic() - started < 0.5
    finally:
        await box.stop()
    assert sent == ["0"]
    assert all(isinstance(r, Stopping) for r in results[1:])


async def test_a_retried_bulk_message_still_keeps_its_chat_spacing():
    """After a 429 or a network error, the retry must not go right before the chat's next
    message: the spacing counts from the retry."""
    sent: list[tuple[float, str]] = []
    failed: set[str] = set()

    async def send(chat_id: str, reply: Reply) -> None:
        if reply.text in ("a", "x") and reply.text not in failed:
            failed.add(reply.text)
            raise RetryAfter(0.3) if reply.text == "a" else Transient("connection reset")
        sent.append((time.monotonic(), chat_id))

    spacing = 0.5
    box = Outbox(send, rate=50.0, bulk_chat_interval=spacing)
    await _send_all(box, ["one"] * 3 + ["two"] * 3, ["a", "b", "c", "x", "y", "z"])
    for chat in ("one", "two"):
        times = [at for at, c in sent if c == chat]
        assert len(times) == 3
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= spacing * 0.9, f"{chat}: {[round(g, 3) for g in gaps]}"


async def test_stopping_leaves_no_caller_waiting():
    async def send(chat_id: str, reply: Reply) -> None:
        await asyncio.sleep(10)

    box = Outbox(send, rate=None)
    await box.start()
    pending = [asyncio.create_task(box.submit(f"c{i}", Reply("x"))) for i in range(WORKERS + 3)]
    await asyncio.sleep(0.1)  # 8 being sent, 3 queued
    await box.stop()
    results = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 1)
    assert all(isinstance(r, Stopping) for r in results)


async def test_a_bulk_message_held_up_by_a_pause_does_not_go_right_after_its_chats_last():
    """Booked a spacing apart, two messages to one chat could still go back to back when the
    first waited out a 429 pause after its booking and the second's booking came meanwhile."""
    sent: list[tuple[float, str]] = []
    refused = False

    async def send(chat_id: str, reply: Reply) -> None:
        nonlocal refused
        if chat_id == "z" and not refused:
            refused = True
            raise RetryAfter(1.0)  # everyone waits 1 s: "a" 1 and 2 are booked meanwhile
        sent.append((time.monotonic(), chat_id))

    spacing = 0.5
    box = Outbox(send, rate=50.0, bulk_chat_interval=spacing)
    await _send_all(box, ["z", "a", "a"])
    times = [at for at, chat in sent if chat == "a"]
    assert len(times) == 2
    assert times[1] - times[0] >= spacing * 0.9, f"{(times[1] - times[0]) * 1000:.0f} ms apart"
