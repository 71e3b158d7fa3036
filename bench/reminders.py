"""Reminders at scale: N reminders (default 5,000, one per person) due within the same minute,
sent by `htxbot run` through the fake Bot API, which answers 429 beyond 30 messages/s. Prints
delivery counts (exactly once?), lateness beyond the rate-limit floor, and the reply time of a
person asking questions meanwhile.

  python bench/reminders.py                 # one bot process
  python bench/reminders.py --crash         # kill -9 the bot a third of the way, restart it
  python bench/reminders.py --processes 2   # two bot processes on one SQLite database
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from storage.db import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Reminder, User  # noqa: E402
from tests.fake_telegram import FakeTelegram, counting_without_pauses  # noqa: E402

OUTBOX_RATE = 28.0  # HTXBOT_TELEGRAM_RATE default (per process)
PROBE = 999_001


async def seed(url: str, n: int, lead: float) -> dict[str, datetime]:
    """N people with one reminder each (the rows storage.reminders.add_reminder writes, in
    one statement: quick, so the first is due `lead` seconds after the call), the last due a
    minute after the first."""
    engine = create_engine(url)
    await upgrade(engine)
    due_by_chat: dict[str, datetime] = {}
    chats = [str(1_000_000 + i) for i in range(n)]
    async with session_factory(engine)() as s:
        await s.execute(
            insert(User),
            [
                {
                    "channel": "telegram",
                    "external_id": c,
                    "chat_id": c,
                    "display_name": "",
                    "language": "vi",
                    "roles": "",
                    "subscribed": True,
                }
                for c in chats
            ],
        )
        ids = {ref: id_ for ref, id_ in await s.execute(select(User.external_id, User.id))}
        first_due = datetime.now(UTC) + timedelta(seconds=lead)
        rows = []
        for i, chat in enumerate(chats):
            due = first_due + timedelta(seconds=60 * i / n)
            due_by_chat[chat] = due
            rows.append(
                {
                    "user_id": ids[chat],
                    "channel": "telegram",
                    "chat_id": chat,
                    "kind": "personal",
                    "message_key": "rem_personal",
                    "params": {"text": f"việc số {i}"},
                    "due_at": due,
                    "expires_at": due + timedelta(hours=2),
                    "created_at": due,
                    "user_chose_time": True,
                    "idempotency_key": f"bench:{i}",
                    "status": "pending",
                    "attempts": 0,
                    "recurrence": "",
                    "last_error": "",
                }
            )
        await s.execute(insert(Reminder), rows)
        await s.commit()
    await engine.dispose()
    return due_by_chat


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        stdout=out,
        stderr=out,
        cwd=env["BENCH_CWD"],
    )


async def probe_questions(tg: FakeTelegram, stop: asyncio.Event) -> list[float]:
    """Ask a question every 2 s; measure until the answer is sent."""
    latencies = []
    while not stop.is_set():
        before = len(tg.sent(PROBE))
        started = time.monotonic()
        tg.send_text(PROBE, "hợp tác xã cần mấy người")
        while len(tg.sent(PROBE)) == before and time.monotonic() - started < 30:
            await asyncio.sleep(0.01)
        latencies.append(time.monotonic() - started)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2)
    return latencies


def lateness(every_send: list[tuple[str, float]], due: dict[str, datetime]) -> list[float]:
    """Each reminder's lateness beyond its floor: the earliest it could have gone, being due
    no earlier than its due time and one rate turn after the message before it. Every message
    the bot sent takes a turn, the probe's answers included (they go first, by design)."""
    wall0 = time.time() - time.monotonic()
    start = min(due.values()).timestamp()
    late: list[float] = []
    floor, seen = float("-inf"), set()
    for chat, at in sorted(every_send, key=lambda s: s[1]):
        if at + wall0 < start:
            continue
        floor += 1 / OUTBOX_RATE
        if chat in due and chat not in seen:
            seen.add(chat)
            floor = max(floor, due[chat].timestamp())
            late.append(max(0.0, at + wall0 - floor))
    return late


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reminders", type=int, default=5000)
    parser.add_argument("--crash", action="store_true")
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    n = args.reminders
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        due_by_chat = await seed(url, n, lead=15)
        first_due = min(due_by_chat.values())
        async with FakeTelegram(rate_limit=30) as tg:
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
                    "HTXBOT_DISPATCH_INTERVAL": "0.5",
                    "HTXBOT_LOG_LEVEL": "WARNING",
                    "HTXBOT_QUIET_HOURS": "03:00-03:00",
                    # Several processes share Telegram's budget: each gets its share.
                    "HTXBOT_TELEGRAM_RATE": str(OUTBOX_RATE / args.processes),
                }
            )
            log = Path(tmp) / "bot.log"
            with counting_without_pauses():
                procs = [start_bot(env, log) for _ in range(args.processes)]
                stop = asyncio.Event()
                probe = (
                    asyncio.create_task(probe_questions(tg, stop)) if args.processes == 1 else None
                )
                crashed = False
                deadline = time.monotonic() + 60 + n / 20 + 300
                ready_before: float | None = None  # the bot polling this long before the first due
                while time.monotonic() < deadline:
                    if ready_before is None and "deleteWebhook" in tg.methods():
                        ready_before = (first_due - datetime.now(UTC)).total_seconds()
                    delivered = len(
                        {c for c in (str(p["chat_id"]) for p in tg.sent()) if c in due_by_chat}
                    )
                    if delivered >= n:
                        break
                    if args.crash and not crashed and delivered >= n // 3:
                        os.kill(procs[0].pid, signal.SIGKILL)
                        procs[0].wait()
                        crashed = True
                        procs[0] = start_bot(env, log)
                    await asyncio.sleep(0.2)
                stop.set()
                latencies = await probe if probe else []
                for p in procs:
                    p.send_signal(signal.SIGTERM)
                for p in procs:
                    p.wait(timeout=30)
            every_send = [
                (str(c.params["chat_id"]), c.at) for c in tg.calls if c.method == "sendMessage"
            ]
        sends = [(chat, at) for chat, at in every_send if chat in due_by_chat]
        per_chat = Counter(chat for chat, _ in sends)
        lost = n - len(per_chat)
        duplicates = sum(count - 1 for count in per_chat.values())
        first_sent: dict[str, float] = {}
        for chat, at in sends:
            first_sent.setdefault(chat, at)
        late = lateness(every_send, due_by_chat)
        span = max(first_sent.values()) - min(first_sent.values()) if first_sent else 0
    mode = "crash + restart" if args.crash else f"{args.processes} process(es)"
    print(f"{n} reminders due within one minute, fake Bot API limiting at 30 msg/s, {mode}")
    print(f"the bot was polling {ready_before or 0:.1f} s before the first came due")
    print(
        f"delivered: {len(per_chat)}  lost: {lost}  duplicates: {duplicates}  "
        f"429s: {tg.too_many_requests}"
    )
    print(f"send rate: {len(first_sent) / span:.1f} msg/s over {span:.0f} s" if span else "")
    if late:
        q = statistics.quantiles(late, n=100)
        print(
            f"lateness beyond the rate floor: p50 {q[49]:.2f} s  p99 {q[98]:.2f} s  "
            f"max {max(late):.2f} s"
        )
    if latencies:
        lq = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies
        print(
            f"question replies during delivery: n={len(latencies)} "
            f"p50 {statistics.median(latencies):.2f} s  p95 {lq[-1]:.2f} s"
        )


if __name__ == "__main__":
    asyncio.run(main())
