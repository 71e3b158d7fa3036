"""A staff answer saved as FAQ in one process reaches the search of another process on the
same database (webhook mode runs several): the minute job indexes what others published."""

from __future__ import annotations

import re

from bot.app import HtxApp
from bot.scheduler import Runtime
from bot.settings import Settings
from tests.conftest import ADMIN_ID, Chat

QUESTION = "htx trồng lúa có được cấp drone phun thuốc không"
ANSWER = "Được, nếu điều lệ HTX có ngành nghề dịch vụ bay phun thuốc."


async def test_an_answer_published_in_one_process_is_found_by_another(settings: Settings):
    first, second = HtxApp(settings), HtxApp(settings)
    await first.start()
    await second.start()
    try:
        farmer, staff = Chat(first, "301", "telegram"), Chat(first, str(ADMIN_ID), "telegram")
        [unsure] = await farmer.say(QUESTION)
        [send] = [
            b.payload
            for row in unsure.buttons
            for b in row
            if (b.payload or "").startswith("ask:")
        ]
        [sent, *_] = await farmer.press(send)
        assert "Đã gửi câu hỏi" in sent.text
        ref = re.search(r"mã (\d+)", sent.text).group(1)  # type: ignore[union-attr]
        await staff.say(f"/traloi {ref} {ANSWER}")
        [ask_title] = await staff.press(f"faq:save:{ref}")
        assert "Gõ tiêu đề" in ask_title.text
        [saved] = await staff.say("HTX có được làm dịch vụ bay phun thuốc không?")
        assert "Đã lưu" in saved.text

        elsewhere = Chat(second, "302", "telegram")
        [before] = await elsewhere.say(QUESTION)
        assert "bay phun thuốc" not in before.text
        assert await second.refresh_faq() == 1
        assert await second.refresh_faq() == 0  # already indexed: nothing twice
        [after] = await elsewhere.say(QUESTION)
        assert "bay phun thuốc" in after.text
    finally:
        await first.close()
        await second.close()


async def test_the_refresh_runs_as_a_scheduler_job(app: HtxApp, settings: Settings):
    runtime = Runtime(app, settings)
    await runtime.start()
    try:
        job = runtime.scheduler.get_job("refresh_faq")
        assert job is not None and job.func == app.refresh_faq
    finally:
        await runtime.stop()
