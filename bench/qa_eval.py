"""Quality of question answering over the labelled sets bench/qa_*_set.yaml.

Three sets: tuning (qa_eval_set.yaml, the set the search was tuned on), heldout
(qa_heldout_set.yaml, written by someone who saw neither the search code nor the tuning set) and
farmer (qa_farmer_set.yaml, written apart again, the way farmers type on cheap phones; never
tuned on). For each set it prints, beside a plain BM25 baseline (lowercased words, no Vietnamese
handling) where that applies: top-1 / top-3 accuracy with and without diacritics and for English
questions; the confident-but-wrong rate; whether the top answer states the key numbers (`facts`);
the off-topic rejection rate (and how many off-topic questions are told so, with no suggestions);
and how many stories of a group founding a co-op (`intent: register`) are offered registration.
An answer is right when it explains one of the labelled (document, article) pairs: an article
entry explains its own article only; an FAQ or policy entry explains every article it cites.
Usage: python bench/qa_eval.py [--set all|tuning|heldout|farmer] [--misses]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from messages.answers import render_entry
from messages.kb import Entry, KnowledgeBase, load_kb
from messages.search import Answer, QAIndex

HERE = Path(__file__).resolve().parent
SETS = {
    "tuning": HERE / "qa_eval_set.yaml",
    "heldout": HERE / "qa_heldout_set.yaml",
    "farmer": HERE / "qa_farmer_set.yaml",
}
_NUMBER = re.compile(r"\d+")

RegistrationCheck = Callable[[str, Answer], bool]


@dataclass
class Case:
    q: str
    accept: set[tuple[str, int]]
    offtopic: bool
    # Numbers the right answer must state ("05" members); compared with leading zeros ignored.
    facts: tuple[str, ...] = ()
    lang: str = "vi"
    # "register": a group wants to found a co-op, so the bot should offer registration.
    intent: str = ""

    @property
    def diacritics(self) -> bool:
        return any(ord(c) > 127 for c in self.q)

    @property
    def group(self) -> str:
        """Row the question counts in: English, Vietnamese with or without diacritics."""
        if self.lang == "en":
            return "e"
        return "d" if self.diacritics else "n"


def load_cases(which: str = "tuning") -> list[Case]:
    raw = yaml.safe_load(SETS[which].read_text(encoding="utf-8"))["questions"]
    cases = []
    for item in raw:
        accept = set()
        for label in item.get("accept") or []:
            doc, _, art = str(label).partition(":")
            accept.add((doc, int(art)))
        cases.append(
            Case(
                str(item["q"]),
                accept,
                bool(item.get("offtopic")),
                tuple(str(f) for f in item.get("facts") or ()),
                str(item.get("lang") or "vi"),
                str(item.get("intent") or ""),
            )
        )
    return cases


def numbers(text: str) -> set[str]:
    """Every number written in the text, leading zeros dropped: '05 thành viên' → {'5'}."""
    return {n.lstrip("0") or "0" for n in _NUMBER.findall(text)}


def facts_stated(facts: tuple[str, ...], text: str) -> bool:
    found = numbers(text)
    return all((f.lstrip("0") or "0") in found for f in facts)


def explained(entry: Entry) -> set[tuple[str, int | None]]:
    if entry.kind == "article" and entry.source:
        return {(entry.source, entry.article)}
    return {(c.source, c.article) for c in entry.citations}


def registration_check() -> RegistrationCheck | None:
    """handlers.qa.offers_registration once it exists; None (the row shows n/a) until then."""
    try:
        import handlers.qa
    except ImportError:
        return None
    # getattr, not `from … import`: this bench also runs on trees from before the function.
    check: RegistrationCheck | None = getattr(handlers.qa, "offers_registration", None)
    return check


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
        # Sorted: summing in hash order made scores near the threshold differ from run to run.
        for t in sorted(set(self._tok(query))):
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


@dataclass
class Bench:
    """What every set is measured with, built once for `--set all`."""

    kb: KnowledgeBase
    index: QAIndex
    baseline: PlainBM25
    offers_registration: RegistrationCheck | None
    today: date


def evaluate(which: str, bench: Bench, show_misses: bool) -> None:
    cases = load_cases(which)
    stats: dict[str, Counter[str]] = {"htxbot": Counter(), "bm25": Counter()}
    for case in cases:
        answer = bench.index.search(case.q, top=3)
        ours = [explained(h.entry) for h in answer.hits]
        base_hits = bench.baseline.search(case.q, top=3)
        base = [explained(e) for e, _ in base_hits]
        # The baseline has no notion of confidence: call it confident above a fixed score.
        base_conf = bool(base_hits) and base_hits[0][1] > 8.0
        our_top = answer.hits[0].entry if answer.hits else None
        base_top = base_hits[0][0] if base_hits else None
        for name, cites, confident, top in (
            ("htxbot", ours, answer.confident, our_top),
            ("bm25", base, base_conf, base_top),
        ):
            s = stats[name]
            # Told "not about co-ops", with no suggestions (htxbot only).
            told_off = name == "htxbot" and answer.off_topic and not confident
            if case.offtopic:
                s["off"] += 1
                s["off_rejected"] += not confident
                s["off_told"] += told_off
                continue
            s["on"] += 1
            s["on_told_off"] += told_off
            right = bool(cites) and bool(cites[0] & case.accept)
            s[case.group] += 1
            s[case.group + "1"] += right
            s[case.group + "3"] += any(c & case.accept for c in cites)
            s["on_confident"] += confident
            s["confident_wrong"] += confident and not right
            if case.facts:
                s["facts"] += 1
                shown = render_entry(top, "vi", today=bench.today) if top else ""
                s["facts_ok"] += facts_stated(case.facts, shown)
        if case.intent == "register" and bench.offers_registration is not None:
            stats["htxbot"]["register"] += 1
            stats["htxbot"]["register_ok"] += bench.offers_registration(case.q, answer)
        if show_misses:
            print_misses(case, answer, bench)
    print_stats(which, bench, cases, stats)


def print_misses(case: Case, answer: Answer, bench: Bench) -> None:
    got = [h.entry.id for h in answer.hits]
    if case.offtopic:
        if answer.confident:
            print(f"OFFTOPIC ACCEPTED {case.q!r} → {got[0]}")
        return
    top = answer.hits[0].entry if answer.hits else None
    if top is None or not explained(top) & case.accept:
        # A confident wrong answer is shown as the answer: worse than an unsure one.
        kind = "CONFIDENT WRONG" if answer.confident else "MISS"
        print(f"{kind} {case.q!r} want {sorted(case.accept)} got {got}")
    if case.facts and not facts_stated(
        case.facts, render_entry(top, "vi", today=bench.today) if top else ""
    ):
        print(f"FACTS MISSING {case.q!r} want {list(case.facts)} in {top.id if top else None}")
    offers = bench.offers_registration
    if case.intent == "register" and offers is not None and not offers(case.q, answer):
        print(f"NO REGISTRATION OFFER {case.q[:60]!r}…")


def print_stats(
    which: str, bench: Bench, cases: list[Case], stats: dict[str, Counter[str]]
) -> None:
    a, b = stats["htxbot"], stats["bm25"]
    n_on = a["on"]
    print(
        f"set: {which}; entries: {len(bench.kb.entries)}; questions: {n_on} on-topic "
        f"({a['d']} with diacritics, {a['n']} without, {a['e']} English), "
        f"{len(cases) - n_on} off-topic"
    )
    width = 40
    print(f"{'':{width}}{'htxbot':>20}{'plain BM25':>22}")
    both = [
        ("top-1, with diacritics", "d1", "d"),
        ("top-3, with diacritics", "d3", "d"),
        ("top-1, without diacritics", "n1", "n"),
        ("top-3, without diacritics", "n3", "n"),
        ("top-1, English", "e1", "e"),
        ("top-3, English", "e3", "e"),
        ("confident but wrong (of on-topic)", "confident_wrong", "on"),
        ("facts stated in the top-1 answer", "facts_ok", "facts"),
        ("off-topic → confident: false", "off_rejected", "off"),
    ]
    for title, key, whole in both:
        print(f"{title:{width}}{pct(a[key], a[whole]):>20}{pct(b[key], b[whole]):>22}")
    ours_only = [
        ("on-topic answered confidently", pct(a["on_confident"], n_on)),
        ("off-topic → told so", pct(a["off_told"], a["off"])),
        ("on-topic → told off-topic", pct(a["on_told_off"], n_on)),
    ]
    if any(c.intent == "register" for c in cases):
        offered = pct(a["register_ok"], a["register"]) if bench.offers_registration else "   n/a"
        ours_only.append(("register intent → registration offered", offered))
    for title, value in ours_only:
        print(f"{title:{width}}{value:>20}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list every wrong answer")
    parser.add_argument(
        "--set",
        choices=["all", *SETS],
        default="all",
        help="tuning: the set the search was tuned on; heldout, farmer: written apart; "
        "all (default): each set in turn",
    )
    args = parser.parse_args()
    kb = load_kb()
    offers = registration_check()
    bench = Bench(kb, QAIndex.from_kb(kb), PlainBM25(kb.entries), offers, date.today())
    for i, which in enumerate(SETS if args.set == "all" else [args.set]):
        if i:
            print()
        evaluate(which, bench, args.misses)


if __name__ == "__main__":
    main()
