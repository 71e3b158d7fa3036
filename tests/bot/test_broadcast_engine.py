"""Broadcast delivery: segments count exactly, a restart resumes where it stopped (nothing
lost, nothing sent twice), opted-out people are skipped; the outbox honours 429."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.broadcaster import Broadcaster
from bot.outbox import Outbox, RetryAfter
from handlers.types import Reply
from messages.quiet_hours import parse_quiet_hours
from storage.broadcasts import claim_recipients, count_audience, create_broadcast, start_due
from storage.models import BroadcastRecipient
from storage.users import get_or_create_user
from tests.bot.test_reminders_engine import Clock, Recorder, make_app

NOON = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
QUIET = parse_quiet_hours("21:00-06:30")


async def people(app, n: int, province: str = "66", subscribed: bool = True) -> None:  # type: ignore[no-untyped-def]
    async with app.sessions() as s:
        for i in range(n):
            u, _, _ = await get_or_create_user(
                s,
                channel="telegram",
                external_id=f"{province}-{subscribed}-{i}",
                chat_id=f"{province}-{subscribed}-{i}",
            )
            u.province_code, u.subscribed = province, subscribed
        await s.commit()


async def test_segments_and_resume_after_restart(tmp_path: Path, db_url: str):
    clock, rec = Clock(NOON), Recorder()
    app = await make_app(tmp_path, clock, rec, db_url)
    await people(app, 30, "66")
    await people(app, 5, "1")
    await people(app, 7, "66", subscribed=False)
    async with app.sessions() as s:
        assert await count_audience(s, {}) == 35
        assert await count_audience(s, {"province": ["66"]}) == 30
        await create_broadcast(
            s,
            created_by="telegram:1",
            text="<b>Họp</b>",
            segment={"province": ["66"]},
            send_at=NOON - timedelta(seconds=1),
        )
        await s.commit()
        # A process starts it, claims 10, and dies before sending any of them.
        assert len(await start_due(s, NOON)) == 1
        await s.commit()
        await claim_recipients(s, now=NOON, worker="dead:1", channels=["telegram"], limit=10)
        await s.commit()
    clock.now = NOON + timedelta(minutes=5)
    b = Broadcaster(app, rate=1000, quiet=QUIET, worker="live:2")
    assert await b.recover() == 10
    while await b.tick():
        pass
    chats = [chat for chat, _ in rec.sent]
    assert len(chats) == 30 and len(set(chats)) == 30
    assert all(chat.startswith("66-True") for chat in chats)
    async with app.sessions() as s:
        statuses = {r.status for r in await s.scalars(select(BroadcastRecipient))}
    assert statuses == {"sent"}
    await app.close()


async def test_quiet_hours_hold_a_broadcast_unless_overridden(tmp_path: Path, db_url: str):
    night = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 22:00 in Vietnam
    clock, rec = Clock(night), Recorder()
    app = await make_app(tmp_path, clock, rec, db_url)
    await people(app, 3)
    async with app.sessions() as s:
        for override in (False, True):
            await create_broadcast(
                s,
                created_by="x",
                text=f"t{override}",
                segment={},
                send_at=night - timedelta(seconds=1),
                quiet_override=override,
            )
        await s.commit()
    b = Broadcaster(app, rate=1000, quiet=QUIET, worker="w:1")
    while await b.tick():
        pass
    assert {text.split("\n")[0] for _, text in rec.sent} == {"tTrue"}
    await app.close()


async def test_outbox_honours_retry_after_and_puts_people_first():
    calls: list[tuple[float, str]] = []
    throttled = {"once": True}

    async def send(chat_id: str, reply: Reply) -> None:
        if throttled["once"] and chat_id == "b1":
            throttled["once"] = False
            raise RetryAfter(0.3)
        calls.append((time.monotonic(), chat_id))

    box = Outbox(send, rate=None)
    await box.start()
    started = time.monotonic()
    bulk = [asyncio.create_task(box.submit(f"b{i}", Reply("x"), priority=1)) for i in range(3)]
    await asyncio.sleep(0)
    await box.submit("person", Reply("answer"), priority=0)
    await asyncio.gather(*bulk)
    await box.stop()
    order = [chat for _, chat in calls]
    assert sorted(order) == ["b0", "b1", "b2", "person"]  # nothing lost after the 429
    assert calls[-1][0] - started >= 0.3  # everyone paused for retry_after
    assert box.throttled == 1


async def test_the_running_bot_delivers_scheduled_broadcasts(tmp_path: Path, db_url: str):
    """The scheduler's own job picks a broadcast up within a couple of seconds."""
    from bot.app import HtxApp
    from bot.scheduler import Runtime
    from tests.conftest import make_settings

    settings = make_settings(
        tmp_path,
        HTXBOT_DATABASE_URL=db_url,
        HTXBOT_DISPATCH_INTERVAL=0.2,
        HTXBOT_QUIET_HOURS="03:00-03:00",
    )
    rec = Recorder()
    app = HtxApp(settings)
    await app.start()
    app.register_sender("telegram", rec)
    await people(app, 3)
    async with app.sessions() as s:
        await create_broadcast(
            s, created_by="cli", text="Họp thôn", segment={}, send_at=datetime.now(UTC)
        )
        await s.commit()
    runtime = Runtime(app, settings)
    await runtime.start()
    try:
        for _ in range(50):
            if len(rec.sent) >= 3:
                break
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()
        await app.close()
    assert len(rec.sent) == 3
