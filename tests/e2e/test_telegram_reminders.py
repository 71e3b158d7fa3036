"""End to end on Telegram: personal reminders, class reminders with "Tôi không đi được", the
legal calendar, staff follow-ups, and a blocked user (403) handled by the dispatcher."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.dispatcher import Dispatcher
from bot.telegram_channel import TelegramChannel
from messages.quiet_hours import parse_quiet_hours
from storage.classes import create_class
from storage.models import Enrolment, Reminder, utcnow
from storage.registrations import create_registration
from storage.users import get_or_create_user
from tests.e2e.test_telegram_registration import Farmer, value_of
from tests.fake_telegram import FakeTelegram

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Quiet hours that never apply, so these tests do not depend on the hour they run at.
NEVER_QUIET = parse_quiet_hours("03:00-03:00")


async def rows(app, **where) -> list[Reminder]:  # type: ignore[no-untyped-def]
    async with app.sessions() as s:
        query = select(Reminder).order_by(Reminder.id)
        for key, value in where.items():
            query = query.where(getattr(Reminder, key) == value)
        return list(await s.scalars(query))


async def test_personal_reminder_set_listed_and_deleted(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    f = Farmer(tg, 5001)
    [ok] = await f.say("/nhactoi 7h sáng thứ Hai nộp báo cáo hàng tuần")
    assert "nộp báo cáo" in ok["text"] and "Thứ Hai" in ok["text"] and "hằng tuần" in ok["text"]
    [row] = await rows(telegram_bot.app, kind="personal")
    local = row.due_at.astimezone(TZ)
    assert (local.weekday(), local.hour, row.recurrence) == (0, 7, "weekly")
    assert row.params == {"text": "nộp báo cáo"} and row.user_chose_time
    [bad] = await f.say("/nhactoi hôm qua")
    assert "chưa hiểu" in bad["text"]
    [past] = await f.say("/nhactoi 7h 1/1/2020 họp")
    assert "đã qua rồi" in past["text"]  # understood, but past: said so
    [listed] = await f.say("/nhacnho")
    [deleted] = await f.press(value_of(listed, "Xoá"))
    assert "Đã xoá" in deleted["text"]
    assert (await rows(telegram_bot.app, kind="personal"))[0].status == "cancelled"


async def test_class_reminder_arrives_and_frees_the_seat(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    app = telegram_bot.app
    now = utcnow()
    async with app.sessions() as s:
        cls = await create_class(
            s,
            now=now,
            title="Kỹ thuật tưới nước",
            starts_at=now + timedelta(hours=2, seconds=2),
            capacity=10,
            deadline_at=now + timedelta(hours=1),
            status="published",
            place="Nhà văn hoá thôn 3",
        )
        user, _, _ = await get_or_create_user(
            s, channel="telegram", external_id="5002", chat_id="5002"
        )
        user.phone, user.consent_at = "+84912000555", now
        await s.commit()
    f = Farmer(tg, 5002)
    [enrolled] = await f.press(f"cls:enrol:{cls.id}")
    assert "Bạn đã đăng ký" in enrolled["text"]
    made = await rows(app, kind="class")
    assert len(made) == 1  # "1d@08:00" is already past; the "2h" one is due in ~2 s
    dispatcher = Dispatcher(app, quiet=NEVER_QUIET)
    for _ in range(40):
        if await dispatcher.tick():
            break
        await asyncio.sleep(0.1)
    [reminder] = await f._next()
    assert "Kỹ thuật tưới nước" in reminder["text"] and "Nhà văn hoá thôn 3" in reminder["text"]
    [sure] = await f.press(value_of(reminder, "không đi được"))
    [left] = await f.press(value_of(sure, "Có, huỷ chỗ"))
    assert "Đã huỷ đăng ký" in left["text"]
    async with app.sessions() as s:
        assert (await s.scalar(select(Enrolment))).status == "cancelled"


async def test_blocked_user_is_marked_unsubscribed(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    app = telegram_bot.app
    now = datetime.now(UTC)
    async with app.sessions() as s:
        user, _, _ = await get_or_create_user(
            s, channel="telegram", external_id="5003", chat_id="5003"
        )
        from storage.reminders import add_reminder

        for i in range(2):
            await add_reminder(
                s,
                user_id=user.id,
                channel="telegram",
                chat_id="5003",
                kind="personal",
                message_key="rem_personal",
                params={"text": "x"},
                due_at=now + timedelta(hours=i),
                expires_at=now + timedelta(days=1),
                user_chose_time=True,
                idempotency_key=f"b{i}",
            )
        await s.commit()
    tg.blocked.add(5003)
    await Dispatcher(app, quiet=NEVER_QUIET).tick()
    statuses = [r.status for r in await rows(app)]
    assert statuses == ["failed", "cancelled"]
    async with app.sessions() as s:
        user = await s.get(type(user), user.id)
        assert user.subscribed is False


async def test_legal_calendar_schedules_cited_deadlines(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    f = Farmer(tg, 5004)
    [ask] = await f.say("/lichhtx")
    [meeting] = await f.press(value_of(ask, "31/12"))
    [done] = await f.press(value_of(meeting, "Bỏ qua"))
    assert "Đã đặt" in done["text"]
    made = await rows(telegram_bot.app, kind="legal")
    keys = {r.message_key for r in made}
    assert {"rem_legal_agm", "rem_legal_board"} <= keys
    agm = [r for r in made if r.message_key == "rem_legal_agm"]
    deadline = agm[0].params["deadline"]
    assert deadline.startswith("30/04/")  # 04 months after 31/12 (Điều 59 khoản 1)
    assert all(r.recurrence == "yearly" for r in agm)
    [stopped] = await f.say("/lichhtx huy")
    assert "Đã dừng" in stopped["text"]


async def test_staff_reminded_of_stale_registrations(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    from bot.scheduler import Runtime

    app = telegram_bot.app
    old = utcnow() - timedelta(days=5)
    async with app.sessions() as s:
        user, _, _ = await get_or_create_user(
            s, channel="telegram", external_id="5005", chat_id="5005"
        )
        await create_registration(
            s,
            user_id=user.id,
            now=old,
            data={
                "kind": "htx",
                "full_name": "A B",
                "phone": "+84912000777",
                "province": "66",
                "sector": "khac",
            },
        )
        await s.commit()
    runtime = Runtime(app, telegram_bot_settings(app))
    assert await runtime.staff_followups() == 1
    assert await runtime.staff_followups() == 0  # once a day
    await Dispatcher(app, quiet=NEVER_QUIET).tick()
    [note] = await tg.wait_sent(1, chat_id=-100500)
    assert "vẫn ở trạng thái «mới»" in note["text"]


def telegram_bot_settings(app):  # type: ignore[no-untyped-def]
    return app.settings
