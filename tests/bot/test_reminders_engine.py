"""The reminder engine's promises, each with real timing or an injected clock: delivered after
a restart while still useful, otherwise missed; exactly once with two dispatchers on one SQLite
file; at most the in-flight one repeats after a crash; quiet hours; blocked users; recurrence."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.app import HtxApp
from bot.dispatcher import Dispatcher
from bot.outbox import Unreachable
from handlers.types import Reply
from messages.quiet_hours import parse_quiet_hours, quiet_until
from messages.recurrence import next_occurrence
from storage.models import Reminder, User
from storage.reminders import add_reminder, claim_due
from storage.users import get_or_create_user
from tests.conftest import make_settings

QUIET = parse_quiet_hours("21:00-06:30")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Recorder:
    """A channel that records what it was asked to send (and can refuse some chats)."""

    def __init__(self, blocked: set[str] | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.blocked = blocked or set()

    async def __call__(self, chat_id: str, reply: Reply, *, priority: int = 0) -> None:
        if chat_id in self.blocked:
            raise Unreachable("Forbidden: bot was blocked by the user")
        await asyncio.sleep(0.001)
        self.sent.append((chat_id, reply.text))


async def make_app(tmp_path: Path, clock: Clock, recorder: Recorder, db_url: str) -> HtxApp:
    app = HtxApp(make_settings(tmp_path, HTXBOT_DATABASE_URL=db_url), clock=clock)
    await app.start()
    app.register_sender("telegram", recorder)
    return app


async def seed(
    app: HtxApp,
    n: int,
    due: datetime,
    *,
    expires: timedelta = timedelta(hours=1),
    chose_time: bool = True,
    recurrence: str = "",
    user: str = "9",
) -> list[int]:
    async with app.sessions() as s:
        u, _, _ = await get_or_create_user(s, channel="telegram", external_id=user, chat_id=user)
        for i in range(n):
            await add_reminder(
                s,
                user_id=u.id,
                channel="telegram",
                chat_id=user,
                kind="personal",
                message_key="rem_personal",
                params={"text": f"việc {i}"},
                due_at=due,
                expires_at=due + expires,
                recurrence=recurrence,
                user_chose_time=chose_time,
                idempotency_key=f"k{user}:{i}",
            )
        await s.commit()
        return [r.id for r in await s.scalars(select(Reminder).order_by(Reminder.id))]


async def statuses(app: HtxApp) -> Counter[str]:
    async with app.sessions() as s:
        return Counter(r.status for r in await s.scalars(select(Reminder)))


NOON = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # 12:00 in Vietnam


async def test_due_while_down_is_sent_if_useful_else_missed(tmp_path: Path, db_url: str, caplog):
    clock, rec = Clock(NOON), Recorder()
    app = await make_app(tmp_path, clock, rec, db_url)
    await seed(app, 1, NOON - timedelta(minutes=30), expires=timedelta(hours=1))  # still useful
    await seed(app, 1, NOON - timedelta(hours=3), expires=timedelta(hours=1), user="8")  # too late
    dispatcher = Dispatcher(app, quiet=QUIET)
    assert await dispatcher.tick() == 2
    assert await statuses(app) == Counter({"sent": 1, "missed": 1})
    assert [chat for chat, _ in rec.sent] == ["9"]
    assert "missed" in caplog.text
    await app.close()


async def test_two_dispatchers_on_one_database_send_each_once(tmp_path: Path, db_url: str):
    clock = Clock(NOON)
    rec_a, rec_b = Recorder(), Recorder()
    app_a = await make_app(tmp_path, clock, rec_a, db_url)
    app_b = await make_app(tmp_path, clock, rec_b, db_url)  # a second process: its own engine
    await seed(app_a, 300, NOON - timedelta(seconds=1))
    a, b = Dispatcher(app_a, quiet=QUIET, batch=40), Dispatcher(app_b, quiet=QUIET, batch=40)
    for _ in range(12):
        await asyncio.gather(a.tick(), b.tick())
    texts = [text for _, text in rec_a.sent + rec_b.sent]
    assert len(texts) == 300 and len(set(texts)) == 300
    assert rec_a.sent and rec_b.sent  # both did part of the work
    assert await statuses(app_a) == Counter({"sent": 300})
    await app_a.close()
    await app_b.close()


async def test_crash_mid_send_loses_nothing(tmp_path: Path, db_url: str):
    clock, rec = Clock(NOON), Recorder()
    app = await make_app(tmp_path, clock, rec, db_url)
    await seed(app, 5, NOON - timedelta(seconds=1))
    async with app.sessions() as s:  # a process claims them, then dies before sending
        claimed = await claim_due(s, now=NOON, worker="dead:1", channels=["telegram"], limit=5)
        await s.commit()
    assert len(claimed) == 5
    dispatcher = Dispatcher(app, quiet=QUIET)
    assert await dispatcher.tick() == 0  # still in flight elsewhere: not touched
    clock.now = NOON + timedelta(minutes=3)
    assert await dispatcher.recover() == 5
    await dispatcher.tick()
    assert len(rec.sent) == 5 and await statuses(app) == Counter({"sent": 5})
    await app.close()


async def test_quiet_hours_unless_the_user_chose_the_time(tmp_path: Path, db_url: str):
    night = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 22:00 in Vietnam
    clock, rec = Clock(night), Recorder()
    app = await make_app(tmp_path, clock, rec, db_url)
    await seed(app, 1, night, chose_time=False, expires=timedelta(days=1))
    await seed(app, 1, night, chose_time=True, user="7")
    dispatcher = Dispatcher(app, quiet=QUIET)
    await dispatcher.tick()
    assert [chat for chat, _ in rec.sent] == ["7"]
    async with app.sessions() as s:
        held = await s.scalar(select(Reminder).where(Reminder.status == "pending"))
    assert held.due_at == datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 06:30 next morning
    await app.close()


async def test_blocked_user_is_unsubscribed_and_the_rest_goes_on(tmp_path: Path, db_url: str):
    clock, rec = Clock(NOON), Recorder(blocked={"6"})
    app = await make_app(tmp_path, clock, rec, db_url)
    await seed(app, 2, NOON - timedelta(seconds=1), user="6")
    await seed(app, 1, NOON + timedelta(hours=1), user="6")  # later: to be cancelled
    await seed(app, 1, NOON - timedelta(seconds=1), user="5")
    dispatcher = Dispatcher(app, quiet=QUIET)
    await dispatcher.tick()
    assert [chat for chat, _ in rec.sent] == ["5"]
    async with app.sessions() as s:
        blocked = await s.scalar(select(User).where(User.external_id == "6"))
        assert blocked.subscribed is False
    counts = await statuses(app)
    assert counts["sent"] == 1 and counts["failed"] >= 1 and counts["pending"] == 0
    await app.close()


async def test_recurring_reminder_schedules_the_next_one(tmp_path: Path, db_url: str):
    clock, rec = Clock(NOON), Recorder()
    app = await make_app(tmp_path, clock, rec, db_url)
    await seed(app, 1, NOON - timedelta(seconds=1), recurrence="daily")
    await Dispatcher(app, quiet=QUIET).tick()
    async with app.sessions() as s:
        nxt = await s.scalar(select(Reminder).where(Reminder.status == "pending"))
    assert nxt.due_at == NOON - timedelta(seconds=1) + timedelta(days=1)
    await app.close()


async def test_a_monthly_reminder_on_the_31st_comes_back_to_the_31st(tmp_path: Path, db_url: str):
    """After February it is the 31st again where a month has one, not the 28th for ever; and a
    retry that sent one late does not move the ones after it, nor shorten how long they stay
    worth sending."""
    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    first = datetime(2027, 1, 31, 8, 0, tzinfo=vn).astimezone(UTC)
    clock, rec = Clock(first), Recorder()
    app = await make_app(tmp_path, clock, rec, db_url)
    await seed(app, 1, first, recurrence="monthly")
    dispatcher = Dispatcher(app, quiet=QUIET)
    seen, graces = [], set()
    for _ in range(4):
        async with app.sessions() as s:
            due, expires = (
                await s.execute(
                    select(Reminder.due_at, Reminder.expires_at).where(
                        Reminder.status == "pending"
                    )
                )
            ).one()
        seen.append(f"{due.astimezone(vn):%d/%m %H:%M}")
        graces.add(expires - due)
        clock.now = due + timedelta(minutes=10)  # as a retry would send it
        async with app.sessions() as s:
            await s.execute(
                update(Reminder).where(Reminder.due_at == due).values(due_at=clock.now)
            )
            await s.commit()
        await dispatcher.tick()
    assert seen == ["31/01 08:00", "28/02 08:00", "31/03 08:00", "30/04 08:00"]
    assert len(graces) == 1, graces
    await app.close()


@pytest.mark.parametrize(
    ("local", "recurrence", "expected"),
    [
        ("2026-01-31 08:00", "monthly", "2026-02-28 08:00"),
        ("2026-11-30 08:00", "quarterly", "2027-02-28 08:00"),
        ("2026-02-28 07:00", "yearly", "2027-02-28 07:00"),
        ("2026-11-25 23:30", "daily", "2026-11-26 23:30"),
    ],
)
def test_next_occurrence_keeps_local_wall_clock(local: str, recurrence: str, expected: str):
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    due = datetime.fromisoformat(local).replace(tzinfo=tz).astimezone(UTC)
    got = next_occurrence(due, recurrence, "Asia/Ho_Chi_Minh")
    assert got.astimezone(tz).strftime("%Y-%m-%d %H:%M") == expected


def test_quiet_window_spanning_midnight():
    tz = "Asia/Ho_Chi_Minh"
    assert quiet_until(datetime(2026, 11, 25, 5, 0, tzinfo=UTC), tz, QUIET) is None  # 12:00
    end = quiet_until(datetime(2026, 11, 25, 20, 0, tzinfo=UTC), tz, QUIET)  # 03:00 local
    assert end == datetime(2026, 11, 25, 23, 30, tzinfo=UTC)


async def test_runtime_delivers_with_real_timing(tmp_path: Path, db_url: str):
    """The APScheduler job itself, ticking every 0.2 s, sends a reminder due in ~1 s."""
    from bot.scheduler import Runtime

    settings = make_settings(tmp_path, HTXBOT_DISPATCH_INTERVAL=0.2, HTXBOT_DATABASE_URL=db_url)
    rec = Recorder()
    app = HtxApp(settings)
    await app.start()
    app.register_sender("telegram", rec)
    now = datetime.now(UTC)
    await seed(app, 1, now + timedelta(seconds=1))
    runtime = Runtime(app, settings)
    await runtime.start()
    try:
        for _ in range(50):
            if rec.sent:
                break
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()
        await app.close()
    assert len(rec.sent) == 1 and "việc 0" in rec.sent[0][1]


async def test_rows_of_a_dead_local_process_are_recovered_at_once(tmp_path: Path, db_url: str):
    import socket
    import subprocess
    import sys

    clock, rec = Clock(NOON), Recorder()
    app = await make_app(tmp_path, clock, rec, db_url)
    await seed(app, 3, NOON - timedelta(seconds=1))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    async with app.sessions() as s:
        await claim_due(
            s, now=NOON, worker=f"{socket.gethostname()}:{gone}", channels=["telegram"], limit=3
        )
        await s.commit()
    dispatcher = Dispatcher(app, quiet=QUIET)
    assert await dispatcher.recover() == 3  # no two-minute wait: that pid is gone
    await dispatcher.tick()
    assert len(rec.sent) == 3
    await app.close()


async def test_a_workers_own_slow_claims_are_not_taken_back(tmp_path: Path, db_url: str):
    clock, rec = Clock(NOON), Recorder()
    app = await make_app(tmp_path, clock, rec, db_url)
    await seed(app, 2, NOON - timedelta(seconds=1))
    dispatcher = Dispatcher(app, quiet=QUIET)
    async with app.sessions() as s:  # claimed by this very worker, still queued in its outbox
        await claim_due(s, now=NOON, worker=dispatcher.worker, channels=["telegram"], limit=2)
        await s.commit()
    clock.now = NOON + timedelta(minutes=10)
    assert await dispatcher.recover() == 0
    await app.close()
