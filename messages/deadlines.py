"""Deadlines that run from a fixed date, written in the knowledge base as a marker and stated
against today's date when an answer is shown.

An entry writes `{{han:2024-07-01+18}}` (a start date and a number of months) where the rule
says "within 18 months of 01/7/2024". Shown on 07/12/2026 it reads "(hạn này đã kết thúc ngày
01/01/2026)"; before the end, "(hạn đến ngày 01/01/2026, còn 25 ngày)". The text never goes
stale, and the validator does not count the marker's numbers as facts to check.
"""

from __future__ import annotations

import re
from datetime import date

from messages.i18n import t

DEADLINE = re.compile(r"\{\{han:(\d{4})-(\d{2})-(\d{2})\+(\d{1,3})\}\}")


def add_months(start: date, months: int) -> date:
    """01/7/2024 + 18 months = 01/01/2026; a day the month lacks becomes its last day."""
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month0 + 1, day)
        except ValueError:
            continue
    raise ValueError(start)  # unreachable: every month has a 28th


def deadline_end(match: re.Match[str]) -> date:
    year, month, day, months = (int(g) for g in match.groups())
    return add_months(date(year, month, day), months)


def state_deadlines(text: str, today: date, lang: str = "vi") -> str:
    """Every marker replaced by whether its deadline has ended, counted from `today`."""

    def said(match: re.Match[str]) -> str:
        end = deadline_end(match)
        shown = f"{end.day:02d}/{end.month}/{end.year}"  # as the law writes dates: 01/9/2025
        if end <= today:
            return t("deadline_ended", lang, date=shown)
        return t("deadline_running", lang, date=shown, days=(end - today).days)

    return DEADLINE.sub(said, text)


def without_deadlines(text: str) -> str:
    """The text with its markers left out (for search and for the number check)."""
    return DEADLINE.sub("", text)
