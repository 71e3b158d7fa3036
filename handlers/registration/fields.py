"""Checking and normalising what people type: names, head counts, numbered picks and Vietnamese
phone numbers."""

from __future__ import annotations

import re
import unicodedata

from messages.textnorm import fold
from messages.vi_numbers import NUMBER_WORDS, number_from_words

KINDS = ("htx", "tht", "lhhtx", "chua_ro")
SECTORS = (
    "trong_trot",
    "chan_nuoi",
    "thuy_san",
    "lam_nghiep",
    "dich_vu_nn",
    "che_bien",
    "thu_cong",
    "thuong_mai",
    "du_lich",
    "moi_truong",
    "y_te",
    "truong_hoc",
    "cho",
    "van_tai",
    "khac",
)
SUPPORTS = ("tu_van", "vay_von", "dao_tao", "xuc_tien", "nhan_hieu", "khac")
CALL_TIMES = ("sang", "chieu", "toi", "bat_ky")
# Minimum founding members by the 2023 law (Điều 4 khoản 7, 8, 21 Luật HTX 2023).
MINIMUM_MEMBERS = {"htx": 5, "lhhtx": 3, "tht": 2}


# Ê Đê, Jrai, M'nông… names carry apostrophes and hyphens ("H'Hen Niê", "Y-Moan Ê Nuôl").
# Phones type the apostrophe as ' or ’ (or ‘ ʼ `) and the hyphen as - or a dash: each is stored
# as the ASCII one, so the same name typed on two phones is the same text (duplicates, search).
_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ`´", "'") | dict.fromkeys("‐‑–", "-"))
# Spaces around a joining mark are a slip of the thumb: "H' Hen", "Y - Moan" → "H'Hen", "Y-Moan".
_SPACED_JOIN = re.compile(r"\s*([-'])\s*")


def clean_name(text: str) -> str | None:
    """A full name: letters (diacritics kept), single spaces, and apostrophes or hyphens
    joining letters inside a word, 2–80 characters; else None (digits, other symbols)."""
    name = " ".join(unicodedata.normalize("NFC", text).translate(_APOSTROPHES).split())
    name = _SPACED_JOIN.sub(r"\1", name)
    if not 2 <= len(name) <= 80:
        return None
    # Every piece between spaces, apostrophes and hyphens is made of letters and not empty, so a
    # mark never starts or ends a word, nor comes twice in a row ("'An", "Y-", "H''Hen").
    pieces = re.split(r"[ '-]", name)
    if not all(p and all(unicodedata.category(c).startswith("L") for c in p) for p in pieces):
        return None
    return name


# Words said around a head count, folded: "khoảng 10 hộ", "tầm 7 người ạ", "dạ 3 thành viên",
# "chừng 20 hộ gia đình", "3 htx" (a union's members are co-ops), and the English form's
# "about 10 people". Anything else ("10 ha", "10 triệu") is not taken for a number of members.
COUNT_WORDS = frozenset(
    {
        *("nguoi", "ng", "ho", "gia", "dinh", "thanh", "vien", "tv", "xa", "hop", "tac", "htx"),
        *("khoang", "tam", "chung", "co", "do", "gan", "hon", "tren", "du", "kien", "chi"),
        *("tu", "tro", "len"),  # "từ 5 người trở lên"
        *("a", "da", "vang", "nhe", "thoi", "la"),
        *("about", "around", "approx", "people", "persons", "members", "households", "coops"),
    }
)
# Between two numbers: "5 đến 10", "5 tới 10", "5 hoặc 6", "5 và 6" (allowed, then refused as
# two numbers, so the reply can ask for one).
_BETWEEN_WORDS = frozenset({"den", "toi", "hoac", "va", "to", "or", "and"})
# A number, its digits maybe grouped by '.' or ',' ("1.000"), or a word as typed.
_TYPED_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
# A minus not after a number: "5-10" is a range, "-5" and "khoảng -5" are not 5.
_NEGATIVE = re.compile(r"(?<![\d\s])\s*[-−–]\s*\d|^\s*[-−–]\s*\d")


def numbers_in_count(text: str) -> list[int] | None:
    """The numbers in a head count said naturally ("khoảng 10 hộ" → [10], "5 đến 10" → [5, 10],
    "mười lăm người" → [15]); None when it has a word not said around a count, digits split
    oddly ("1,5": one and a half, or 1 and 5?) or a number below zero ("-5"). Other symbols
    are ignored ("~10", "5-10")."""
    if _NEGATIVE.search(text):
        return None
    numbers: list[int] = []
    # Each word folded, beside the word as typed: its diacritics tell 'tầm' from 'tám'.
    typed = _TYPED_TOKEN.findall(unicodedata.normalize("NFC", text.lower()))
    tokens = [fold(word) for word in typed]
    said: list[str] = []  # number words in a row ("hai mươi lăm")
    for i, token in enumerate(tokens):
        kind = _number_word(token, typed[i], tokens[i + 1 : i + 2])
        if kind is None:
            return None
        if kind:
            said.append(token)
            continue
        if said:
            if (value := number_from_words(said)) is None:
                return None
            numbers.append(value)
            said = []
        if token[0].isdigit():
            if not (token.isdecimal() or _GROUPED.fullmatch(token)):
                return None
            digits = re.sub(r"[.,]", "", token).lstrip("0") or "0"
            # Long enough to be over any limit: not converted (int() refuses 4,300+ digits).
            numbers.append(int(digits) if len(digits) <= 9 else 10**9)
        elif token not in COUNT_WORDS and token not in _BETWEEN_WORDS:
            return None
    if said:
        if (value := number_from_words(said)) is None:
            return None
        numbers.append(value)
    return numbers


# Folded, 'tầm' (about) and 'tám' (8) are both 'tam', 'từ' (from) and 'tư' (4) both 'tu'.
_NOT_NUMBERS = frozenset({"tầm", "từ"})
_NUMBERS = frozenset({"tám", "tư"})


def _number_word(token: str, typed: str, following: list[str]) -> bool | None:
    """Whether a word is part of a number said in words; None when it cannot be told."""
    if token not in NUMBER_WORDS or typed in _NOT_NUMBERS:
        return False
    if typed in _NUMBERS or token not in ("tam", "tu"):
        return True
    # Typed without diacritics: before a digit or a digit's word, 'tam 7' is 'tầm 7' and 'tu 5'
    # 'từ 5'; 'tu muoi' is 'từ mười' (forty is 'bốn mươi'); 'tam muoi' may be 80 or about 10.
    nxt = following[0] if following else ""
    if nxt[:1].isdigit() or (nxt in NUMBER_WORDS and nxt not in ("muoi", "tram")):
        return False
    if nxt in ("muoi", "tram"):
        return False if token == "tu" else None
    return True


def normalise_phone(text: str) -> str | None:
    """'0912 345 678', '+84 912345678', '84912345678' → '+84912345678'; None if not valid."""
    digits = re.sub(r"[\s.\-()]", "", text.strip())
    if digits.startswith("+84"):
        rest = digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        rest = digits[2:]
    elif digits.startswith("0") and len(digits) == 10:
        rest = digits[1:]
    else:
        return None
    if not (rest.isdecimal() and len(rest) == 9 and rest[0] != "0"):
        return None
    return "+84" + rest


def display_phone(e164: str) -> str:
    """'+84912345678' → '0912 345 678' (how Vietnamese people write it)."""
    if not e164.startswith("+84"):
        return e164
    local = "0" + e164[3:]
    return f"{local[:4]} {local[4:7]} {local[7:]}"
