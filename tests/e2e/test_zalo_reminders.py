"""End to end on Zalo with the real scheduler (bot.scheduler.Runtime): a reminder set from Zalo
is delivered there as plain text with numbered choices, a digit snoozes it; a person the bot
cannot reach (403) is marked unsubscribed and their other reminders are cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import HtxApp
from bot.scheduler import Runtime
from bot.zalo_channel import ZaloChannel
from storage.models import Reminder, User, utcnow
from storage.reminders import add_reminder
from storage.users import get_or_create_user
from tests.conftest import zalo_settings
from tests.e2e.test_zalo_foundation import number_of
from tests.fake_zalo import FakeZalo, Person, user_id


@pytest.fixture
async def running(
    tmp_path: Path, db_url: str, zl: FakeZalo
) -> AsyncIterator[tuple[ZaloChannel, Runtime]]:
    """`htxbot run` in-process: the app, the Zalo channel and the scheduler ticking fast,
    with quiet hours that never apply (the tests must not depend on the hour)."""
    settings = zalo_settings(
        tmp_path,
        db_url,
        zl,
        HTXBOT_DISPATCH_INTERVAL=0.2,
        HTXBOT_QUIET_HOURS="03:00-03:00",
    )
    app = HtxApp(settings)
    await app.start()
    channel = ZaloChannel(app, settings)
    await channel.start()
    runtime = Runtime(app, settings)
    await runtime.start()
    yield channel, runtime
    await runtime.stop()
    await channel.stop()
    await app.close()


async def rows(app: HtxApp) -> list[Reminder]:
    async with app.sessions() as s:
        return list(await s.scalars(select(Reminder).order_by(Reminder.id)))


async def test_reminder_set_on_zalo_arrives_and_a_digit_snoozes_it(
    zl: FakeZalo, running: tuple[ZaloChannel, Runtime]
):
    app = running[0].app
    f = Person(zl, user_id(500))
    await f.say("/start")
    [ok] = await f.say("/nhactoi 8h 5/12/2099 nộp báo cáo quý")
    assert "nộp báo cáo quý" in ok
    async with app.sessions() as s:  # make it due now
        await s.execute(update(Reminder).values(due_at=utcnow() - timedelta(seconds=1)))
        await s.commit()
    [reminder] = await f.next()  # delivered by the scheduler's dispatcher, no update needed
    assert "⏰ Nhắc bạn: nộp báo cáo quý" in reminder and "<b>" not in reminder
    assert "1. ⏰ Nhắc lại sau 1 giờ" in reminder
    [snoozed] = await f.say(number_of(reminder, "sau 1 giờ"))
    assert "nhắc lại lúc" in snoozed
    statuses = [r.status for r in await rows(app)]
    assert statuses == ["sent", "pending"]


async def test_unreachable_zalo_user_is_unsubscribed(
    zl: FakeZalo, running: tuple[ZaloChannel, Runtime]
):
    app = running[0].app
    uid = user_id(501)
    now = utcnow()
    async with app.sessions() as s:
        user, _, _ = await get_or_create_user(s, channel="zalo", external_id=uid, chat_id=uid)
        for i in range(2):
            await add_reminder(
                s,
                user_id=user.id,
                channel="zalo",
                chat_id=uid,
                kind="personal",
                message_key="rem_personal",
                params={"text": "đi họp"},
                due_at=now + timedelta(hours=i) - timedelta(seconds=1),
                expires_at=now + timedelta(days=1),
                user_chose_time=True,
                idempotency_key=f"z{i}",
            )
        await s.commit()
    zl.blocked.add(uid)
    for _ in range(100):
        if [r.status for r in await rows(app)] == ["failed", "cancelled"]:
            break
        await asyncio.sleep(0.1)
    assert [r.status for r in await rows(app)] == ["failed", "cancelled"]
    async with app.sessions() as s:
        stored = await s.scalar(select(User).where(User.external_id == uid))
    assert stored is not None and stored.subscribed is False
    assert "sendMessage:blocked" in zl.methods() and zl.sent(uid) == []
