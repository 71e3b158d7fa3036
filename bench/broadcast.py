"""A broadcast to N subscribers (default 10,000, a few of whom blocked the bot) sent by
`htxbot run` through the fake Bot API, which answers 429 beyond 30 messages/s. Prints the
sustained rate against HTXBOT_BROADCAST_RATE, 429s, lost, duplicates, blocked people marked,
the reply time of a person asking questions meanwhile, the total time and the bot's memory.

  python bench/broadcast.py [--subscribers 10000] [--rate 25] [--crash]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.e2e_throughput import peak_rss_mb  # noqa: E402
from bench.reminders import probe_questions, start_bot  # noqa: E402
from storage.broadcasts import create_broadcast  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import BroadcastRecipient, User  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

BLOCKED = 25


async def seed(url: str, n: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    async with session_factory(engine)() as s:
        s.add_all(
            User(
                channel="telegram",
                external_id=str(2_000_000 + i),
                chat_id=str(2_000_000 + i),
                display_name="",
                language="vi",
                roles="",
                subscribed=True,
            )
            for i in range(n)
        )
        await s.flush()
        await create_broadcast(
            s,
            created_by="bench",
            text="<b>Hội chợ OCOP</b> 5/12",
            segment={},
            send_at=datetime.now(UTC) + timedelta(seconds=5),
            quiet_override=True,
        )
        await s.commit()
    await engine.dispose()


async def blocked_marked(url: str) -> int:
    from sqlalchemy import func, select

    engine = create_engine(url)
    async with session_factory(engine)() as s:
        n = await s.scalar(
            select(func.count())
            .select_from(BroadcastRecipient)
            .where(BroadcastRecipient.status == "blocked")
        )
    await engine.dispose()
    return int(n or 0)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--crash", action="store_true")
    args = parser.parse_args()
    n = args.subscribers
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await seed(url, n)
        chats = {str(2_000_000 + i) for i in range(n)}
        async with FakeTelegram(rate_limit=30) as tg:
            tg.blocked.update(2_000_000 + i * (n // BLOCKED) for i in range(BLOCKED))
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("HTXBOT_", "TELEGRAM_"))
            }
            env.update(
                {
                    "PYTHONPATH": str(ROOT),
                    "BENCH_CWD": tmp,
                    "TELEGRAM_BOT_TOKEN": "123:TEST",
                    "TELEGRAM_API_BASE_URL": tg.base_url,
                    "HTXBOT_DATABASE_URL": url,
                    "HTXBOT_POLL_TIMEOUT": "1",
                    "HTXBOT_LOG_LEVEL": "WARNING",
                    "HTXBOT_BROADCAST_RATE": str(args.rate),
                }
            )
            log = Path(tmp) / "bot.log"
            proc = start_bot(env, log)
            stop = asyncio.Event()
            probe = asyncio.create_task(probe_questions(tg, stop))
            crashed, rss = False, 0.0
            started = time.monotonic()
            while time.monotonic() - started < 60 + n / 10:
                done = {
                    str(c.params["chat_id"])
                    for c in tg.calls
                    if c.method in ("sendMessage", "sendMessage:blocked")
                } & chats
                if len(done) >= n:
                    break
                if args.crash and not crashed and len(done) >= n // 2:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
                    crashed = True
                    proc = start_bot(env, log)
                with contextlib.suppress(FileNotFoundError):
                    rss = max(rss, peak_rss_mb(proc.pid))
                await asyncio.sleep(0.5)
            await asyncio.sleep(2)  # the last results reach the database
            stop.set()
            latencies = await probe
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            sends = [
                (str(c.params["chat_id"]), c.at)
                for c in tg.calls
                if c.method == "sendMessage" and str(c.params["chat_id"]) in chats
            ]
            too_many = tg.too_many_requests
        marked = await blocked_marked(url)
    per_chat = Counter(chat for chat, _ in sends)
    times = sorted(at for _, at in sends)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    crash = ", kill -9 halfway + restart" if args.crash else ""
    print(
        f"{n} subscribers ({BLOCKED} blocked the bot), HTXBOT_BROADCAST_RATE={args.rate}, "
        f"fake Bot API limiting at 30 msg/s{crash}"
    )
    print(
        f"delivered: {len(per_chat)}/{n - BLOCKED}  lost: {n - BLOCKED - len(per_chat)}  "
        f"duplicates: {sum(v - 1 for v in per_chat.values())}  429s: {too_many}  "
        f"blocked marked: {marked}/{BLOCKED}"
    )
    print(
        f"sustained rate: {rate:.1f} msg/s = {rate / args.rate:.2f} × configured; "
        f"{span:.0f} s in all; bot peak RSS {rss:.0f} MB"
    )
    if len(latencies) > 1:
        print(
            f"question replies during the broadcast: n={len(latencies)} "
            f"p50 {statistics.median(latencies):.2f} s  "
            f"p95 {statistics.quantiles(latencies, n=20)[-1]:.2f} s"
        )


if __name__ == "__main__":
    asyncio.run(main())
