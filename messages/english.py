"""Questions in English: told apart from Vietnamese typed without diacritics, and searched
over the entries' English titles, summaries and example questions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from messages.kb import Entry
from messages.textnorm import words

_WORDS = yaml.safe_load(
    (Path(__file__).resolve().parent / "data" / "english.yaml").read_text(encoding="utf-8")
)
STOPWORDS = frozenset(_WORDS["stopwords"].split())
CORE_WORDS = frozenset(_WORDS["core"].split())
DOMAIN_WORDS = frozenset(_WORDS["subjects"].split())


def looks_english(query: str, vietnamese_vocabulary: frozenset[str]) -> bool:
    """More of its words are English than Vietnamese, and it has no Vietnamese letters: "how
    many members" is English, "htx can may thanh vien" is not."""
    if any(ord(c) > 127 and c.isalpha() for c in query):
        return False
    tokens = words(query)
    english = sum(1 for w in tokens if w in STOPWORDS or w in DOMAIN_WORDS)
    vietnamese = sum(1 for w in tokens if w in vietnamese_vocabulary and w not in STOPWORDS)
    return english >= 2 and english > vietnamese


def in_scope(tokens: list[str]) -> bool:
    """An English question about co-ops: it names one, or two of their subjects."""
    named = {t for t in tokens if t in DOMAIN_WORDS}
    return bool(named & CORE_WORDS) or len(named) >= 2


def english_entries(entries: list[Entry]) -> list[Entry]:
    """The entries that have an English title and summary, as English entries to index."""
    return [
        replace(
            e,
            title=e.en.title,
            text=e.en.text,
            note=e.en.note,
            questions=e.en.questions,
            keywords=(),
            chapter="",
        )
        for e in entries
        if e.en is not None
    ]
