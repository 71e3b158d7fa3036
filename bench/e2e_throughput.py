"""End-to-end throughput on Telegram: N text updates from U users through the local fake Bot API,
for htxbot (`htxbot run`, SQLite, polling) and, in the same run, a plain python-telegram-bot
echo bot. Prints updates/s for both, the ratio, reply latency and the bots' peak RSS.

Usage: python bench/e2e_throughput.py [--updates 2000] [--users 200]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = os.environ.get("BENCH_PROFILE", "").split()
sys.path.insert(0, str(ROOT))

from bench.qa_eval import load_cases  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def wait_until(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.05)


async def run_one(
    name: str, command: list[str], env: dict[str, str], texts: list[str], users: int
) -> dict[str, float]:
    async with FakeTelegram() as tg:
        env = {**env, "TELEGRAM_API_BASE_URL": tg.base_url}
        command = [arg.replace("{base_url}", tg.base_url) for arg in command]
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=env["BENCH_CWD"])
            try:
                await wait_until(
                    lambda: "deleteWebhook" in tg.methods() or proc.poll() is not None, 60
                )
                await asyncio.sleep(0.5)
                injected_at: dict[int, float] = {}
                start = time.monotonic()
                cpu_start = cpu_seconds(proc.pid)
                for i, text in enumerate(texts):
                    user = 10_000 + i % users
                    tg.send_text(user, text)
                    injected_at.setdefault(user, start)
                await wait_until(
                    lambda: len(tg.sent()) >= len(texts) or proc.poll() is not None, 600
                )
                elapsed = time.monotonic() - start
                sent_at = [c.at for c in tg.calls if c.method == "sendMessage"]
                rss = peak_rss_mb(proc.pid)
                cpu = cpu_seconds(proc.pid) - cpu_start
            finally:
                proc.terminate()
                proc.wait(timeout=20)
            if len(tg.sent()) < len(texts):
                log.seek(0)
                raise RuntimeError(
                    f"{name} answered {len(tg.sent())}/{len(texts)}\n"
                    + log.read().decode()[-3000:]
                )
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    return {
        "rate": len(texts) / elapsed,
        "seconds": elapsed,
        "rss": rss,
        "cpu": cpu,
        "gap_p50_ms": statistics.median(gaps) * 1000 if gaps else 0.0,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    questions = [c.q for c in load_cases("tuning")]
    pool = ["/start", "/menu", "xin chào", *questions]
    texts = [pool[i % len(pool)] for i in range(args.updates)]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HTXBOT_", "TELEGRAM_"))}
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "BENCH_CWD": tmp,
                "TELEGRAM_BOT_TOKEN": "123:TEST",
                "HTXBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
                "HTXBOT_TELEGRAM_RATE_LIMIT": "false",
                "HTXBOT_POLL_TIMEOUT": "1",
                "HTXBOT_LOG_LEVEL": "INFO",
            }
        )
        echo = await run_one(
            "echo",
            [sys.executable, str(ROOT / "bench/echo_bot.py"), "123:TEST", "{base_url}"],
            env,
            texts,
            args.users,
        )
        htx = await run_one(
            "htxbot", [sys.executable, *PROFILE, "-m", "bot.cli", "run"], env, texts, args.users
        )
    print(
        f"{args.updates} text updates from {args.users} users, fake Bot API on 127.0.0.1, "
        "python-telegram-bot polling, no rate limiter"
    )
    print(
        f"{'bot':>10} {'updates/s':>10} {'seconds':>8} {'bot CPU s':>10} {'peak RSS':>10} "
        f"{'p50 gap':>9}"
    )
    for name, r in (("echo", echo), ("htxbot", htx)):
        print(
            f"{name:>10} {r['rate']:>10.0f} {r['seconds']:>8.1f} {r['cpu']:>10.1f} "
            f"{r['rss']:>8.0f}MB {r['gap_p50_ms']:>7.2f}ms"
        )
    print(f"ratio htxbot/echo: {htx['rate'] / echo['rate']:.2f} (target ≥ 0.70)")


if __name__ == "__main__":
    asyncio.run(main())
