"""End-to-end throughput on Telegram: N text updates from U users through the local fake Bot API.

Default: htxbot (`htxbot run`, SQLite, polling) and, in the same run, two plain
python-telegram-bot bots (bench/echo_bot.py): one echoing the text, one replying with answers
shaped like htxbot's but doing no search and no database work; prints updates/s for each, the
ratios and the bots' peak RSS.
With --rounds R (default 3) the bots take turns R times and the medians are printed, with the
ratios taken within each round: on a shared machine one run's ratio can be off by a third.
With --matrix: htxbot on SQLite with polling, then in webhook mode on PostgreSQL with 1 and 2
processes (the fake posting updates to each in turn), side by side. Every run also measures the
reply latency under a steady load (--paced updates at --paced-rate per second, each from a new
user): p50 and p95 from the update's injection to its reply reaching the fake server.

Usage: python bench/e2e_throughput.py [--updates 2000] [--users 200] [--rounds 3] [--matrix]
       [--pg-url postgresql://127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
PROFILE = os.environ.get("BENCH_PROFILE", "").split()
SECRET = "bench-secret"
sys.path.insert(0, str(ROOT))

from bench.qa_eval import load_cases  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.ports import free_port  # noqa: E402


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


async def healthy(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"bot on port {port} not healthy")


@dataclass
class Setup:
    name: str
    command: list[str]
    env: dict[str, str]
    processes: int = 1
    webhook: bool = False


def first_reply_after(tg: FakeTelegram, chat: int) -> float | None:
    for call in tg.calls:
        if call.method == "sendMessage" and str(call.params.get("chat_id")) == str(chat):
            return call.at
    return None


async def run_one(setup: Setup, texts: list[str], users: int, paced: int, rate: float) -> dict:
    async with FakeTelegram() as tg:
        env = {**setup.env, "TELEGRAM_API_BASE_URL": tg.base_url}
        command = [arg.replace("{base_url}", tg.base_url) for arg in setup.command]
        ports = [free_port() for _ in range(setup.processes)]
        procs, logs = [], []
        try:
            for port in ports:
                log = tempfile.TemporaryFile()  # noqa: SIM115 - kept until the process ends
                logs.append(log)
                penv = {**env, "HTXBOT_WEBHOOK_PORT": str(port)}
                procs.append(
                    subprocess.Popen(
                        command, env=penv, stdout=log, stderr=log, cwd=env["BENCH_CWD"]
                    )
                )
                if setup.webhook:  # one after the other: both migrating at once is pointless
                    await healthy(port)
            if setup.webhook:
                tg.use_webhooks([f"http://127.0.0.1:{p}/tg" for p in ports], SECRET, concurrency=8)
            else:
                await wait_until(lambda: "deleteWebhook" in tg.methods(), 60)
            await asyncio.sleep(0.5)
            start = time.monotonic()
            cpu_start = sum(cpu_seconds(p.pid) for p in procs)
            for i, text in enumerate(texts):
                tg.send_text(10_000 + i % users, text)
            await wait_until(lambda: len(tg.sent()) >= len(texts), 600)
            elapsed = time.monotonic() - start
            cpu = sum(cpu_seconds(p.pid) for p in procs) - cpu_start
            # Steady load: each update from a new user, at a fixed rate.
            latencies = []
            injected: dict[int, float] = {}
            for i in range(paced):
                chat = 90_000 + i
                injected[chat] = time.monotonic()
                tg.send_text(chat, texts[i % len(texts)])
                await asyncio.sleep(1 / rate)
            await wait_until(lambda: all(first_reply_after(tg, c) for c in injected), 120)
            for chat, at in injected.items():
                latencies.append((first_reply_after(tg, chat) or at) - at)
            rss = sum(peak_rss_mb(p.pid) for p in procs)
        except Exception:
            for log in logs:
                log.seek(0)
                print(log.read().decode()[-3000:], file=sys.stderr)
            raise
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
    q = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else [0.0] * 19
    return {
        "rate": len(texts) / elapsed,
        "seconds": elapsed,
        "rss": rss,
        "cpu_ms": cpu / len(texts) * 1000,
        "p50": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p95": q[18] * 1000,
    }


async def postgres_database(admin_url: str) -> tuple[str, str]:
    import asyncpg

    name = f"htxbot_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return name, f"{base}/{name}"


async def drop_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--paced", type=int, default=300, help="updates of the latency phase")
    parser.add_argument("--paced-rate", type=float, default=20.0, help="their rate, per second")
    parser.add_argument("--rounds", type=int, default=3, help="turns of the bots; medians")
    parser.add_argument("--matrix", action="store_true", help="SQLite polling vs PG webhook")
    parser.add_argument("--pg-url", default="postgresql://127.0.0.1:5432/test")
    args = parser.parse_args()
    questions = [c.q for c in load_cases("tuning")]
    pool = ["/start", "/menu", "xin chào", *questions]
    texts = [pool[i % len(pool)] for i in range(args.updates)]
    results: list[tuple[str, dict]] = []
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
        htxbot = [sys.executable, *PROFILE, "-m", "bot.cli", "run"]
        setups = [Setup("htxbot SQLite polling", htxbot, env)]
        if not args.matrix:
            echo = [sys.executable, str(ROOT / "bench/echo_bot.py"), "123:TEST", "{base_url}"]
            setups.insert(0, Setup("echo bot (PTB polling)", echo, env))
            setups.insert(1, Setup("echo bot, htxbot answers", [*echo, "--answers"], env))

        def measure(setup: Setup):  # type: ignore[no-untyped-def]
            return run_one(setup, texts, args.users, args.paced, args.paced_rate)

        rounds: list[list[tuple[str, dict]]] = []
        for turn in range(1 if args.matrix else max(args.rounds, 1)):
            rounds.append([(setup.name, await measure(setup)) for setup in setups])
            if args.rounds > 1 and not args.matrix:
                print(f"round {turn + 1}: " + ratios_line(rounds[-1]), flush=True)
        results.extend(medians(rounds))
        if args.matrix:
            for n in (1, 2):
                name, url = await postgres_database(args.pg_url)
                hook_env = {
                    **env,
                    "HTXBOT_DATABASE_URL": url,
                    "HTXBOT_WEBHOOK_URL": "https://bench.example/tg",
                    "HTXBOT_WEBHOOK_SECRET": SECRET,
                }
                setup = Setup(f"htxbot PG webhook ×{n}", [*htxbot, "--webhook"], hook_env, n, True)
                try:
                    results.append((setup.name, await measure(setup)))
                finally:
                    await drop_database(args.pg_url, name)
    print(
        f"{args.updates} text updates from {args.users} users, fake Bot API on 127.0.0.1, "
        f"no rate limiter; latency: {args.paced} updates at {args.paced_rate:g}/s, new users"
    )
    print(
        f"{'bot':>24} {'updates/s':>10} {'seconds':>8} {'CPU/update':>11} {'peak RSS':>9} "
        f"{'p50':>8} {'p95':>8}"
    )
    for name, r in results:
        print(
            f"{name:>24} {r['rate']:>10.0f} {r['seconds']:>8.1f} {r['cpu_ms']:>9.2f}ms "
            f"{r['rss']:>7.0f}MB {r['p50']:>6.0f}ms {r['p95']:>6.0f}ms"
        )
    if not args.matrix:
        ratios = [round_ratios(r) for r in rounds]
        mine, answers, sending = (statistics.median(r[i] for r in ratios) for i in range(3))
        each = ", ".join(f"{r[0]:.2f}" for r in ratios)
        print(f"ratio htxbot/echo: {mine:.2f} (each round: {each})")
        print(
            f"ratio echo with htxbot answers/echo: {answers:.2f} "
            f"(what sending htxbot's answers alone leaves of the echo bot's rate)"
        )
        print(f"ratio htxbot/echo with htxbot answers: {sending:.2f}")


def round_ratios(results: list[tuple[str, dict]]) -> tuple[float, float, float]:
    """htxbot/echo, echo with answers/echo, htxbot/echo with answers, for one round."""
    echo_rate, answers_rate, htxbot_rate = (r["rate"] for _, r in results)
    return htxbot_rate / echo_rate, answers_rate / echo_rate, htxbot_rate / answers_rate


def ratios_line(results: list[tuple[str, dict]]) -> str:
    mine, answers, _ = round_ratios(results)
    rates = ", ".join(f"{name} {r['rate']:.0f}/s" for name, r in results)
    return f"{rates}; htxbot/echo {mine:.2f}, answers/echo {answers:.2f}"


def medians(rounds: list[list[tuple[str, dict]]]) -> list[tuple[str, dict]]:
    """Each bot's median of every figure over the rounds."""
    return [
        (name, {key: statistics.median(r[i][1][key] for r in rounds) for key in first})
        for i, (name, first) in enumerate(rounds[0])
    ]


if __name__ == "__main__":
    asyncio.run(main())
