"""/baocao and /xuat as staff read them: communes counted, dates in Vietnam's time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import HtxApp
from bot.settings import Settings
from handlers.registration.export import safe_cell
from tests.conftest import ADMIN_ID, Chat
from tests.handlers.test_registration_fields import fill

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


async def test_the_report_counts_communes_by_name(app: HtxApp, chat: Chat):
    await fill(chat)
    admin = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    [report] = await admin.say(f"/baocao {datetime.now(VIETNAM).year}")  # the report's year
    lines = report.text.splitlines()
    heading = lines.index("<b>Theo xã/phường (1/1 nơi nhiều nhất)</b>")
    assert lines[heading + 1] == "• Phường Ninh Kiều (Thành phố Cần Thơ): 1"


async def test_files_and_reports_are_dated_in_vietnam(settings: Settings, tmp_path: Path):
    """At 18:30 UTC on 31 December it is already 01:30 there: the new year, the new day."""
    app = HtxApp(settings, clock=lambda: datetime(2026, 12, 31, 18, 30, tzinfo=UTC))
    await app.start()
    try:
        admin = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
        [sent] = await admin.say("/xuat csv")
        assert sent.document is not None and sent.document.filename == "dang-ky-20270101.csv"
        [report] = await admin.say("/baocao")
        assert "năm 2027" in report.text
        [usage] = await admin.say("/baocao 2029")  # next year is the latest allowed: 2028
        assert "/baocao 2027" in usage.text
    finally:
        await app.close()


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x","a")', "+1", "-2", "@SUM(A1)"])
def test_an_exported_answer_that_looks_like_a_formula_stays_text(value: str):
    assert safe_cell(value) == "'" + value
    assert safe_cell("Cà phê") == "Cà phê"
