"""Per-chat ordering: one chat's updates run one at a time, in arrival order; others overlap."""

from __future__ import annotations

import asyncio

from bot.chat_locks import ChatLocks


async def test_same_chat_in_order_other_chats_concurrently():
    locks = ChatLocks()
    log: list[str] = []
    running = 0
    overlap = 0

    async def work(chat: str, n: int) -> None:
        nonlocal running, overlap
        async with locks.hold(chat):
            running += 1
            overlap = max(overlap, running)
            log.append(f"{chat}{n}:start")
            await asyncio.sleep(0.01)
            log.append(f"{chat}{n}:end")
            running -= 1

    await asyncio.gather(*(work(chat, n) for n in range(3) for chat in "ab"))
    for chat in "ab":
        mine = [e for e in log if e.startswith(chat)]
        assert mine == [f"{chat}{n}:{p}" for n in range(3) for p in ("start", "end")]
    assert overlap == 2  # a and b ran side by side
    assert len(locks) == 0  # idle chats are forgotten
