"""Two `htxbot run --webhook` processes on one PostgreSQL database behave as one bot: a form
started on one continues on the other; 500 reminders and a 1,000-recipient broadcast go out
exactly once (none lost, none twice) while one process is stopped with SIGTERM halfway (it exits
cleanly and the other sends what it gave back); and the messages fit within the send budgets the
processes share in the database.

Nothing here depends on how fast the machine is. The budget is checked as a count against the
database's own record of it: each message takes the budget's next turn, and turns are `1/rate`
apart on the database's clock, so the messages sent since the bulk began are at most `rate` times
the window from then to the budget's next free turn. A process sending outside the shared budget
would send more than that; a slow machine only widens the window. How fast messages actually went
(the busiest second against a fake that refuses a 31st message within any second, the busiest
5 s, 429s, how long the stop took) depends on the machine: bench/two_processes.py prints it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from storage.broadcasts import create_broadcast
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import BroadcastRecipient, Registration, Reminder, SendBudget, User, utcnow
from storage.reminders import add_reminder
from tests.conftest import ADMIN_ID
from tests.e2e.test_telegram_registration import Farmer, fill_until_consent, value_of
from tests.fake_telegram import FakeTelegram
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "two-process-secret"
RATE_LIMIT = 30  # the fake answers 429 beyond this many messages in any second, as Telegram does
CONFIGURED = 25  # HTXBOT_TELEGRAM_RATE and HTXBOT_BROADCAST_RATE: all processes together
PEOPLE, REMINDERS = 1000, 500
FIRST_CHAT = 3_000_000
BROADCAST_TEXT = "Hội chợ nông sản tháng 12"
# Budgets in the send_budget table: every message to Telegram, and broadcast messages.
TELEGRAM_BUDGET, BROADCAST_BUDGET = "telegram", "broadcast"
STALLED = 120.0  # seconds without a single message sent: the bot is stuck, not slow


class BotProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.env = {**env, "HTXBOT_WEBHOOK_PORT": str(self.port)}
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tg"

    async def start(self) -> None:
        out = self.log.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--webhook",
            env=self.env, cwd=ROOT, stdout=out, stderr=out,
        )  # fmt: skip
        deadline = time.monotonic() + 120  # not a measure: only how long to wait for a hung start
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.proc.returncode is None, self.log.read_text()[-3000:]
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError("bot did not become healthy:\n" + self.log.read_text()[-3000:])

    async def terminate(self) -> int:
        """SIGTERM; returns the exit code (waiting at most 2 minutes, for a hung process)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 120)

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()


def bot_env(db_url: str, tg: FakeTelegram, rate: float) -> dict[str, str]:
    """The environment of each bot process: webhooks from the fake, one database, one rate."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTXBOT_", "TELEGRAM_"))}
    return env | {
        "HTXBOT_DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "HTXBOT_WEBHOOK_URL": "https://htx.example.vn/tg",
        "HTXBOT_WEBHOOK_SECRET": SECRET,
        "HTXBOT_ADMINS": f"telegram:{ADMIN_ID}",
        "HTXBOT_STAFF_CHAT_IDS": "-100500",
        "HTXBOT_DISPATCH_INTERVAL": "0.5",
        "HTXBOT_TELEGRAM_RATE": str(rate),
        "HTXBOT_BROADCAST_RATE": str(rate),
        "HTXBOT_LOG_LEVEL": "WARNING",
    }


async def seed(url: str, people: int) -> None:
    """Migrate, and add `people` subscribed Telegram users (chats FIRST_CHAT onwards)."""
    engine = create_engine(url)
    await upgrade(engine)
    async with session_factory(engine)() as s:
        s.add_all(
            User(
                channel="telegram",
                external_id=str(FIRST_CHAT + i),
                chat_id=str(FIRST_CHAT + i),
                display_name="",
                language="vi",
                roles="",
                subscribed=True,
            )
            for i in range(people)
        )
        await s.commit()
    await engine.dispose()


async def start_bulk(url: str, reminders: int) -> None:
    """In one transaction: a reminder due now for each of the first `reminders` people, and a
    broadcast to everyone subscribed, starting now."""
    engine = create_engine(url)
    due = utcnow()
    async with session_factory(engine)() as s:
        chats = [str(FIRST_CHAT + i) for i in range(reminders)]
        users = dict((await s.execute(select(User.chat_id, User.id))).all())
        for i, chat in enumerate(chats):
            await add_reminder(
                s, user_id=users[chat], channel="telegram", chat_id=chat, kind="personal",
                message_key="rem_personal", params={"text": f"việc {i}"}, due_at=due,
                expires_at=due + timedelta(hours=2), user_chose_time=True,
                idempotency_key=f"two:{i}",
            )  # fmt: skip
        await create_broadcast(
            s, created_by=f"telegram:{ADMIN_ID}", text=BROADCAST_TEXT, segment={},
            send_at=due, quiet_override=True,
        )  # fmt: skip
        await s.commit()
    await engine.dispose()


async def counts(url: str) -> tuple[Counter[str], Counter[str], int]:
    """Reminders by status, broadcast recipients by status, registrations."""
    engine = create_engine(url)
    async with session_factory(engine)() as s:
        rem = Counter(
            dict(
                (
                    await s.execute(
                        select(Reminder.status, func.count()).group_by(Reminder.status)
                    )
                ).all()
            )
        )
        rec = Counter(
            dict(
                (
                    await s.execute(
                        select(BroadcastRecipient.status, func.count()).group_by(
                            BroadcastRecipient.status
                        )
                    )
                ).all()
            )
        )
        regs = await s.scalar(select(func.count()).select_from(Registration)) or 0
    await engine.dispose()
    return rem, rec, regs


async def database_clock(url: str) -> float:
    """PostgreSQL's clock now, in seconds since the epoch: the clock the send budget keeps."""
    engine = create_engine(url)
    async with session_factory(engine)() as s:
        now = await s.scalar(select(func.extract("epoch", func.clock_timestamp())))
    await engine.dispose()
    assert now is not None
    return float(now)


async def next_free_turns(url: str) -> dict[str, float]:
    """Each shared send budget's next free turn, in seconds on the database's clock."""
    engine = create_engine(url)
    async with session_factory(engine)() as s:
        rows = (await s.execute(select(SendBudget.key, SendBudget.next_slot))).all()
    await engine.dispose()
    return dict(rows)


def turns_since(start: float, next_free: float, rate: float) -> int:
    """How many turns of a budget at `rate` fit between `start` and its next free turn: the
    most that can have been taken since `start`, each turn being 1/rate after the one before and
    none before `start`. (Rounded: the sums of 1/rate the database kept are off by far less than
    a turn.)"""
    return round((next_free - start) * rate)


@pytest.fixture
async def bots(tmp_path: Path, db_url: str, tg: FakeTelegram) -> AsyncIterator[list[BotProcess]]:
    await seed(db_url, PEOPLE)
    env = bot_env(db_url, tg, CONFIGURED)
    procs = [BotProcess(env, tmp_path / f"bot{i}.log") for i in (1, 2)]
    try:
        await asyncio.gather(*(p.start() for p in procs))
        tg.use_webhooks([p.url for p in procs])
        yield procs
    finally:
        for p in procs:
            p.kill()


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_webhook_processes_send_everything_once_within_one_shared_budget(
    tg: FakeTelegram, bots: list[BotProcess], db_url: str
) -> None:
    tg.rate_limit = RATE_LIMIT
    first, second = bots

    # A form whose steps alternate between the two processes.
    farmer = Farmer(tg, 3001)
    await fill_until_consent(farmer)
    [summary] = await farmer.press("f:v:yes")
    [done] = await farmer.press(value_of(summary, "Xác nhận"))
    assert "DK-" in done["text"]
    posts = [s for s in tg.webhook_statuses if s == 200]
    assert len(posts) >= 14

    bulk_began = await database_clock(db_url)  # no turn for the bulk can be taken before
    await start_bulk(db_url, REMINDERS)
    people = {str(FIRST_CHAT + i) for i in range(PEOPLE)}

    def to_people() -> int:
        return sum(
            1 for c in tg.calls if c.method == "sendMessage" and str(c.params["chat_id"]) in people
        )

    stopped = False
    sent, progress_at = 0, time.monotonic()
    while True:
        if not stopped and to_people() >= (PEOPLE + REMINDERS) // 2:
            code = await first.terminate()
            assert code == 0, first.log.read_text()[-2000:]
            stopped = True
        rem, rec, _ = await counts(db_url)
        if stopped and rem["sent"] == REMINDERS and rec["sent"] == PEOPLE + 1:
            break
        if len(tg.calls) > sent:
            sent, progress_at = len(tg.calls), time.monotonic()
        assert time.monotonic() - progress_at < STALLED, (
            f"nothing sent for {STALLED:.0f} s: {rem}, {rec}\n"
            + "".join(p.log.read_text()[-1500:] for p in bots)
        )
        await asyncio.sleep(0.5)

    # Every reminder and every recipient sent once, as the database and the fake both say.
    rem, rec, regs = await counts(db_url)
    assert regs == 1
    assert rem == Counter({"sent": REMINDERS}), rem
    assert rec == Counter({"sent": PEOPLE + 1}), rec  # and the farmer who registered
    kinds = Counter(
        (BROADCAST_TEXT in c.params["text"], str(c.params["chat_id"]))
        for c in tg.calls
        if c.method == "sendMessage" and str(c.params["chat_id"]) in people
    )
    assert max(kinds.values()) == 1, "a message went twice"
    assert sum(1 for broadcast, _ in kinds if broadcast) == PEOPLE
    assert sum(1 for broadcast, _ in kinds if not broadcast) == REMINDERS

    # The messages sent since the bulk began (to them, and the broadcast to the farmer who
    # registered) fit within the turns of the budget both processes share for every message;
    # the broadcast's within the turns of the broadcasts' own.
    next_free = await next_free_turns(db_url)
    assert {TELEGRAM_BUDGET, BROADCAST_BUDGET} <= next_free.keys(), next_free
    window = turns_since(bulk_began, next_free[TELEGRAM_BUDGET], CONFIGURED)
    assert window >= PEOPLE + REMINDERS + 1, (window, next_free, bulk_began)
    window = turns_since(bulk_began, next_free[BROADCAST_BUDGET], CONFIGURED)
    assert window >= PEOPLE + 1, (window, next_free, bulk_began)

    assert await second.terminate() == 0, second.log.read_text()[-2000:]
