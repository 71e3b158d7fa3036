"""Vietnamese text normalisation for search: diacritics, đ/d, abbreviations, Telex leftovers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

_WORD = re.compile(r"[0-9a-z]+")

_RULES_FILE = Path(__file__).resolve().parent / "data" / "farmer_text.yaml"


@dataclass(frozen=True)
class FarmerText:
    """How farmers type (messages/data/farmer_text.yaml), in folded form."""

    abbreviations: dict[str, str]  # one word → the words it stands for, however typed
    spellings: dict[str, str]  # chat shorthand: only for a word typed without tone marks
    phrases: dict[tuple[str, ...], tuple[str, ...]]  # old or regional words → the law's words
    starts: tuple[tuple[str, str], ...]  # dialect spellings at the start of a word
    ends: tuple[tuple[str, str], ...]  # ... and at its end


def load_rules(path: Path = _RULES_FILE) -> FarmerText:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return FarmerText(
        abbreviations={str(k): str(v) for k, v in raw["abbreviations"].items()},
        spellings={str(k): str(v) for k, v in raw["spellings"].items()},
        phrases={tuple(str(k).split()): tuple(str(v).split()) for k, v in raw["phrases"].items()},
        starts=tuple((str(a), str(b)) for a, b in raw["dialect_starts"]),
        ends=tuple((str(a), str(b)) for a, b in raw["dialect_ends"]),
    )


RULES = load_rules()
# One word typed → the words it stands for (folded form); shorthand only when typed plain.
ABBREVIATIONS: dict[str, str] = RULES.abbreviations
SPELLINGS: dict[str, str] = {**RULES.spellings, **RULES.abbreviations}


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


def typed_words(text: str) -> list[tuple[str, bool]]:
    """Folded word tokens, each with whether it was typed with tone or vowel marks: "mụn" (acne)
    is not the shorthand "mun" (muốn), nor "môn" the shorthand "mon"; "đc" counts as plain."""
    out: list[tuple[str, bool]] = []
    for raw in re.findall(r"\w+", unicodedata.normalize("NFC", text).lower()):
        folded = fold(raw)
        marked = folded != raw.replace("đ", "d")
        out.extend((token, marked) for token in _WORD.findall(folded))
    return out


def search_words(text: str) -> list[str]:
    """The words of a text as the search reads them: folded, abbreviations and (for words typed
    plain) chat shorthand expanded, old or regional phrases in the law's words."""
    out: list[str] = []
    for token, marked in typed_words(text):
        out.extend((ABBREVIATIONS if marked else SPELLINGS).get(token, token).split())
    return rewrite_phrases(out)


_TELEX_TONE = re.compile(r"(?<=[a-z])[sfrxj]$")
_TELEX_DOUBLE = re.compile(r"(aa|ee|oo|dd)")


def untelex(word: str) -> str:
    """Undo Telex typed without an input method: 'howpj' → 'hop', 'tacs' → 'tac', 'xax' → 'xa'."""
    w = word.replace("w", "")
    w = _TELEX_DOUBLE.sub(lambda m: m.group(1)[0], w)
    # A tone key may sit at the end or right after the vowel it belongs to ('howpj', 'hopwj').
    w = _TELEX_TONE.sub("", w)
    return re.sub(r"(?<=[aeiouy])[sfrxj](?=[a-z])", "", w)


_VNI = re.compile(r"[a-z]+(?:[1-9]{1,2}[a-z]+)*[1-9]{1,2}|[a-z]+(?:[1-9]{1,2}[a-z]+)+")


def unvni(word: str) -> str:
    """Undo VNI tone and mark digits typed without an input method: 'hop5' → 'hop',
    'd9uoc5' → 'duoc'. Left alone: 'nd193' (no letter after a run of three digits)."""
    return re.sub(r"[1-9]", "", word) if _VNI.fullmatch(word) else word


def dialect_variants(word: str) -> list[str]:
    """The word with one dialect spelling changed at its start or its end, in the data's order:
    'sa' → 'xa', 'chach' → 'trach', 'tat' → 'tac'."""
    out: list[str] = []
    for old, new in RULES.starts:
        if word.startswith(old) and len(word) > len(old):
            out.append(new + word[len(old) :])
    for old, new in RULES.ends:
        if word.endswith(old) and len(word) > len(old):
            out.append(word[: -len(old)] + new)
    return out


def expand(tokens: list[str]) -> list[str]:
    """Replace abbreviations and chat shorthand by their words, then old or regional phrases
    by the law's words ('xã viên' → 'thành viên'). For folded words whose marks are lost;
    `search_words` reads a text as typed."""
    out: list[str] = []
    for tok in tokens:
        out.extend(SPELLINGS.get(tok, tok).split())
    return rewrite_phrases(out)


def rewrite_phrases(tokens: list[str]) -> list[str]:
    if not any(tok in _PHRASE_STARTS for tok in tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for old, new in RULES.phrases.items():
            if tuple(tokens[i : i + len(old)]) == old:
                out.extend(new)
                i += len(old)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


_PHRASE_STARTS = frozenset(old[0] for old in RULES.phrases)


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
