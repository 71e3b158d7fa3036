"""End to end with both channels in one bot: a staff member composes an announcement on Zalo
with numbered choices; the scheduler's broadcaster delivers it to a Telegram user (HTML, inline
link button) and a Zalo user (plain text, the link shown as its URL) through the same engine;
a Zalo user the bot cannot reach is counted as blocked and unsubscribed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.app import HtxApp
from bot.scheduler import Runtime
from bot.telegram_channel import TelegramChannel
from bot.zalo_channel import ZaloChannel
from storage.models import Broadcast, BroadcastRecipient, User
from tests.conftest import ZALO_ADMIN, zalo_settings
from tests.e2e.test_zalo_foundation import HTML_TAG, number_of
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo, Person, user_id


async def test_broadcast_from_zalo_reaches_telegram_and_zalo(
    tmp_path: Path, db_url: str, zl: FakeZalo, tg: FakeTelegram
):
    settings = zalo_settings(
        tmp_path,
        db_url,
        zl,
        TELEGRAM_API_BASE_URL=tg.base_url,
        HTXBOT_DISPATCH_INTERVAL=0.2,
        HTXBOT_QUIET_HOURS="03:00-03:00",
    )
    app = HtxApp(settings)
    await app.start()
    telegram, zalo = TelegramChannel(app, settings), ZaloChannel(app, settings)
    await telegram.start()
    await zalo.start()
    runtime = Runtime(app, settings)
    await runtime.start()
    try:
        tg.send_text(7001, "/start")
        await tg.wait_sent(1, chat_id=7001)
        farmer, blocked = Person(zl, user_id(600)), Person(zl, user_id(601))
        for person in (farmer, blocked):
            await person.say("/start")
        zl.blocked.add(blocked.id)

        staff = Person(zl, ZALO_ADMIN, name="Cán bộ")
        await staff.say("/start")
        await staff.say("/thongbao")
        [ask_file] = await staff.say("<b>Hội chợ OCOP</b> ngày 5/12 &amp; 6/12 tại tỉnh")
        assert "ảnh hoặc một tệp" in ask_file
        await staff.say("Bỏ qua")
        [ask_segment] = await staff.say("Đăng ký | https://lienminh.example/hoicho")
        [ask_when] = await staff.say(number_of(ask_segment, "Mọi người"))
        [preview] = await staff.say(number_of(ask_when, "Gửi ngay, kể cả"))
        assert "4 người" in preview and "Hội chợ OCOP" in preview
        assert not HTML_TAG.search(preview)
        [scheduled] = await staff.say(number_of(preview, "Gửi"))
        assert "#1" in scheduled

        [to_tg] = (await tg.wait_sent(2, chat_id=7001))[1:]
        assert "<b>Hội chợ OCOP</b>" in to_tg["text"] and "/ngung" in to_tg["text"]
        link = to_tg["reply_markup"]["inline_keyboard"][0][0]
        assert link == {"text": "Đăng ký", "url": "https://lienminh.example/hoicho"}
        [to_zalo] = await farmer.next()
        assert "Hội chợ OCOP ngày 5/12 & 6/12" in to_zalo and "/ngung" in to_zalo
        assert "1. Đăng ký (https://lienminh.example/hoicho)" in to_zalo
        assert not HTML_TAG.search(to_zalo)
        [url] = await farmer.say("1")  # the link "button": its address
        assert url == "https://lienminh.example/hoicho"

        async with app.sessions() as s:
            for _ in range(100):
                bc = await s.scalar(select(Broadcast).execution_options(populate_existing=True))
                if bc is not None and bc.status == "done":
                    break
                await asyncio.sleep(0.1)
        # The staff member (subscribed too) gets the announcement, the progress message (Zalo
        # cannot edit it, so it is not repeated) and the final report.
        to_staff = await staff.next(3)
        assert sum("đang gửi" in m for m in to_staff) == 1
        assert sum("Hội chợ OCOP" in m for m in to_staff) == 1
        [report] = [m for m in to_staff if "đã gửi xong" in m]
        assert "đã gửi xong: 3/4" in report and "1 đã chặn" in report
        async with app.sessions() as s:
            statuses = {(r.channel, r.status) for r in await s.scalars(select(BroadcastRecipient))}
            unreachable = await s.scalar(select(User).where(User.external_id == blocked.id))
        assert statuses == {("telegram", "sent"), ("zalo", "sent"), ("zalo", "blocked")}
        assert unreachable is not None and unreachable.subscribed is False
    finally:
        await runtime.stop()
        await zalo.stop()
        await telegram.stop()
        await app.close()
