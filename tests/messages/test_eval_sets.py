"""The labelled question sets of bench/qa_eval.py: every label names an existing article, and
every number an answer must state is in the law text of an article the item accepts."""

from __future__ import annotations

import pytest

from bench.qa_eval import SETS, Case, facts_stated, load_cases
from messages.kb import Document, load_documents
from messages.legal_refs import DEFAULT_LEGAL_DIR, load_reference


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return load_documents()


@pytest.mark.parametrize("which", sorted(SETS))
def test_labels_name_existing_articles(which: str, documents: dict[str, Document]) -> None:
    cases = load_cases(which)
    assert cases
    bad = [
        f"{case.q!r}: {doc}:{article}"
        for case in cases
        for doc, article in sorted(case.accept)
        if doc not in documents or not 1 <= article <= documents[doc].articles
    ]
    assert not bad, bad
    # An on-topic question with nothing to accept could never be answered right.
    assert all(case.offtopic or case.accept for case in cases)
    assert all(not (case.offtopic and case.accept) for case in cases)


def _reference_text(case: Case, documents: dict[str, Document]) -> list[str]:
    texts = []
    for doc, article in case.accept:
        file = documents[doc].file
        if file:
            text = load_reference(DEFAULT_LEGAL_DIR / file).get(article)
            if text:
                texts.append(text)
    return texts


@pytest.mark.parametrize("which", sorted(SETS))
def test_facts_are_in_the_law(which: str, documents: dict[str, Document]) -> None:
    if not DEFAULT_LEGAL_DIR.is_dir():
        pytest.skip(f"no reference texts at {DEFAULT_LEGAL_DIR}")
    bad = []
    for case in load_cases(which):
        texts = _reference_text(case, documents)
        if not case.facts or not texts:
            continue  # nothing to check against
        for fact in case.facts:
            if not any(facts_stated((fact,), text) for text in texts):
                bad.append(f"{case.q!r}: {fact} not in {sorted(case.accept)}")
    assert not bad, bad
