"""Personal and class reminders through the handlers, with an injected clock: snoozing never
moves a reminder earlier and a refused snooze keeps it; a repeating reminder whose date has
just passed starts at its next occurrence, not a year later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import HtxApp
from bot.settings import Settings
from handlers.reminders import add_next_occurrence
from messages.recurrence import series_next, shift_params
from messages.textnorm import fold
from storage.classes import create_class
from storage.models import Reminder
from storage.users import get_or_create_user
from tests.conftest import Chat
from tests.handlers.test_class_capacity import known_users_and_class

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Sunday 06/12/2026, 12:00 in Vietnam.
NOW = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def clocked(settings: Settings, clock: Clock) -> AsyncIterator[HtxApp]:
    application = HtxApp(settings, clock=clock)
    await application.start()
    yield application
    await application.close()


async def reminders(app: HtxApp, **where: object) -> list[Reminder]:
    async with app.sessions() as s:
        query = select(Reminder).order_by(Reminder.id)
        for key, value in where.items():
            query = query.where(getattr(Reminder, key) == value)
        return list(await s.scalars(query))


async def enrolled_in(app: HtxApp, starts_at: datetime) -> tuple[Chat, int]:
    """A person with phone and consent, enrolled in a published class starting then."""
    async with app.sessions() as s:
        cls = await create_class(
            s,
            now=NOW,
            title="Lớp kế toán HTX",
            starts_at=starts_at,
            capacity=10,
            deadline_at=starts_at,
            status="published",
            place="Hội trường xã",
        )
        user, _, _ = await get_or_create_user(s, channel="test", external_id="u1", chat_id="u1")
        user.phone, user.consent_at = "+84912000111", NOW
        await s.commit()
        cid = cls.id
    me = Chat(app, user_id="u1")
    [enrolled, *_] = await me.press(f"cls:enrol:{cid}")
    assert "Bạn đã đăng ký" in enrolled.text
    return me, cid


async def test_my_class_reminders_offer_the_seat_back_as_their_text_says(clocked: HtxApp):
    me, cid = await enrolled_in(clocked, local(2026, 12, 10, 14))
    listed = await me.say("/nhacnho")
    assert len(listed) == 2
    for item in listed:
        assert "nhường chỗ" in item.text
        assert f"cls:leave:{cid}" in [b.payload for row in item.buttons for b in row]


async def test_snoozing_a_class_reminder_counts_from_its_due_time(clocked: HtxApp) -> None:
    """The day-before reminder (Wednesday 08:00, class Thursday 14:00), snoozed a day, comes
    Thursday 08:00, not 'now + 1 day' (Monday, earlier than it was due)."""
    me, _ = await enrolled_in(clocked, local(2026, 12, 10, 14))
    day_before, two_hours = await reminders(clocked, kind="class")
    assert (day_before.due_at, two_hours.due_at) == (
        local(2026, 12, 9, 8),
        local(2026, 12, 10, 12),
    )
    [snoozed] = await me.press(f"rem:snooze:{day_before.id}:1440")
    assert "10/12/2026 lúc 08:00" in snoozed.text
    pending = await reminders(clocked, kind="class", status="pending")
    assert sorted(r.due_at for r in pending) == [local(2026, 12, 10, 8), local(2026, 12, 10, 12)]


@pytest.mark.parametrize(
    ("starts_at", "which"),
    [
        (local(2026, 12, 10, 14), -1),  # two hours before, +1 day: after the class starts
        (local(2026, 12, 6, 20), 0),  # class tonight, reminder at 18:00 not yet due
    ],
)
async def test_a_refused_class_snooze_keeps_the_reminder(
    clocked: HtxApp, starts_at: datetime, which: int
) -> None:
    """Snoozing past the class start is refused, saying when the class starts (it has not
    started yet), and the reminder stays pending at its own time."""
    me, _ = await enrolled_in(clocked, starts_at)
    before = await reminders(clocked, kind="class")
    target = before[which]
    [refused] = await me.press(f"rem:snooze:{target.id}:1440")
    assert "đã bắt đầu" not in refused.text
    assert f"{starts_at.astimezone(TZ):%d/%m/%Y lúc %H:%M}" in refused.text
    after = await reminders(clocked, kind="class")
    assert [(r.id, r.status, r.due_at) for r in after] == [
        (r.id, r.status, r.due_at) for r in before
    ]


async def test_snoozing_a_class_that_has_started_says_so(clocked: HtxApp, clock: Clock) -> None:
    me, _ = await enrolled_in(clocked, local(2026, 12, 6, 20))
    [reminder] = await reminders(clocked, kind="class")
    clock.now = local(2026, 12, 6, 20, 5)
    [refused] = await me.press(f"rem:snooze:{reminder.id}:60")
    assert "đã bắt đầu" in refused.text
    assert [r.status for r in await reminders(clocked, kind="class")] == ["pending"]


async def test_snoozing_a_personal_reminder_never_moves_it_earlier(
    clocked: HtxApp, clock: Clock
) -> None:
    """A pending one moves a day after its own time; a delivered one an hour after now."""
    me = Chat(clocked, user_id="u2")
    [ok] = await me.say("/nhactoi 9h 10/12 nộp báo cáo")
    assert "10/12/2026 lúc 09:00" in ok.text
    [row] = await reminders(clocked, kind="personal")
    [snoozed] = await me.press(f"rem:snooze:{row.id}:1440")
    assert "11/12/2026 lúc 09:00" in snoozed.text
    [moved] = await reminders(clocked, kind="personal", status="pending")
    assert moved.due_at == local(2026, 12, 11, 9)
    async with clocked.sessions() as s:  # delivered on time, two days later
        delivered = await s.get(Reminder, moved.id)
        assert delivered is not None
        delivered.status = "sent"
        await s.commit()
    clock.now = local(2026, 12, 11, 9, 10)
    [again] = await me.press(f"rem:snooze:{moved.id}:60")
    assert "11/12/2026 lúc 10:10" in again.text


async def test_an_old_snooze_button_does_not_bring_back_a_deleted_or_moved_reminder(
    clocked: HtxApp,
) -> None:
    """The list's buttons stay on screen: after «Xoá», or after a first snooze, pressing a
    snooze button of that message again must not make a new reminder."""
    me = Chat(clocked, user_id="u3")
    await me.say("/nhactoi 9h 10/12 nộp báo cáo")
    await me.say("/nhactoi 9h 12/12 họp chi bộ")
    deleted, moved = await reminders(clocked, kind="personal")
    [ok] = await me.press(f"rem:del:{deleted.id}")
    assert "Đã xoá" in ok.text
    [gone] = await me.press(f"rem:snooze:{deleted.id}:1440")
    assert "không còn" in gone.text and "/nhacnho" in gone.text
    [gone] = await me.press(f"rem:del:{deleted.id}")
    assert "không còn" in gone.text
    [snoozed] = await me.press(f"rem:snooze:{moved.id}:60")
    assert "12/12/2026 lúc 10:00" in snoozed.text
    [twice] = await me.press(f"rem:snooze:{moved.id}:60")
    assert "không còn" in twice.text
    pending = await reminders(clocked, kind="personal", status="pending")
    assert [r.due_at for r in pending] == [local(2026, 12, 12, 10)]


async def test_snoozing_a_delivered_reminder_again_moves_its_copy_instead_of_adding_one(
    clocked: HtxApp, clock: Clock
) -> None:
    """Each press of a delivered reminder's snooze buttons made another copy: three presses,
    three reminders. The last press wins; and a daily reminder snoozed a day gets no copy
    beside its own next occurrence."""
    me = Chat(clocked, user_id="u5")
    await me.say("/nhactoi 13h hôm nay gọi điện")
    await me.say("/nhactoi 14h hôm nay tưới cây hàng ngày")
    call, water = await reminders(clocked, kind="personal")
    async with clocked.sessions() as s:  # both delivered on time, as the dispatcher does
        for row in (call, water):
            sent = await s.get(Reminder, row.id)
            assert sent is not None
            sent.status = "sent"
            await add_next_occurrence(s, sent, now=NOW, tz="Asia/Ho_Chi_Minh")
        await s.commit()
    clock.now = local(2026, 12, 6, 14, 5)
    for _ in range(3):
        [ok] = await me.press(f"rem:snooze:{call.id}:60")
    [ok] = await me.press(f"rem:snooze:{call.id}:1440")
    assert "07/12/2026 lúc 14:05" in ok.text
    [ok] = await me.press(f"rem:snooze:{water.id}:1440")
    assert "07/12/2026 lúc 14:00" in ok.text  # the series' own next one
    pending = await reminders(clocked, kind="personal", status="pending")
    assert sorted(r.due_at for r in pending) == [local(2026, 12, 7, 14), local(2026, 12, 7, 14, 5)]


async def test_a_lunar_date_is_not_taken_for_the_solar_one(clocked: HtxApp) -> None:
    """'15/8 âm lịch' was set for 15 August, 'mùng 1 Tết' for 1 January: the bot now says it
    takes solar dates, and sets nothing."""
    me = Chat(clocked, user_id="u4")
    for typed in ("/nhactoi 8h 15/8 âm lịch cúng", "nhắc tôi 7h mùng 1 Tết đi chúc tết"):
        [reply] = await me.say(typed)
        assert "âm lịch" in reply.text and "dương lịch" in reply.text, typed
    assert await reminders(clocked, kind="personal") == []
    [ok] = await me.say("/nhactoi 8 rưỡi sáng mai họp")
    assert "07/12/2026 lúc 08:30" in ok.text


REPEATING = [
    # README's example, typed the day after 05/12: next month, not 05/12/2027.
    ("8h 5/12 di hop hang thang", NOW, local(2027, 1, 5, 8), "hằng tháng"),
    # Typed after 07:00 on 06/12 itself: next week.
    ("7h 6/12 hop to hang tuan", NOW, local(2026, 12, 13, 7), "hằng tuần"),
    ("7h hôm nay tưới cây hàng ngày", NOW, local(2026, 12, 7, 7), "hằng ngày"),
    # The first reminder keeps the 31st where its month has one; in a shorter month it gets
    # the last day (later ones are back on the typed day: see the next test).
    ("8h 31/10 chốt sổ hàng tháng", NOW, local(2026, 12, 31, 8), "hằng tháng"),
    ("8h 30/11 chốt sổ hằng tháng", local(2027, 1, 31, 9), local(2027, 2, 28, 8), "tháng"),
    ("8h 5/12 hop dai hoi hang nam", NOW, local(2027, 12, 5, 8), "hằng năm"),
    # A date still ahead is kept as typed.
    ("8h 20/12 hop hang thang", NOW, local(2026, 12, 20, 8), "hằng tháng"),
    # A date months away is the coming one, not last year's rolled forward.
    ("8h 5/1 hop to hang tuan", NOW, local(2027, 1, 5, 8), "hằng tuần"),
]


async def test_a_repeating_reminder_whose_date_has_passed_starts_at_its_next_occurrence(
    clocked: HtxApp, clock: Clock
) -> None:
    # One app for every case (each takes a second to start), one person per case.
    for i, (typed, now, first, repeat) in enumerate(REPEATING):
        clock.now = now
        me = Chat(clocked, user_id=f"u3-{i}")
        [ok] = await me.say(f"/nhactoi {typed}")
        assert f"{first.astimezone(TZ):%d/%m/%Y lúc %H:%M}" in ok.text and repeat in ok.text, typed
        [row] = await reminders(clocked, kind="personal", chat_id=f"u3-{i}")
        assert row.due_at == first and row.status == "pending", typed


async def test_a_monthly_reminder_set_in_a_short_month_comes_back_to_the_day_typed(
    clocked: HtxApp, clock: Clock
) -> None:
    """'31/1 hằng tháng' typed on 5/2 is due 28/2, then on the 31st again, not the 28th."""
    clock.now = local(2027, 2, 5, 9)
    await Chat(clocked, user_id="m31").say("/nhactoi 8h 31/1 chot so hang thang")
    [row] = await reminders(clocked, kind="personal", chat_id="m31")
    assert row.due_at == local(2027, 2, 28, 8)
    nxt = series_next(row.series_start, row.recurrence, row.due_at, "Asia/Ho_Chi_Minh")
    assert nxt == local(2027, 3, 31, 8)


async def test_nhac_toi_typed_without_the_command_sets_a_reminder(clocked: HtxApp):
    """Farmers say it as they would to a person; 'tôi' folded is 'tối' (evening), so the words
    asking are dropped before the time is read."""
    said = [
        "nhac toi 7h sang mai di hop",
        "Nhắc tôi 7h sáng mai đi họp",
        "nhắc mình 7h sáng mai đi họp",
    ]
    for i, typed in enumerate(said):
        [ok] = await Chat(clocked, user_id=f"nt{i}").say(typed)
        assert "07/12/2026 lúc 07:00" in ok.text, ok.text
        [row] = await reminders(clocked, kind="personal", chat_id=f"nt{i}")
        assert fold(row.params["text"]) == "di hop", typed
    me = Chat(clocked, user_id="nt0")
    for question in (
        "nhắc lại điều 5 luật htx",
        "nhắc tôi khi nào phải nộp báo cáo tài chính",
        "nhac toi nop bao cao tai chinh truoc ngay 31/3 dung khong",
        "nhắc em với, điều kiện thành lập htx là gì",
        "nhắc tôi với",  # no time: a question for the search, not 'time not understood'
    ):
        await me.say(question)
        assert me.routes[-1] == "question", question
    assert len(await reminders(clocked, kind="personal", chat_id="nt0")) == 1


async def test_nhac_toi_nay_is_tonight(clocked: HtxApp) -> None:
    """Folded, 'nhắc tối nay 8h' and 'nhắc tôi nay' are the same letters; only the first is
    Vietnamese."""
    [ok] = await Chat(clocked, user_id="tn").say("nhac toi nay 8h hop chi bo")
    assert "06/12/2026 lúc 20:00" in ok.text, ok.text


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("7h 6/12 hop to", "đã qua rồi"),  # a one-off time already past today: refused
        # Yesterday's date without a year: past too, not quietly 05/12/2027.
        ("8h 5/12 di hop", "đã qua rồi"),
        ("8h 5/1 di hop", "05/01/2027 lúc 08:00"),  # the nearest 5/1 is the coming one
    ],
)
async def test_one_off_reminders_keep_their_rule(clocked: HtxApp, typed: str, answer: str) -> None:
    [reply] = await Chat(clocked, user_id="u4").say(f"/nhactoi {typed}")
    assert answer in reply.text


async def test_repeats_it_does_not_keep_are_refused_not_set_once(clocked: HtxApp) -> None:
    """'2 tuần một lần' and 'hằng giờ' were set as one-off reminders without a word; 'hằng
    quý' is kept (every three months)."""
    me = Chat(clocked, user_id="rp")
    for typed in (
        "/nhactoi 7h mai 2 tuần một lần tưới cây",
        "/nhactoi 8h mai hàng giờ uống nước",
        "/nhactoi 8h mai cach ngay phun thuoc",
        "nhắc tôi 7h sáng mai mỗi tiếng uống thuốc",
    ):
        [reply] = await me.say(typed)
        assert "hằng quý" in reply.text and "hằng tuần" in reply.text, typed
    assert await reminders(clocked, kind="personal", chat_id="rp") == []
    [ok] = await me.say("/nhactoi 8h 10/12 hằng quý nộp báo cáo thuế")
    assert "10/12/2026 lúc 08:00" in ok.text, ok.text
    [row] = await reminders(clocked, kind="personal", chat_id="rp")
    assert row.recurrence == "quarterly" and row.params["text"] == "nộp báo cáo thuế"
    await me.say("/nhactoi 9h 11/12 3 tháng một lần kiểm kê kho")
    quarterly = await reminders(clocked, kind="personal", chat_id="rp", recurrence="quarterly")
    assert [r.params["text"] for r in quarterly] == ["nộp báo cáo thuế", "kiểm kê kho"]


async def test_a_daily_reminder_snoozed_a_day_comes_once(clocked: HtxApp) -> None:
    """A reviewer's case: the snoozed copy and the series' next reminder were due together."""
    me = Chat(clocked, user_id="d1")
    await me.say("/nhactoi 18h tuoi cay hang ngay")
    [row] = await reminders(clocked, kind="personal")
    [snoozed] = await me.press(f"rem:snooze:{row.id}:1440")
    assert "07/12/2026 lúc 18:00" in snoozed.text
    pending = await reminders(clocked, kind="personal", status="pending")
    assert [(r.due_at, r.recurrence) for r in pending] == [(local(2026, 12, 7, 18), "daily")]
    [hour] = await me.press(f"rem:snooze:{pending[0].id}:60")  # an hour: before the next one
    assert "07/12/2026 lúc 19:00" in hour.text
    due = sorted(r.due_at for r in await reminders(clocked, kind="personal", status="pending"))
    assert due == [local(2026, 12, 7, 19), local(2026, 12, 8, 18)]


async def test_dates_are_written_in_the_readers_language(clocked: HtxApp) -> None:
    english = Chat(clocked, user_id="en1", language_code="en")
    [done] = await english.say("/nhactoi 8h 10/12 nop bao cao")
    assert "Thursday, 10/12/2026 at 08:00" in done.text and "lúc" not in done.text
    [listed] = await english.say("/nhacnho")
    assert "Thursday, 10/12/2026 at 08:00" in listed.text
    [vietnamese] = await Chat(clocked, user_id="vi1").say("/nhactoi 8h 10/12 nop bao cao")
    assert "Thứ Năm, 10/12/2026 lúc 08:00" in vietnamese.text


async def pending_class_reminders(app: HtxApp) -> int:
    async with app.sessions() as s:
        rows = await s.scalars(
            select(Reminder).where(Reminder.kind == "class", Reminder.status == "pending")
        )
        return len(list(rows))


async def test_rejoining_a_class_brings_its_reminders_back(app: HtxApp):
    cid = await known_users_and_class(app, seats=5, people=1)
    me = Chat(app, user_id="u0")
    await me.press(f"cls:enrol:{cid}")
    assert await pending_class_reminders(app) == 2
    await me.press(f"cls:leave_yes:{cid}")
    assert await pending_class_reminders(app) == 0
    await me.press(f"cls:enrol:{cid}")
    assert await pending_class_reminders(app) == 2


def test_a_yearly_reminder_comes_back_with_next_years_date():
    assert shift_params({"deadline": "30/04/2026"}, "yearly") == {"deadline": "30/04/2027"}
    assert shift_params({"other": "x"}, "yearly") == {"other": "x"}
