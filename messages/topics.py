"""What a question and an entry are about (messages/data/topics.yaml): the kind of organisation
(co-op, cooperative group, union) and the part of it (the board, the supervisors, assets…).

The search ranks by words; these say when the best-scoring entry answers another subject than
the one asked ("htx tối thiểu mấy tv" against the board's "tối thiểu 03 thành viên"), and when
a question that names no organisation could mean two ("rút khỏi thì sao": co-op or group?).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from messages.textnorm import search_words

_FILE = Path(__file__).resolve().parent / "data" / "topics.yaml"
_ASIDE = re.compile(r"\([^)]*\)")  # "(không phải hợp tác xã)" says what the entry is not about
# An entry asked about another organisation than its own: kept only when nothing else fits.
OTHER_ENTITY = 0.7
# An entry about that organisation and another one (not a union: the law's articles name
# "hợp tác xã, liên hiệp hợp tác xã" together): a group's question, a group's answer first.
BROADER_ENTITY = 0.93
# An entry about a part of the co-op the question does not name.
OTHER_ASPECT = 0.8
# ... or about that part and others too ("tài sản khi giải thể" for "giải thể thế nào").
MORE_ASPECTS = 0.92


@dataclass(frozen=True)
class Topics:
    entities: frozenset[str]
    aspects: frozenset[str]


def _phrases(raw: list[str]) -> tuple[str, ...]:
    return tuple(" ".join(search_words(p)) for p in raw)


_RAW = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
BODIES = frozenset({"hoi dong quan tri", "ban kiem soat", "giam doc"})
REQUIRED = frozenset(str(name) for name in _RAW["required"])
ENTITIES = {str(name): _phrases(phrases) for name, phrases in _RAW["entities"].items()}
# aspect → (its words in a title, its words in a question)
ASPECTS = {
    str(name): (_phrases(both["title"]), _phrases(both["title"] + both["question"]))
    for name, both in _RAW["aspects"].items()
}
# Longest first, so "liên hiệp hợp tác xã" is not also read as "hợp tác xã".
_ENTITY_PHRASES = sorted(
    ((phrase, name) for name, phrases in ENTITIES.items() for phrase in phrases),
    key=lambda item: -len(item[0]),
)


def _read(text: str, side: int) -> Topics:
    """The organisations named in `text` (spaced words), then the aspects named in what is left
    ("hợp" of "hợp tác xã" is not a meeting)."""
    found = set()
    for phrase, name in _ENTITY_PHRASES:
        if f" {phrase} " in text:
            found.add(name)
            text = text.replace(f" {phrase} ", " ")
    aspects = {
        name for name, lists in ASPECTS.items() if any(f" {p} " in text for p in lists[side])
    }
    return Topics(frozenset(found), frozenset(aspects))


def of_question(tokens: list[str]) -> Topics:
    """The organisations and parts a question names, with any of their words."""
    return _read(" " + " ".join(tokens) + " ", 1)


def of_title(title: str) -> Topics:
    """What an entry is about, from its title."""
    return _read(" " + " ".join(search_words(_ASIDE.sub(" ", title))) + " ", 0)


def weight(question: Topics, entry: Topics) -> float:
    """How far an entry's subject fits the question's: 1.0 when it does."""
    factor = 1.0
    if question.entities and entry.entities and not question.entities & entry.entities:
        factor *= OTHER_ENTITY
    elif len(question.entities) == 1 and entry.entities - question.entities - {"lien hiep"}:
        factor *= BROADER_ENTITY
    if entry.aspects and not entry.aspects & question.aspects:
        factor *= OTHER_ASPECT
    elif entry.aspects - question.aspects - (BODIES if question.aspects & BODIES else set()):
        # (an entry on the board, the director and the supervisors answers a board question)
        factor *= MORE_ASPECTS
    elif question.aspects & REQUIRED - entry.aspects:
        factor *= OTHER_ASPECT
    return factor


def not_a_co_op(question: Topics, entry: Topics) -> bool:
    """A question that names no organisation, answered by an entry about a group or a union
    only."""
    return (
        not question.entities and len(entry.entities) == 1 and "hop tac xa" not in entry.entities
    )


def competing(question: Topics, first: Topics, other: Topics) -> str | None:
    """What two close answers differ in that the question does not tell apart: "entity", each
    is about a different organisation; "body", one is about a body of the co-op (its board, its
    supervisors, its director) and the other about another or the co-op itself. Which is meant
    is asked, not guessed."""
    one_each = len(first.entities) == len(other.entities) == 1
    if not question.entities and one_each and first.entities != other.entities:
        return "entity"
    if not question.aspects & BODIES and first.aspects & BODIES != other.aspects & BODIES:
        return "body"
    return None


# "lập hợp tác xã", "muốn cùng nhau làm htx": founding one, not reading about one founded ("htx
# đã thành lập 5 năm") nor drawing up its papers ("lập báo cáo tài chính htx").
_ENTITY = r"(hop tac xa|to hop tac|lien hiep)"
_FOUNDING = re.compile(
    rf"\b(?:thanh lap|lap|lap ra|gay dung|dung)\s+(?:lai |ra )?(?:mot |1 |cai )?{_ENTITY}\b"
    rf"|\bchuyen\s+(?:len|thanh|sang)\s+(?:mot |1 )?(hop tac xa)\b"
    rf"|\b(?:muon|dinh|tinh|du dinh|ban nhau|cung nhau|rui nhau)\b(?:\s+\w+){{0,6}}?"
    rf"\s+(?:lam|lap|thanh lap|gay dung)\s+(?:mot |1 |cai )?{_ENTITY}\b"
)
FOUNDING_ANSWERS: dict[str, str] = {str(k): str(v) for k, v in _RAW["founding"]["answers"].items()}
LONG_MESSAGE: int = int(_RAW["founding"]["long_message"])


def founding(tokens: list[str]) -> str | None:
    """What the person wants to found ('hop tac xa', 'to hop tac', 'lien hiep'), if anything."""
    match = _FOUNDING.search(" ".join(tokens))
    if match is None:
        return None
    return next(group for group in match.groups() if group)
