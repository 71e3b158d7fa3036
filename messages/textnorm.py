"""Vietnamese text normalisation for search: diacritics, đ/d, abbreviations, Telex leftovers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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


def _strip_marks(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Precomposed Latin letters (Vietnamese included) → without marks, applied at C speed.
_FOLD_TABLE = {cp: _strip_marks(chr(cp)) for cp in range(0xC0, 0x1F00) if chr(cp).isalpha()}
_FOLD_TABLE |= {ord("đ"): "d", ord("Đ"): "d"}


def fold(text: str) -> str:
    """Lowercase, NFC, without diacritics, đ → d: 'Hợp tác xã' → 'hop tac xa'."""
    folded = unicodedata.normalize("NFC", text).lower().translate(_FOLD_TABLE)
    if folded.isascii():
        return folded
    # Marks that stay combining (rare input): strip them the slow way.
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))


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


# A question is in scope only if it names something this bot knows about (folded phrases).
DOMAIN_TERMS = frozenset(
    {
        "hop tac xa",
        "to hop tac",
        "lien hiep",
        "lien minh",
        "kinh te tap the",
        "xa vien",
        "thanh vien",
        "dai hoi",
        "dieu le",
        "von gop",
        "gop von",
        "von dieu le",
        "quan tri",
        "giam doc",
        "kiem soat",
        "to truong",
        "sang lap",
        "hoi nghi thanh lap",
        "giai the",
        "pha san",
        "hop nhat",
        "sap nhap",
        "chia tach",
        "quy ho tro",
        "quy chung",
        "tai san chung",
        "khong chia",
        "chinh sach",
        "ho tro",
        "uu dai",
        "tap huan",
        "boi duong",
        "xuc tien",
        "hoi cho",
        "nhan hieu",
        "chuyen doi so",
        "ket cau ha tang",
        "luat",
        "nghi dinh",
        "thong tu",
        "dieu",
        "khoan",
        "giay chung nhan",
        "dang ky",
        "phan phoi thu nhap",
        "chia lai",
        "tin dung noi bo",
        "cho vay noi bo",
        "giao dich noi bo",
        "kiem toan",
        "bao cao tai chinh",
        "gop du",
        "cam ket gop",
        "bieu quyet",
        "nganh nghe",
    }
)
# Other kinds of organisation: a question about them is another law's, unless it also names
# a co-op ("htx góp vốn vào công ty" is ours, "công ty cổ phần cần mấy cổ đông" is not).
OTHER_ENTITIES = frozenset(
    {
        "cong ty",
        "co dong",
        "ho kinh doanh",
        "doanh nghiep tu nhan",
        "tnhh",
        "ly hon",
        "ket hon",
        "thua ke",
        "so do",
        "xo so",
        "lo de",
    }
)
CORE_TERMS = frozenset({"hop tac xa", "to hop tac", "lien hiep", "xa vien", "kinh te tap the"})


def mentions(tokens: list[str], phrases: frozenset[str]) -> bool:
    """Whether any phrase occurs in the token sequence as whole words."""
    text = " " + " ".join(tokens) + " "
    return any(p in text for p in _padded(phrases))


@lru_cache(maxsize=16)
def _padded(phrases: frozenset[str]) -> tuple[str, ...]:
    # Spaced once, not on every question: each search looks through about a hundred phrases.
    return tuple(f" {p} " for p in phrases)


def in_scope(tokens: list[str]) -> bool:
    """A question about co-ops, their law or support, rather than another subject."""
    if mentions(tokens, OTHER_ENTITIES) and not mentions(tokens, CORE_TERMS):
        return False
    return mentions(tokens, DOMAIN_TERMS)
