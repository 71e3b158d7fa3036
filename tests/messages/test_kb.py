"""The knowledge base is valid, complete, and the validator rejects what it must."""

from __future__ import annotations

from pathlib import Path

import pytest

from messages.answers import entry_label
from messages.kb import KB_DIR, Citation, Entry, load_documents, load_kb, validate
from messages.kb_check import check
from messages.legal_refs import DEFAULT_LEGAL_DIR

LEGAL = DEFAULT_LEGAL_DIR if DEFAULT_LEGAL_DIR.is_dir() else None


def test_knowledge_base_passes_the_validator():
    assert check([], LEGAL) == []


def test_every_article_of_both_laws_has_an_entry():
    kb = load_kb()
    for source, count in (("luat-htx-2012", 64), ("luat-htx-2023", 115)):
        have = {a for (s, a) in kb.by_article if s == source}
        assert have == set(range(1, count + 1)), sorted(set(range(1, count + 1)) - have)


def test_enough_faq_and_policy_entries():
    kinds = [e.kind for e in load_kb().entries]
    assert kinds.count("faq") >= 60
    assert kinds.count("policy") >= 13


def test_old_law_entries_say_what_applies_now():
    for entry in load_kb().entries:
        if entry.source == "luat-htx-2012":
            assert entry.note, entry.id


def entry(**kw) -> Entry:
    base = dict(
        id="faq-x",
        kind="faq",
        title="T",
        text="Cần 05 thành viên.",
        citations=(Citation("luat-htx-2023", 4, 7),),
        file="t.yaml",
    )
    base.update(kw)
    return Entry(**base)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (dict(citations=()), "thiếu citations"),
        (dict(citations=(Citation("luat-xyz", 1),)), "văn bản không rõ"),
        (dict(citations=(Citation("luat-htx-2023", 116),)), "không có Điều 116"),
        (dict(citations=(Citation("luat-htx-2012", 0),)), "không có Điều 0"),
        (dict(kind="article", source="luat-htx-2012", article=3), "phải có note"),
        (dict(id="Bad Id"), "id phải gồm"),
        (dict(kind="lecture"), "kind phải là"),
    ],
)
def test_validator_rejects(bad: dict, message: str):
    errors = validate([entry(**bad)], load_documents(KB_DIR), None)
    assert any(message in e for e in errors), errors


def test_validator_rejects_duplicates():
    documents = load_documents(KB_DIR)
    errors = validate([entry(), entry()], documents, None)
    assert any("id bị trùng" in e for e in errors)
    a = entry(id="a", kind="article", source="luat-htx-2023", article=4)
    b = entry(id="b", kind="article", source="luat-htx-2023", article=4)
    assert any("đã có ở" in e for e in validate([a, b], documents, None))


@pytest.mark.skipif(LEGAL is None, reason="reference texts (../shared/legal) not present")
def test_validator_rejects_numbers_not_in_the_cited_article():
    documents = load_documents(KB_DIR)
    assert validate([entry()], documents, Path(LEGAL)) == []
    wrong = entry(text="Cần ít nhất 09 thành viên.")
    assert any("9" in e for e in validate([wrong], documents, Path(LEGAL)))
    # References and the effective date are not facts to check.
    fine = entry(text="Theo Điều 4 khoản 7 Luật HTX 2023 (17/2023/QH15), từ 01/7/2024 cần 05.")
    assert validate([fine], documents, Path(LEGAL)) == []


def test_related_article_buttons_say_which_law_they_belong_to():
    """Both laws have an article named 'Phạm vi điều chỉnh': a button must tell them apart,
    and stay within 100 characters however long the title."""
    kb = load_kb()
    old, new = kb.by_article[("luat-htx-2012", 1)], kb.by_article[("luat-htx-2023", 1)]
    assert old.title == new.title
    assert entry_label(old) == f"Điều 1 Luật HTX 2012: {old.title}"
    assert entry_label(new) == f"Điều 1 Luật HTX 2023: {new.title}"
    faq = next(e for e in kb.entries if e.kind == "faq")
    assert entry_label(faq, limit=200) == faq.title
    labels = [entry_label(e) for e in kb.entries]
    assert all(len(label) <= 100 for label in labels)
    long = max(kb.entries, key=lambda e: len(e.title) if e.kind == "article" else 0)
    assert entry_label(long).startswith(f"Điều {long.article} Luật HTX {long.source[-4:]}: ")
    assert entry_label(long).endswith("…")
