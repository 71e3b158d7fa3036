"""Answer latency in-process: index build time and p50/p95 per question, at the real size of the
knowledge base and inflated ×20 with synthetic entries. Usage: python bench/qa_latency.py"""

from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.qa_eval import load_cases
from messages.kb import Entry, load_kb
from messages.search import QAIndex


def inflate(entries: list[Entry], factor: int, seed: int = 7) -> list[Entry]:
    """The real entries plus (factor-1) synthetic variants of each, words shuffled and mixed."""
    rng = random.Random(seed)
    vocab = [w for e in entries for w in e.text.split()]
    out = list(entries)
    for n in range(1, factor):
        for e in entries:
            words = e.text.split()
            rng.shuffle(words)
            words[: len(words) // 3] = rng.sample(vocab, len(words) // 3)
            title = " ".join(rng.sample(vocab, 6))
            out.append(
                replace(
                    e,
                    id=f"{e.id}-syn{n}",
                    title=title,
                    text=" ".join(words),
                    source=None,
                    article=None,
                    kind="faq",
                    questions=tuple(rng.sample(vocab, 8) for _ in range(1)) and (),
                    keywords=(),
                )
            )
    return out


def measure(entries: list[Entry], queries: list[str]) -> tuple[float, list[float]]:
    started = time.perf_counter()
    index = QAIndex(entries)
    build = time.perf_counter() - started
    for q in queries[:20]:  # warm the typo cache as a running bot would be
        index.search(q)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q, top=4)
        times.append((time.perf_counter() - t0) * 1000)
    return build, times


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    kb = load_kb()
    queries = [c.q for which in ("tuning", "heldout", "farmer") for c in load_cases(which)]
    print(f"{len(queries)} questions; python {sys.version.split()[0]}")
    print(f"{'size':>22} {'entries':>8} {'build':>9} {'p50':>8} {'p95':>8} {'max':>8}")
    for label, factor in (("knowledge base", 1), ("knowledge base ×20", 20)):
        entries = inflate(kb.entries, factor)
        build, times = measure(entries, queries)
        print(
            f"{label:>22} {len(entries):>8} {build * 1000:>7.0f}ms {pct(times, 50):>6.2f}ms "
            f"{pct(times, 95):>6.2f}ms {max(times):>6.2f}ms"
        )


if __name__ == "__main__":
    main()
