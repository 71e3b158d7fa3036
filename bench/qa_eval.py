"""Quality of question answering over the labelled set bench/qa_eval_set.yaml.

The heldout set was written by someone who saw neither the search code nor the tuning set.
Prints top-1 / top-3 accuracy with and without diacritics, the off-topic rejection rate (and how
many off-topic questions are told so, with no suggestions), and the
same figures for a plain BM25 baseline (lowercased words, no Vietnamese handling) side by side.
An answer is right when it explains one of the labelled (document, article) pairs: an article
entry explains its own article only; an FAQ or policy entry explains every article it cites.
Usage: python bench/qa_eval.py [--set tuning|heldout] [--misses]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from messages.kb import Entry, load_kb
from messages.search import QAIndex

HERE = Path(__file__).resolve().parent
SETS = {"tuning": HERE / "qa_eval_set.yaml", "heldout": HERE / "qa_heldout_set.yaml"}


@dataclass
class Case:
    q: str
    accept: set[tuple[str, int]]
    offtopic: bool

    @property
    def diacritics(self) -> bool:
        return any(ord(c) > 127 for c in self.q)


def load_cases(which: str = "tuning") -> list[Case]:
    raw = yaml.safe_load(SETS[which].read_text(encoding="utf-8"))["questions"]
    cases = []
    for item in raw:
        accept = set()
        for label in item.get("accept") or []:
            doc, _, art = str(label).partition(":")
            accept.add((doc, int(art)))
        cases.append(Case(str(item["q"]), accept, bool(item.get("offtopic"))))
    return cases


def explained(entry: Entry) -> set[tuple[str, int | None]]:
    if entry.kind == "article" and entry.source:
        return {(entry.source, entry.article)}
    return {(c.source, c.article) for c in entry.citations}


class PlainBM25:
    """Baseline: BM25 over lowercased words of title + text + questions + keywords."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.docs = [
            Counter(self._tok(" ".join([e.title, e.text, *e.questions, *e.keywords])))
            for e in entries
        ]
        self.avg = sum(sum(d.values()) for d in self.docs) / len(self.docs)
        df: Counter[str] = Counter(t for d in self.docs for t in d)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    @staticmethod
    def _tok(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    def search(self, query: str, top: int = 3) -> list[tuple[Entry, float]]:
        scores: defaultdict[int, float] = defaultdict(float)
        for t in set(self._tok(query)):
            if t not in self.idf:
                continue
            for i, d in enumerate(self.docs):
                tf = d.get(t, 0)
                if tf:
                    norm = 1.2 * (0.25 + 0.75 * sum(d.values()) / self.avg)
                    scores[i] += self.idf[t] * tf * 2.2 / (tf + norm)
        best = sorted(scores, key=scores.__getitem__, reverse=True)[:top]
        return [(self.entries[i], scores[i]) for i in best]


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}% ({part}/{whole})" if whole else "   n/a"


def evaluate(which: str, show_misses: bool) -> None:
    kb = load_kb()
    index = QAIndex.from_kb(kb)
    baseline = PlainBM25(kb.entries)
    cases = load_cases(which)
    stats: dict[str, Counter[str]] = {"htxbot": Counter(), "bm25": Counter()}
    for case in cases:
        answer = index.search(case.q, top=3)
        ours = [explained(h.entry) for h in answer.hits]
        base_hits = baseline.search(case.q, top=3)
        base = [explained(e) for e, _ in base_hits]
        # The baseline has no notion of confidence: call it confident above a fixed score.
        base_conf = bool(base_hits) and base_hits[0][1] > 8.0
        for name, cites, confident in (
            ("htxbot", ours, answer.confident),
            ("bm25", base, base_conf),
        ):
            s = stats[name]
            # Told "not about co-ops", with no suggestions (htxbot only).
            told_off = name == "htxbot" and answer.off_topic and not confident
            if case.offtopic:
                s["off"] += 1
                s["off_rejected"] += not confident
                s["off_told"] += told_off
                continue
            s["on_told_off"] += told_off
            group = "d" if case.diacritics else "n"
            s[group] += 1
            s[group + "1"] += bool(cites) and bool(cites[0] & case.accept)
            s[group + "3"] += any(c & case.accept for c in cites)
            s["on_confident"] += confident
        if show_misses and not case.offtopic and (not ours or not ours[0] & case.accept):
            got = [h.entry.id for h in answer.hits]
            print(f"MISS {case.q!r} want {sorted(case.accept)} got {got}")
        if show_misses and case.offtopic and answer.confident:
            print(f"OFFTOPIC ACCEPTED {case.q!r} → {answer.hits[0].entry.id}")
    n_on = sum(1 for c in cases if not c.offtopic)
    print(
        f"set: {which}; entries: {len(kb.entries)}; questions: {n_on} on-topic, "
        f"{len(cases) - n_on} off-topic"
    )
    print(f"{'':34}{'htxbot':>20}{'plain BM25':>22}")
    rows = [
        ("top-1, with diacritics", "d1", "d"),
        ("top-3, with diacritics", "d3", "d"),
        ("top-1, without diacritics", "n1", "n"),
        ("top-3, without diacritics", "n3", "n"),
        ("off-topic → confident: false", "off_rejected", "off"),
    ]
    for title, key, whole in rows:
        a, b = stats["htxbot"], stats["bm25"]
        print(f"{title:34}{pct(a[key], a[whole]):>20}{pct(b[key], b[whole]):>22}")
    a = stats["htxbot"]
    print(f"{'on-topic answered confidently':34}{pct(a['on_confident'], n_on):>20}")
    print(f"{'off-topic → told so':34}{pct(a['off_told'], a['off']):>20}")
    print(f"{'on-topic → told off-topic':34}{pct(a['on_told_off'], n_on):>20}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list every wrong answer")
    parser.add_argument(
        "--set",
        choices=sorted(SETS),
        default="tuning",
        help="tuning: the set the search was tuned on; heldout: written apart",
    )
    args = parser.parse_args()
    evaluate(args.set, args.misses)
