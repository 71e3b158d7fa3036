"""Vietnamese text normalisation for search: diacritics, đ/d, abbreviations, Telex leftovers."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+")

# Abbreviations people type (folded form) → what they stand for (folded form).
ABBREVIATIONS: dict[str, str] = {
    "htx": "hop tac xa",
    "tht": "to hop tac",
    "lhhtx": "lien hiep hop tac xa",
    "lh": "lien hiep",
    "lmhtx": "lien minh hop tac xa",
    "lm": "lien minh",
    "kttt": "kinh te tap the",
    "hdqt": "hoi dong quan tri",
    "bks": "ban kiem soat",
    "ksv": "kiem soat vien",
    "dhtv": "dai hoi thanh vien",
    "dh": "dai hoi",
    "sxkd": "san xuat kinh doanh",
    "vdl": "von dieu le",
    "tv": "thanh vien",
    "gd": "giam doc",
    "ubnd": "uy ban nhan dan",
    "dkkd": "dang ky kinh doanh",
    "gcn": "giay chung nhan",
    "gcndk": "giay chung nhan dang ky",
    "nd": "nghi dinh",
    "tt": "thong tu",
    "qd": "quyet dinh",
    "nn": "nha nuoc",
    "dn": "doanh nghiep",
    "ctv": "cong tac vien",
    "k": "khong",
    "ko": "khong",
    "kh": "khong",
    "dc": "duoc",
    "đc": "duoc",
    "ntn": "nhu the nao",
    "bn": "bao nhieu",
    "bnhieu": "bao nhieu",
    "j": "gi",
    "ng": "nguoi",
    "nguoif": "nguoi",
    "mn": "moi nguoi",
    "sp": "san pham",
    "cs": "chinh sach",
    "ht": "ho tro",
    "xttm": "xuc tien thuong mai",
    "cds": "chuyen doi so",
    "khcn": "khoa hoc cong nghe",
    "tl": "thanh lap",
}


def fold(text: str) -> str:
    """Lowercase, NFC, without diacritics, đ → d: 'Hợp tác xã' → 'hop tac xa'."""
    text = unicodedata.normalize("NFC", text).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Folded word tokens."""
    return _WORD.findall(fold(text))


_TELEX_TONE = re.compile(r"(?<=[a-z])[sfrxj]$")
_TELEX_DOUBLE = re.compile(r"(aa|ee|oo|dd)")


def untelex(word: str) -> str:
    """Undo Telex typed without an input method: 'howpj' → 'hop', 'tacs' → 'tac', 'xax' → 'xa'."""
    w = word.replace("w", "")
    w = _TELEX_DOUBLE.sub(lambda m: m.group(1)[0], w)
    # A tone key may sit at the end or right after the vowel it belongs to ('howpj', 'hopwj').
    w = _TELEX_TONE.sub("", w)
    return re.sub(r"(?<=[aeiouy])[sfrxj](?=[a-z])", "", w)


def expand(tokens: list[str]) -> list[str]:
    """Replace abbreviations by their words."""
    out: list[str] = []
    for tok in tokens:
        out.extend(ABBREVIATIONS.get(tok, tok).split())
    return out
