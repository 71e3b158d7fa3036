"""Quiet hours: one rule for reminders, broadcasts, /thongbao and `htxbot broadcast`."""

from __future__ import annotations

from datetime import UTC, datetime, time

from messages.quiet_hours import describe_window, is_quiet, next_allowed, parse_quiet_hours

TZ = "Asia/Ho_Chi_Minh"  # UTC+7
QUIET = parse_quiet_hours("21:00-06:30")


def test_a_window_across_midnight_ends_the_next_morning():
    late = datetime(2026, 11, 25, 19, 42, tzinfo=UTC)  # 02:42 local on the 26th
    assert is_quiet(late, TZ, QUIET)
    assert next_allowed(late, TZ, QUIET) == datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    evening = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 21:00 local: quiet from then
    assert next_allowed(evening, TZ, QUIET) == datetime(2026, 11, 25, 23, 30, tzinfo=UTC)


def test_outside_the_window_now_is_allowed():
    noon = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    assert not is_quiet(noon, TZ, QUIET)
    assert next_allowed(noon, TZ, QUIET) == noon


def test_an_empty_window_is_never_quiet_and_is_shown_as_written():
    never = parse_quiet_hours(" 03:00 - 03:00 ")
    assert never == (time(3), time(3))
    assert not is_quiet(datetime(2026, 11, 24, 20, 30, tzinfo=UTC), TZ, never)  # 03:30 local
    assert describe_window(QUIET) == "21:00–06:30"
