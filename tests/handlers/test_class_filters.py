"""/lophoc filters: topics typed as people type them, and a filter not understood is said."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import HtxApp
from handlers.classes.farmer import read_class_filters
from storage.classes import create_class
from storage.models import utcnow


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], (False, None, "", False)),
        (["tinh"], (True, None, "", False)),
        (["ke", "toan"], (False, "ke_toan", "", False)),
        (["Kế", "toán,", "tài", "chính"], (False, "ke_toan", "", False)),
        (["ke_toan"], (False, "ke_toan", "", False)),  # the topic button's payload
        (["tỉnh", "luật"], (True, "luat", "", False)),
        (["xyz"], (False, None, "xyz", False)),
        (["luat", "abc"], (False, "luat", "abc", False)),
        # 'tinh' inside a place name is not "my province" (a helper's review found this).
        (["Hà", "Tĩnh"], (False, None, "ha tinh", False)),
        (["luat", "ke", "toan"], (False, "luat", "", True)),
    ],
)
def test_filters_are_read_as_typed(args, expected):
    assert tuple(read_class_filters(args)) == expected


async def _publish(app: HtxApp, title: str, topic: str) -> None:
    now = utcnow()
    async with app.sessions() as s:
        await create_class(
            s,
            now=now,
            title=title,
            topic=topic,
            starts_at=now + timedelta(days=3),
            capacity=5,
            deadline_at=now + timedelta(days=2),
            status="published",
        )
        await s.commit()


async def test_an_unknown_filter_is_said_and_every_class_shown(app, chat):
    await _publish(app, "Lớp sổ sách", "ke_toan")
    await _publish(app, "Lớp luật mới", "luat")
    replies = await chat.say("/lophoc xyz")
    assert "Không có bộ lọc «xyz»" in replies[0].text
    shown = " ".join(r.text for r in replies)
    assert "Lớp sổ sách" in shown and "Lớp luật mới" in shown


async def test_a_topic_typed_in_words_filters(app, chat):
    await _publish(app, "Lớp sổ sách", "ke_toan")
    await _publish(app, "Lớp luật mới", "luat")
    shown = " ".join(r.text for r in await chat.say("/lophoc ke toan"))
    assert "Lớp sổ sách" in shown and "Lớp luật mới" not in shown
    assert "bộ lọc" not in shown


async def test_two_topics_say_one_at_a_time(app, chat):
    await _publish(app, "Lớp sổ sách", "ke_toan")
    await _publish(app, "Lớp luật mới", "luat")
    replies = await chat.say("/lophoc luat ke toan")
    assert "Mỗi lần lọc được một chủ đề" in replies[0].text and "Luật HTX" in replies[0].text
    shown = " ".join(r.text for r in replies)
    assert "Lớp luật mới" in shown and "Lớp sổ sách" not in shown and "bộ lọc" not in shown


async def test_my_province_without_one_saved_says_so(app, chat):
    await _publish(app, "Lớp sổ sách", "ke_toan")
    replies = await chat.say("/lophoc tinh")
    assert "chưa biết tỉnh của bạn" in replies[0].text
    assert "Lớp sổ sách" in " ".join(r.text for r in replies)
