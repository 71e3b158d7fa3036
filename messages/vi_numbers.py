"""Numbers written in Vietnamese words ("mười lăm", "hai mươi mốt", "một trăm linh năm"),
folded as textnorm.fold gives them. Up to 999: enough for a head count. Also as they are said
short: "ba mốt" (31), "hai lăm" (25), "bốn nhăm" (45), "hai chục" (20)."""

from __future__ import annotations

# Digits as said on their own or last: 'mốt' (1), 'tư' (4) and 'lăm' (5) only after 'mươi'.
_DIGITS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}
_AFTER_TENS = {**_DIGITS, "tu": 4, "lam": 5, "nham": 5}
# Said right after the tens digit, 'mươi' left out: 'ba mốt' is 31, 'hai lăm' 25. ('Tư' is not
# taken there: folded, 'hai từ' would read as 24.)
_SHORT_ONES = {"mot": 1, "lam": 5, "nham": 5}
NUMBER_WORDS = frozenset({*_AFTER_TENS, "muoi", "chuc", "tram", "linh", "le"})


def number_from_words(words: list[str]) -> int | None:
    """The number the folded words say, or None unless all of them make one number."""
    hundreds = tens = ones = None
    i, n = 0, len(words)

    def at(k: int) -> str:
        return words[k] if k < n else ""

    if at(i) == "tram":  # 'trăm' alone: a hundred
        hundreds, i = 1, i + 1
    elif at(i) in _DIGITS and at(i + 1) == "tram":
        hundreds, i = _DIGITS[at(i)], i + 2
    if at(i) == "muoi":  # 'mười': ten
        tens, i = 1, i + 1
    elif at(i) in _DIGITS and at(i + 1) == "chuc":  # 'hai chục': two tens
        tens, i = _DIGITS[at(i)], i + 2
        if i != n:
            return None  # 'hai chục rưỡi', 'hai chục năm' are not said as one number
    elif at(i) in _DIGITS and at(i) != "mot" and at(i + 1) == "muoi":  # 'hai mươi'
        tens, i = _DIGITS[at(i)], i + 2
    elif at(i) in _DIGITS and at(i) != "mot" and at(i + 1) in _SHORT_ONES and i + 2 == n:
        tens, ones = _DIGITS[at(i)], _SHORT_ONES[at(i + 1)]
        return (hundreds or 0) * 100 + tens * 10 + ones
    elif at(i) in ("linh", "le") and hundreds is not None:  # 'một trăm linh năm'
        tens, i = 0, i + 1
    after_tens = tens is not None and tens > 0
    if at(i) in (_AFTER_TENS if after_tens else _DIGITS):
        ones, i = (_AFTER_TENS if after_tens else _DIGITS)[at(i)], i + 1
    if i != n or (hundreds, tens, ones) == (None, None, None) or (tens == 0 and ones is None):
        return None
    return (hundreds or 0) * 100 + (tens or 0) * 10 + (ones or 0)
