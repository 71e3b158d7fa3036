"""The class form reads a duration and a number of seats as staff type them."""

from __future__ import annotations

import pytest

from handlers.classes.fields import parse_capacity, parse_duration


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("2h", 120),
        ("90 phút", 90),
        ("1h30", 90),
        ("1,5 giờ", 90),
        ("2 tiếng rưỡi", 150),  # as said
        ("2 tieng ruoi", 150),
        ("1 giờ rưỡi", 90),
        ("rưỡi", None),
        ("20 tiếng", None),
    ],
)
def test_durations(typed: str, minutes: int | None) -> None:
    assert parse_duration(typed) == minutes


@pytest.mark.parametrize(
    ("typed", "seats"),
    [
        ("30", 30),
        ("hai mươi", 20),
        ("mười lăm", 15),
        ("0", None),
        ("-5", None),
        ("ba mươi ha", None),
    ],
)
def test_capacities(typed: str, seats: int | None) -> None:
    assert parse_capacity(typed) == seats
