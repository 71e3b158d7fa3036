"""Two `htxbot run --webhook` processes on one PostgreSQL database sending reminders and a
broadcast through one shared send budget, one process stopped with SIGTERM halfway: the scenario
of tests/e2e/test_two_processes.py, at a bench's size, timed. The test checks what does not
depend on the machine (everything sent once, every message a turn of the shared budget); this
prints what does: the busiest second against the fake's limit (it answers 429 beyond 30
messages in any second, as Telegram does), the busiest 5 s against HTXBOT_TELEGRAM_RATE, the
429s, the rate overall, how long the stopped process took to exit, and the total time.

  python bench/two_processes.py [--people 2000] [--reminders 1000] [--rate 25]
                                [--pg-url postgresql://127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.e2e_throughput import drop_database, postgres_database  # noqa: E402
from tests.e2e.test_two_processes import (  # noqa: E402
    BROADCAST_BUDGET,
    BROADCAST_TEXT,
    FIRST_CHAT,
    RATE_LIMIT,
    TELEGRAM_BUDGET,
    BotProcess,
    bot_env,
    counts,
    database_clock,
    next_free_turns,
    seed,
    start_bulk,
    turns_since,
)
from tests.fake_telegram import FakeTelegram, counting_without_pauses  # noqa: E402


def busiest(times: list[float], window: float) -> int:
    """The most messages sent within any `window` seconds."""
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


async def run(url: str, people: int, reminders: int, rate: float) -> None:
    await seed(url, people)
    chats = {str(FIRST_CHAT + i) for i in range(people)}
    # The fake runs in this process: a garbage collection here would hold its requests back
    # and count them as one burst, which Telegram's count would not.
    with tempfile.TemporaryDirectory() as tmp, counting_without_pauses():
        async with FakeTelegram(rate_limit=RATE_LIMIT) as tg:
            env = bot_env(url, tg, rate)
            procs = [BotProcess(env, Path(tmp) / f"bot{i}.log") for i in (1, 2)]
            try:
                await asyncio.gather(*(p.start() for p in procs))
                tg.use_webhooks([p.url for p in procs])
                bulk_began = await database_clock(url)
                started = time.monotonic()
                await start_bulk(url, reminders)
                stop_took, rem, rec = 0.0, Counter[str](), Counter[str]()
                while True:
                    sent = sum(
                        1
                        for c in tg.calls
                        if c.method == "sendMessage" and str(c.params["chat_id"]) in chats
                    )
                    if not stop_took and sent >= (people + reminders) // 2:
                        at = time.monotonic()
                        code = await procs[0].terminate()
                        stop_took = time.monotonic() - at
                        if code != 0:
                            print(f"the stopped process exited with {code}")
                    rem, rec, _ = await counts(url)
                    if stop_took and rem["sent"] == reminders and rec["sent"] == people:
                        break
                    if time.monotonic() - started > 120 + 3 * (people + reminders) / rate:
                        print(f"gave up waiting: reminders {dict(rem)}, recipients {dict(rec)}")
                        break
                    await asyncio.sleep(0.5)
                total = time.monotonic() - started
                next_free = await next_free_turns(url)
                await procs[1].terminate()
            finally:
                for p in procs:
                    p.kill()
    to_people = [
        (BROADCAST_TEXT in c.params["text"], str(c.params["chat_id"]), c.at)
        for c in tg.calls
        if c.method == "sendMessage" and str(c.params["chat_id"]) in chats
    ]
    per_message = Counter((broadcast, chat) for broadcast, chat, _ in to_people)
    delivered = len(per_message)
    duplicates = sum(n - 1 for n in per_message.values())
    sends = [c.at for c in tg.calls if c.method in tg.LIMITED]
    span = max(at for *_, at in to_people) - min(at for *_, at in to_people) if to_people else 0
    turns = turns_since(bulk_began, next_free.get(TELEGRAM_BUDGET, bulk_began), rate)
    broadcast_turns = turns_since(bulk_began, next_free.get(BROADCAST_BUDGET, bulk_began), rate)

    print(
        f"{reminders} reminders and a broadcast to {people} people, 2 processes on PostgreSQL, "
        f"HTXBOT_TELEGRAM_RATE={rate:g} for both, the fake limiting at {RATE_LIMIT} msg/s; "
        "the first process stopped with SIGTERM halfway"
    )
    print(
        f"delivered: {delivered} / {people + reminders}  lost: {people + reminders - delivered}  "
        f"duplicates: {duplicates}  429s: {tg.too_many_requests}"
    )
    print(
        f"busiest second: {busiest(sends, 1.0)} messages (limit {RATE_LIMIT})  "
        f"busiest 5 s: {busiest(sends, 5.0) / 5:.1f} msg/s (configured {rate:g})"
    )
    print(f"overall: {delivered / span:.1f} msg/s over {span:.0f} s" if span else "overall: -")
    print(
        f"turns of the shared budget since the bulk began: {turns} for {len(to_people)} "
        f"messages; of the broadcasts' budget: {broadcast_turns} for {rec['sent']}"
    )
    print(f"the stopped process exited in {stop_took:.1f} s; all sent in {total:.0f} s")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--pg-url", default="postgresql://127.0.0.1:5432/test")
    args = parser.parse_args()
    name, url = await postgres_database(args.pg_url)
    try:
        await run(url, args.people, args.reminders, args.rate)
    finally:
        await drop_database(args.pg_url, name)


if __name__ == "__main__":
    asyncio.run(main())
