"""Dates and times as Vietnamese people type them: '7h sáng thứ Hai', 'mai 7h', '3 ngày nữa'.

The text is folded (lowercase, no diacritics, đ → d) for matching, with a map back to the
original characters so that the words that are not part of the date can be returned as typed.
Words that fold to the same letters as a date word but mean something else ('tôi' / 'tối',
'một' / 'mốt', 'sang' / 'sáng', 'đem' / 'đêm') are told apart by their diacritics when the user
typed them; without diacritics, by where they stand (see ``_period_form``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from messages.textnorm import fold
from messages.vi_numbers import number_from_words

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


@dataclass(frozen=True)
class ParsedTime:
    when: datetime  # timezone-aware, in UTC
    rest: str  # the input without the date/time words, whitespace collapsed, as typed
    explicit_time: bool  # True if the user gave a clock time (not just a day)


class _Invalid(Exception):
    """A date or time was written but cannot exist (31/02, 25h, 14h75)."""


# Folded word → the spellings with diacritics it may stand for here. A word typed with
# diacritics that are not listed is another word ('tôi' is not 'tối', 'mãi' is not 'mai').
# Words typed without any diacritics are always accepted.
_FORMS: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "thu": "thứ",
        "hai": "hai",
        "ba": "ba",
        "tu": "tư",
        "nam": "năm",
        "sau": "sau sáu",
        "bay": "bảy bẩy",
        "chu": "chủ",
        "nhat": "nhật",
        "ngay": "ngày",
        "thang": "tháng",
        "mung": "mùng",
        "mong": "mồng",
        "hom": "hôm",
        "nay": "nay này",
        "mai": "mai",
        "kia": "kia",
        "mot": "một mốt",
        "tuan": "tuần",
        "toi": "tới tối",
        "cuoi": "cuối",
        "nua": "nữa nửa",
        "tieng": "tiếng",
        "gio": "giờ",
        "phut": "phút",
        "luc": "lúc",
        "vao": "vào",
        "ruoi": "rưỡi rưởi",
        "kem": "kém",
        "sang": "sáng",
        "trua": "trưa",
        "chieu": "chiều",
        "dem": "đêm",
    }.items()
}

_PERIOD_FORMS = {"sang": "sáng", "trua": "trưa", "chieu": "chiều", "toi": "tối", "dem": "đêm"}
# Without diacritics these are also common other words: sang (go over), tôi (I), đem (bring).
_AMBIGUOUS_PERIODS = frozenset({"sang", "toi", "dem"})
# Hour used when only the part of the day is given ('tối mai').
_PERIOD_HOURS = {"sang": 8, "trua": 12, "chieu": 14, "toi": 19, "dem": 21}
# 'nhac toi mai 7h' is 'nhắc tôi mai 7h' (remind me tomorrow at 7), not 'tối mai'.
_PRONOUN_BEFORE = frozenset(
    {"nhac", "bao", "giup", "cho", "goi", "hen", "voi", "cua", "nho", "ma", "la", "va", "thi"}
)
_CONNECTORS = frozenset({"luc", "vao", "ngay"})

_B = r"(?<![a-z0-9])"  # word start
_E = r"(?![a-z0-9])"  # word end
_PERIOD_RE = "sang|trua|chieu|toi|dem"
_WEEKDAY_WORDS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
_NOT_AFTER_WEEKDAY = r"(?!\s*(?:trieu|nghin|ngan|tram|k|tr|dong|lan|nguoi|kg|%)(?![a-z]))"

_DAY_KINDS = frozenset({"date", "rel", "weekday", "weekend", "weekmod"})


class _Text:
    """The input, NFC, with its folded form and a map from folded to original positions."""

    def __init__(self, text: str) -> None:
        self.orig = unicodedata.normalize("NFC", text)
        chars: list[str] = []
        index: list[int] = []
        for i, ch in enumerate(self.orig):
            for c in fold(ch):
                chars.append(c)
                index.append(i)
        self.folded = "".join(chars)
        self.index = index
        self.marks = any(c.isalpha() and fold(c) != c.lower() for c in self.orig)

    def orig_range(self, start: int, end: int) -> range:
        if start >= end:
            return range(0)
        return range(self.index[start], self.index[end - 1] + 1)

    def orig_raw(self, start: int, end: int) -> str:
        r = self.orig_range(start, end)
        return self.orig[r.start : r.stop]

    def orig_word(self, start: int, end: int) -> str:
        return self.orig_raw(start, end).lower()

    def mid_sentence(self, pos: int) -> bool:
        """Whether a word stands before folded[pos] in the same sentence."""
        before = self.folded[:pos].rstrip()
        return bool(before) and before[-1] not in ".!?:;\n"

    def words_ok(self, start: int, end: int) -> bool:
        """Whether every word in folded[start:end] was typed as a date word, not a look-alike."""
        for m in re.finditer(r"[a-z]+", self.folded[start:end]):
            word = self.orig_word(start + m.start(), start + m.end())
            forms = _FORMS.get(m.group())
            if forms is not None and not word.isascii() and word not in forms:
                return False
        return True

    def word_before(self, pos: int) -> str:
        m = re.search(r"([a-z]+)[\s,]*$", self.folded[:pos])
        return m.group(1) if m else ""


@dataclass
class _Found:
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    abs_date: tuple[int, int, int | None] | None = None
    day_only: int | None = None
    rel_days: int | None = None
    weekday: int | None = None
    week_mod: str | None = None  # "next", "after" (the week after next) or "this"
    weekend: bool = False
    clock: tuple[int, int] | None = None
    period: str | None = None
    delta: timedelta | None = None
    weak_mot: list[tuple[int, int]] = field(default_factory=list)


_Handler = Callable[[re.Match[str], _Text, _Found], str | None]


# A minus sign on the number: '-5 phút nữa' is no time to come (it was read as in 5 minutes);
# a range, '5-10 phút nữa', is not one time (it was read as 10 minutes, '5' left in the text).
# A dash between words ('họp - 5 phút nữa') is neither.
_SIGN_OR_RANGE_BEFORE = re.compile(r"(?:^|[^\d])[-−–]$|\d\s*[-−–]\s*$")


def _duration(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    if _SIGN_OR_RANGE_BEFORE.search(tx.folded[: m.start()]):
        raise _Invalid
    n_word, unit, half = m.group("n"), m.group("u"), m.group("r") is not None
    hours_unit = unit in ("tieng", "gio", "h")
    if half and not hours_unit:
        return None
    if n_word == "nua":  # 'nửa tiếng nữa'
        if not hours_unit or half:
            return None
        minutes = 30
    else:
        n = 1 if n_word == "mot" else int(n_word)
        if n < 1:
            raise _Invalid
        if unit in ("ngay", "tuan"):
            if f.rel_days is not None:
                return None
            f.rel_days = n * (7 if unit == "tuan" else 1)
            return "rel"
        minutes = n * 60 + (30 if half else 0) if hours_unit else n
    if f.delta is not None:
        return None
    f.delta = timedelta(minutes=minutes)
    return "delta"


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _numeric_date(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    if m.group("s") != "/" and m.group("y") is None:
        return None  # '2.5' and '5-7' are amounts and ranges, not dates
    day, month = int(m.group("d")), int(m.group("m"))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        raise _Invalid
    if f.abs_date is not None:
        return None
    f.abs_date = (day, month, _year(m.group("y")))
    return "date"


def _text_date(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    day, month = int(m.group("d")), int(m.group("m"))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        raise _Invalid
    if f.abs_date is not None:
        return None
    f.abs_date = (day, month, _year(m.group("y")))
    return "date"


def _day_only(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    day = int(m.group("d"))
    if not 1 <= day <= 31:
        raise _Invalid
    if f.day_only is not None:
        return None
    f.day_only = day
    return "date"


def _check_clock(hour: int, minute: int) -> tuple[int, int]:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise _Invalid
    return hour, minute


def _set_clock(f: _Found, hour: int, minute: int) -> str | None:
    clock = _check_clock(hour, minute)
    if f.clock is not None:
        return None  # a second time stays in the rest
    f.clock = clock
    return "time"


def _clock_minutes(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    spaced = m.group("sp") != ""
    if spaced and m.group("u") != "gio" and len(m.group("m")) < 2 and m.group("pm") is None:
        return None  # '8h 5 bao' is 8h and five bags; '8h 05', '8 giờ 5', '8h 5 phút' are 8:05
    return _set_clock(f, int(m.group("h")), int(m.group("m")))


def _clock_colon(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    return _set_clock(f, int(m.group("h")), int(m.group("m")))


def _clock_half(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    return _set_clock(f, int(m.group("h")), 30)


def _midnight(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    typed = tx.orig_word(m.start(), m.end())
    if typed == "nữa":
        return None  # 'tuần sau nữa đêm 9h': 'nữa' (more), then 'đêm'
    before = tx.folded[: m.start()].split()
    if typed.isascii() and before and before[-1] in _BEFORE_NUA:
        return None  # without diacritics, 'tuan sau nua dem' is the same
    return _set_clock(f, 12, 0)  # with the 'đêm' after it: 0h the next day


def _clock_in_words(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    """'chín giờ', 'mười giờ rưỡi'. Typed without diacritics, 'sau', 'bay', 'tam' and 'mot'
    are as likely 'sau giờ làm' (after work), 'bây giờ' (now), 'tầm giờ này' (about now):
    only the other words count then."""
    first = tx.orig_word(m.start("w"), m.start("w") + len(m.group("w").split()[0]))
    if first.isascii() and first in ("sau", "bay", "tam", "mot"):
        return None
    if not first.isascii() and first not in _HOUR_WORDS_TYPED:
        return None  # 'bây', 'tầm', 'mốt'… with their own diacritics
    hour = number_from_words(m.group("w").split())
    if hour is None or not 1 <= hour <= 23:  # 'hai mươi giờ', 'hai mốt giờ': 24-hour clock
        return None
    return _set_clock(f, hour, 30 if m.group("r") else 0)


def _bare_half(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    hour = int(m.group("h"))
    return _set_clock(f, hour, 30) if hour <= 23 else None


def _clock_to(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    hour, minute = _check_clock(int(m.group("h")), int(m.group("m")))
    if minute == 0:
        raise _Invalid
    return _set_clock(f, (hour - 1) % 24, 60 - minute)


def _clock_hour(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    return _set_clock(f, int(m.group("h")), 0)


def _period_form(tx: _Text, start: int, end: int, word: str) -> str:
    """'strong' (typed as the period word), 'weak' (ambiguous without diacritics) or 'no'."""
    typed = tx.orig_word(start, end)
    if typed == _PERIOD_FORMS[word]:
        return "strong"
    if not typed.isascii():
        return "no"
    if word in _AMBIGUOUS_PERIODS:
        # Someone who types diacritics would have typed 'sáng', 'tối', 'đêm'.
        return "no" if tx.marks else "weak"
    return "strong"


def _period_day(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    word = m.group("p")
    form = _period_form(tx, m.start("p"), m.end("p"), word)
    if form == "no":
        return None
    if form == "weak" and word == "toi" and tx.word_before(m.start()) in _PRONOUN_BEFORE:
        return None
    if f.period is not None or f.rel_days is not None:
        return None
    f.period = word
    f.rel_days = {"nay": 0, "mai": 1, "mot": 2}[m.group("w")]
    return "rel"


def _relative_day(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    words = m.group("w").split()
    if f.rel_days is not None:
        return None
    if (
        words == ["mai"]
        and tx.orig_raw(m.start(), m.end()) == "Mai"
        and tx.mid_sentence(m.start())
    ):
        return None  # 'gọi chị Mai': a name
    if words[-1] == "mot":
        typed = tx.orig_word(m.start("w"), m.end("w")).split()[-1]
        if typed == "một":
            return None
        if len(words) == 1 and typed == "mot":  # bare 'mot' may be 'một' (one)
            f.weak_mot.append((m.start(), m.end()))
            return None
    f.rel_days = {"qua": -1, "nay": 0, "mai": 1, "kia": 2, "mot": 2}[words[-1]]
    return "rel"


def _weekday(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    if m.group("n") or m.group("t"):
        wd = int(m.group("n") or m.group("t")) - 2
    elif m.group("w"):
        wd = _WEEKDAY_WORDS[m.group("w")]
        if m.group("w") == "sau" and tx.orig_word(m.start("w"), m.end("w")) == "sau" and tx.marks:
            return None  # 'thứ sau' typed with diacritics elsewhere is not 'thứ sáu'
    else:
        wd = 6
    if f.weekday is not None:
        return None
    f.weekday = wd
    return "weekday"


def _week_mod_of(word: str | None) -> str | None:
    word = " ".join((word or "").split())
    return {
        "sau": "next",
        "toi": "next",
        "sau nua": "after",
        "toi nua": "after",
        "nay": "this",
    }.get(word)


def _weekend(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    mod = _week_mod_of(m.group("m"))
    if f.weekend or (mod in ("next", "after") and f.week_mod is not None):
        return None
    f.weekend = True
    if mod in ("next", "after"):
        f.week_mod = mod
    return "weekend"


def _week_mod(m: re.Match[str], tx: _Text, f: _Found) -> str | None:
    if f.week_mod is not None:
        return None
    f.week_mod = _week_mod_of(m.group("m"))
    return "weekmod"


# A lunar date ('15/8 âm lịch', '15/8 (ÂL)', 'mùng 1 Tết', 'rằm tháng 7'): not converted, and
# never to be read as the solar date with the same numbers.
_LUNAR = re.compile(
    r"\d{1,2}(?:\s*[/.\-]\s*\d{1,2}(?:[/.\-]\d{2,4})?|\s+thang\s+(?:\d{1,2}|gieng|chap))"
    r"\s*(?:\(\s*(?:am\s+lich|al|am)\s*\)|(?:am\s+lich|al)(?![a-z])|am\s*$)"
    r"|(?<![a-z])(?:am\s+lich|al)\s+(?:ngay\s+|mung\s+)?\d"
    r"|(?<![a-z])(?:mung|mong|ngay)\s+\d{1,2}\s+tet(?![a-z])(?!\s+duong)"
    r"|(?<![a-z])ram\s+thang(?![a-z])"
)


def mentions_lunar_date(text: str) -> bool:
    """Whether the text gives a lunar date, which parse_vi_datetime refuses."""
    return _LUNAR.search(fold(text)) is not None


# An hour from 1 to 23 in words, folded ('mười một giờ', 'mười chín giờ', 'hai mươi mốt giờ',
# said short 'hai mốt giờ'); _clock_in_words checks how it was typed. Longest first: 'mười
# chín giờ' read as 'chín giờ' was 09:00.
_HOUR_WORDS = (
    r"hai\s+muoi(?:\s+(?:mot|hai|ba))?|hai\s+mot"
    r"|muoi\s+(?:mot|hai|ba|bon|lam|nam|sau|bay|tam|chin)"
    r"|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi"
)
_HOUR_WORDS_TYPED = frozenset(
    {"một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười"}
)
# Words after which 'nua' is 'nữa' (more): 'tuần sau nữa', 'ngày kia nữa'.
_BEFORE_NUA = frozenset({"sau", "toi", "kia", "mot", "nay", "qua", "tuan", "ngay", "thang"})
# Units of an amount: '2 rưỡi tạ', '1 rưỡi triệu' are not half past.
_UNIT = (
    r"(?:ky|kg|ki|ta|tan|yen|gam|g|trieu|tr|nghin|ngan|k|dong|met|m|sao|ha|mau|lit|l|can|bao"
    r"|thung|chai|tui|goi|xe|con|cay|cai|chuc|tram|ngay|tuan|thang|nam|tieng|gio|phut)"
)
_N = r"(?P<n>\d{1,3}|mot|nua)"
_DAY_PREFIX = r"(?:(?:ngay|mung|mong)\s+)"
_AFTER_HOUR = r"(?![\d/.\-:])(?![a-z])"

# Applied in this order; what one pattern takes, the later ones do not see.
_PATTERNS: list[tuple[re.Pattern[str], _Handler]] = [
    (
        re.compile(
            rf"{_B}(?:sau\s+)?{_N}\s*(?P<u>ngay|tuan|tieng|gio|h|phut|p)(?P<r>\s+ruoi)?\s+nua{_E}"
        ),
        _duration,
    ),
    (
        re.compile(rf"{_B}sau\s+{_N}\s*(?P<u>ngay|tuan|tieng|phut)(?P<r>\s+ruoi)?{_E}"),
        _duration,
    ),
    (
        re.compile(rf"{_B}(?P<n>\d{{1,3}})\s*(?P<u>ngay|tuan|tieng|phut)(?P<r>)?\s+sau{_E}"),
        _duration,
    ),
    (
        re.compile(rf"{_B}(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?![\d/.\-])"),
        _text_date,  # '2027-01-01'
    ),
    (
        re.compile(
            rf"{_B}{_DAY_PREFIX}?(?<![\d/.\-:])(?P<d>\d{{1,2}})(?P<s>[/.\-])(?P<m>\d{{1,2}})"
            rf"(?:(?P=s)(?P<y>\d{{4}}|\d{{2}}))?(?!\d)(?![/.\-]\d)"
        ),
        _numeric_date,
    ),
    (
        re.compile(
            rf"{_B}{_DAY_PREFIX}?(?P<d>\d{{1,2}})\s+thang\s+(?P<m>\d{{1,2}})"
            rf"(?:\s+nam\s+(?P<y>\d{{4}}))?{_E}"
        ),
        _text_date,
    ),
    (
        re.compile(
            rf"{_B}{_DAY_PREFIX}(?P<d>\d{{1,3}})(?![\d:/.\-])"
            r"(?!\s*(?:h|g|gio|tieng|phut|p|lan|bua|ngay|tuan|thang|nam|nua|sau|toi)(?![a-z]))"
        ),
        _day_only,
    ),
    (
        re.compile(rf"{_B}(?P<w>{_HOUR_WORDS})\s+gio(?:\s+(?P<r>ruoi))?{_E}"),
        _clock_in_words,
    ),
    (re.compile(rf"{_B}(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?![\d:])"), _clock_colon),
    (
        re.compile(
            rf"{_B}(?P<h>\d{{1,2}})\s*(?P<u>h|g|gio)(?P<sp>\s*)(?P<m>\d{{1,2}})"
            rf"(?P<pm>\s*(?:p|phut)(?![a-z]))?{_AFTER_HOUR}"
        ),
        _clock_minutes,
    ),
    (re.compile(rf"{_B}(?P<h>\d{{1,2}})\s*(?:h|gio)\s+ruoi{_E}"), _clock_half),
    (re.compile(rf"{_B}nua(?=\s+dem{_E})"), _midnight),  # 'nửa đêm': '12h đêm'
    (
        re.compile(
            rf"{_B}(?P<h>\d{{1,2}})\s*(?:h|gio)\s+kem\s+(?P<m>\d{{1,2}})(?:\s*(?:p|phut))?{_E}"
        ),
        _clock_to,
    ),
    (re.compile(rf"{_B}(?P<h>\d{{1,2}})\s*(?:h|gio){_E}"), _clock_hour),
    (re.compile(rf"{_B}(?P<h>\d{{1,2}})\s*g(?=\s*(?:{_PERIOD_RE})(?![a-z]))"), _clock_hour),
    # '8 rưỡi' (8:30), once no hour written with h or giờ was found; '2 rưỡi tạ' is an amount.
    (re.compile(rf"{_B}(?P<h>\d{{1,2}})\s+ruoi{_E}(?!\s+{_UNIT}(?![a-z]))"), _bare_half),
    (
        re.compile(
            rf"{_B}luc\s+(?P<h>\d{{1,2}})(?![\d/.\-:])"
            r"(?!\s*(?:phut|p|tieng|tuan|thang|nam|nguoi|lan|kg|ha|ngay(?!\s+(?:mai|kia|mot)))"
            r"(?![a-z]))"
        ),
        _clock_hour,
    ),
    (re.compile(rf"{_B}(?P<p>{_PERIOD_RE})\s+(?P<w>nay|mai|mot){_E}"), _period_day),
    (
        re.compile(
            rf"{_B}(?P<w>hom\s+nay|hom\s+qua|ngay\s+mai|ngay\s+kia|ngay\s+mot|mai|mot){_E}"
        ),
        _relative_day,
    ),
    (
        re.compile(
            rf"{_B}(?:ngay\s+)?(?:thu\s*(?P<n>[2-7])|thu\s+(?P<w>hai|ba|tu|nam|sau|bay)"
            rf"|t(?P<t>[2-7])|(?P<cn>chu\s*nhat|cn)){_E}{_NOT_AFTER_WEEKDAY}"
        ),
        _weekday,
    ),
    (re.compile(rf"{_B}cuoi\s+tuan(?:\s+(?P<m>(?:sau|toi)\s+nua|sau|toi|nay))?{_E}"), _weekend),
    (re.compile(rf"{_B}(?<!\d\s)tuan\s+(?P<m>(?:sau|toi)\s+nua|sau|toi|nay){_E}"), _week_mod),
]

_PERIOD_WORD = re.compile(rf"{_B}(?P<p>{_PERIOD_RE}){_E}")
_GAP = re.compile(r"[\s,]*")


def _find(tx: _Text) -> _Found:
    f = _Found()
    masked = tx.folded
    for pattern, handler in _PATTERNS:
        pos = 0
        while (m := pattern.search(masked, pos)) is not None:
            kind = handler(m, tx, f) if tx.words_ok(m.start(), m.end()) else None
            if kind is None:
                pos = m.start() + 1
                continue
            f.spans.append((m.start(), m.end(), kind))
            masked = masked[: m.start()] + "\0" * (m.end() - m.start()) + masked[m.end() :]
            pos = m.end()
    f.spans.sort()
    _find_period(tx, f, masked)
    _resolve_weak_mot(tx, f)
    _extend_connectors(tx, f)
    return f


def _neighbours(tx: _Text, f: _Found, start: int, end: int) -> tuple[str | None, str | None]:
    """Kinds of the spans right before and right after folded[start:end] (only spaces between)."""
    before = after = None
    for s, e, kind in f.spans:
        if e <= start and _GAP.fullmatch(tx.folded, e, start):
            before = kind
        if s >= end and _GAP.fullmatch(tx.folded, end, s):
            after = kind
    return before, after


def _find_period(tx: _Text, f: _Found, masked: str) -> None:
    for m in _PERIOD_WORD.finditer(masked):
        word = m.group("p")
        form = _period_form(tx, m.start(), m.end(), word)
        if form == "no":
            continue
        before, after = _neighbours(tx, f, m.start(), m.end())
        if form == "strong":
            ok = before in {"time", *_DAY_KINDS} or after in {"time", *_DAY_KINDS}
        else:  # 'tối 8h' yes, 'tôi 8h' no; 'sang 7h' yes, 'thu 2 sang nha' no
            ok = before == "time" or (word == "sang" and after == "time")
        if ok:
            f.period = f.period or word
            f.spans.append((m.start(), m.end(), "period"))
            f.spans.sort()
            return


def _resolve_weak_mot(tx: _Text, f: _Found) -> None:
    for start, end in f.weak_mot:
        before, after = _neighbours(tx, f, start, end)
        if {before, after} & {"time", "period"}:
            if f.rel_days is None:
                f.rel_days = 2
            f.spans.append((start, end, "rel"))
    f.spans.sort()


def _extend_connectors(tx: _Text, f: _Found) -> None:
    """Take 'lúc', 'vào', 'ngày' right before a date or time along with it."""
    taken = [(s, e) for s, e, _ in f.spans]
    extended: list[tuple[int, int, str]] = []
    for start, end, kind in f.spans:
        while True:
            m = re.search(r"(?<![a-z0-9])([a-z]+)\s+$", tx.folded[:start])
            if m is None or m.group(1) not in _CONNECTORS or not tx.words_ok(m.start(), m.end()):
                break
            if any(s < start and e > m.start() for s, e in taken):
                break
            start = m.start()
        extended.append((start, end, kind))
    f.spans = extended


def _apply_period(hour: int, period: str | None) -> tuple[int, int]:
    """The 24-hour clock hour, and days to add to a stated day ('12h đêm thứ 6' is Saturday 0h)."""
    if period is None or hour >= 13 or hour == 0:
        return hour, 0
    if period == "trua":
        return (hour + 12 if hour <= 5 else hour), 0
    if period == "chieu":
        return (hour + 12 if hour < 12 else hour), 0
    if period in ("toi", "dem"):
        if hour == 12:
            return 0, 1
        if period == "dem" and hour <= 5:
            return hour, 1  # 'đêm nay 2h' is 2h after midnight
        return hour + 12, 0
    return hour, 0


def _rest(tx: _Text, f: _Found) -> str:
    removed: set[int] = set()
    for start, end, _ in f.spans:
        removed.update(tx.orig_range(start, end))
    text = "".join(" " if i in removed else c for i, c in enumerate(tx.orig))
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?=[,;:.!?])", "", text)
    return text.strip(" ,;:-")


def _first_date(year: int, month: int, day: int, today: date, years: int) -> date | None:
    for y in range(year, year + years):
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if d >= today:
            return d
    return None


def _first_day_of_month(day_of_month: int, today: date) -> date | None:
    """The next date (today or later) that has this day of the month."""
    for k in range(13):
        month_index = today.month - 1 + k
        year, month = today.year + month_index // 12, month_index % 12 + 1
        found = _first_date(year, month, day_of_month, today, 1)
        if found is not None:
            return found
    return None


def _nearest_date(month: int, day: int, today: date) -> date | None:
    """The date with this day and month closest to today, before or after (ties: after)."""
    found = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            found.append(date(year, month, day))
        except ValueError:
            continue
    if not found:  # 29/02 far from a leap year: the next one
        return _first_date(today.year, month, day, today, 9)
    return min(found, key=lambda d: (abs((d - today).days), d < today))


def parse_vi_datetime(
    text: str,
    now: datetime,
    tz: str = "Asia/Ho_Chi_Minh",
    *,
    default_hour: int = 8,
    allow_past: bool = False,
) -> ParsedTime | None:
    """Understand a date-time as Vietnamese people type it (with or without diacritics).

    A date without a year is the nearest one: '5/12' typed on 06/12 is yesterday's, not next
    year's; '5/1' typed on 06/12 is the coming one. A moment already past gives None (unless a
    year was written); with ``allow_past`` (a repeating reminder, whose caller moves a past
    moment on to the next occurrence) it is returned instead.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(tz)
    tx = _Text(text)
    if _LUNAR.search(tx.folded):
        return None
    try:
        f = _find(tx)
    except _Invalid:
        return None
    rest = _rest(tx, f)

    if f.delta is not None:
        moment = (now + f.delta).replace(second=0, microsecond=0)
        return ParsedTime(moment.astimezone(UTC), rest, True)

    if f.clock is not None:
        (hour, extra), minute, explicit = _apply_period(f.clock[0], f.period), f.clock[1], True
    elif f.period is not None:
        hour, extra, minute, explicit = _PERIOD_HOURS[f.period], 0, 0, False
    else:
        hour, extra, minute, explicit = default_hour, 0, 0, False

    local_now = now.astimezone(zone)
    today = local_now.date()

    def at(day: date, add: int = extra) -> datetime:
        return datetime.combine(day + timedelta(days=add), time(hour, minute), tzinfo=zone)

    day: date | None
    past_allowed = False
    weekday = 5 if f.weekend and f.weekday is None else f.weekday
    if f.abs_date is not None:
        d, m, y = f.abs_date
        if y is not None:
            try:
                day = date(y, m, d)
            except ValueError:
                return None
            past_allowed = True
        else:
            day = _nearest_date(m, d, today)
            if day is not None and day < today and not allow_past:
                # '5/12' typed on 06/12 is yesterday, a slip or a late entry: said to be past,
                # not quietly moved to next year.
                return None
    elif f.day_only is not None:
        day = _first_day_of_month(f.day_only, today)
    elif f.rel_days is not None:
        day = today + timedelta(days=f.rel_days)
    elif weekday is not None:
        monday = today - timedelta(days=today.weekday())
        if f.week_mod in ("next", "after"):
            day = monday + timedelta(days=(14 if f.week_mod == "after" else 7) + weekday)
        elif f.week_mod == "this":
            day = monday + timedelta(days=weekday)
        else:
            day = today + timedelta(days=(weekday - today.weekday()) % 7)
            if at(day) <= now:
                day += timedelta(days=7)
    elif f.week_mod in ("next", "after"):
        day = today + timedelta(days=(14 if f.week_mod == "after" else 7) - today.weekday())
    elif f.clock is not None or f.period is not None:
        day = today if at(today, 0) > now else today + timedelta(days=1)
        extra = 0
    else:
        return None

    if day is None:
        return None
    moment = at(day, extra)
    if moment <= now and not (past_allowed or allow_past):
        return None
    return ParsedTime(moment.astimezone(UTC), rest, explicit)


def format_vi(moment: datetime, tz: str = "Asia/Ho_Chi_Minh") -> str:
    """'Thứ Hai, 25/11/2026 lúc 08:00' (weekday names: Thứ Hai … Thứ Bảy, Chủ Nhật)."""
    here = moment.astimezone(ZoneInfo(tz))
    return f"{WEEKDAYS_VI[here.weekday()]}, {here:%d/%m/%Y} lúc {here:%H:%M}"


def is_past(text: str, now: datetime, tz: str = "Asia/Ho_Chi_Minh") -> bool:
    """Whether `text`, which parse_vi_datetime refused, is a moment understood but already past
    ('7h hôm nay' at noon), so the reply can say so rather than 'not understood'."""
    parsed = parse_vi_datetime(text, now, tz, allow_past=True)
    # 'hôm nay' at noon is 08:00, the hour filled in: not a time the person gave.
    return parsed is not None and parsed.explicit_time and parsed.when <= now
