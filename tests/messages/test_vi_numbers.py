"""Numbers written in Vietnamese words, as a head count is sometimes typed."""

from __future__ import annotations

import pytest

from messages.textnorm import fold
from messages.vi_numbers import number_from_words


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("năm", 5),
        ("mười", 10),
        ("mười một", 11),
        ("mười lăm", 15),
        ("hai mươi", 20),
        ("hai mươi mốt", 21),
        ("hai mươi tư", 24),
        ("ba mươi lăm", 35),
        ("tám mươi", 80),
        ("một trăm", 100),
        ("một trăm linh năm", 105),
        ("một trăm lẻ năm", 105),
        ("hai trăm ba mươi", 230),
        ("trăm", 100),
        ("bốn mươi nhăm", 45),
        # said short, 'mươi' left out
        ("ba mốt", 31),
        ("hai lăm", 25),
        ("bốn nhăm", 45),
        ("ba mot", 31),
        ("một trăm hai lăm", 125),
        ("hai chục", 20),
        ("một chục", 10),
    ],
)
def test_number_words(typed: str, value: int) -> None:
    assert number_from_words(fold(typed).split()) == value


@pytest.mark.parametrize(
    "typed",
    [
        "hai hai",
        "mười mười",
        "linh năm",
        "tư",
        "lăm",
        "",
        "một mốt",
        "hai tư",
        "hai chục năm",
        "chục",
    ],
)
def test_not_a_number(typed: str) -> None:
    assert number_from_words(fold(typed).split()) is None
