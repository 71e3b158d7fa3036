"""Content rules of the knowledge base that the validator does not check (ARCHITECTURE.md,
"Content rules"): deadlines from a fixed date are written as a marker, current law comes first."""

from __future__ import annotations

import re

import pytest

from messages.kb import load_kb

KB = load_kb()

# A transition deadline of Điều 115 Luật HTX 2023 (18 months from 01/7/2024; 24 months from
# 01/9/2023) or of Điều 62 Luật HTX 2012 (36 months from 01/7/2013), not a rolling period
# such as "18 tháng liên tục".
_TRANSITION = re.compile(r"\b(18|24|36) tháng\b(?! liên tục| liền)")
# ... counted from a fixed date: the law's entry into force or 01/9/2023.
_FIXED_START = re.compile(r"kể từ|01/7/2024|01/9/2023|có hiệu lực|sửa Điều lệ|đăng ký lại")
_MARKER = re.compile(r"\{\{han:(\d{4}-\d{2}-\d{2})\+(\d+)\}\}")
_EXPECTED = {"18": "2024-07-01", "24": "2023-09-01", "36": "2013-07-01"}


def _cites_transition(entry) -> bool:
    return any(
        (c.source, c.article) in {("luat-htx-2023", 115), ("luat-htx-2012", 62)}
        for c in entry.citations
    )


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+", text) if s]


def test_transition_deadlines_carry_a_marker():
    missing = []
    for entry in KB.entries:
        if not _cites_transition(entry):
            continue
        for field in (entry.text, entry.note):
            for sentence in _sentences(field):
                if not _FIXED_START.search(sentence):
                    # e.g. "hỗ trợ không quá 36 tháng": a period, not a transition deadline
                    continue
                for months in _TRANSITION.findall(sentence):
                    marks = dict((m, d) for d, m in _MARKER.findall(sentence))
                    if marks.get(months) != _EXPECTED[months]:
                        missing.append(f"{entry.id}: {sentence}")
    assert not missing, "\n".join(missing)


def test_no_transition_deadline_is_said_to_be_running_or_ended_by_hand():
    for entry in KB.entries:
        for field in (entry.text, entry.note):
            assert "thời hạn này nay đã hết" not in field, entry.id
            assert "Tính đến nay, các thời hạn" not in field, entry.id


def test_an_faq_says_the_2012_law_is_no_longer_in_force():
    entry = KB.by_id["faq-luat-htx-2012-con-hieu-luc-khong"]
    assert entry.kind == "faq" and entry.text.startswith("Không.")
    assert ("luat-htx-2023", 114, 3) in {(c.source, c.article, c.clause) for c in entry.citations}
    assert "không còn hiệu lực" in KB.by_id["luat-htx-2012-d63"].text


# Nghị định 113/2024: only Điều 1–2 are verbatim in ../shared/legal/; Điều 4, 5, 6 and 19 are
# quoted by two or more independent sources. Nothing else of it may be stated, and what is
# stated from the secondary sources says that the bot does not have the decree's own wording.
_ND113_USABLE = {None, 1, 2, 4, 5, 6, 19}


def test_decree_113_is_used_only_as_far_as_its_sources_allow():
    for entry in KB.entries:
        cited = {c.article for c in entry.citations if c.source == "nd-113-2024"}
        assert cited <= _ND113_USABLE, (entry.id, cited - _ND113_USABLE)
        if cited - {None, 1, 2}:
            assert "chưa có nguyên văn" in entry.text + entry.note, entry.id


def test_where_to_register_names_todays_office_with_its_hedge():
    text = KB.by_id["faq-nop-ho-so-dang-ky-htx-o-dau"].text
    assert text.startswith("Từ 01/7/2025") and "cơ quan đăng ký kinh doanh cấp xã" in text
    assert "Bộ Tài chính" in text and "bot chưa có" in text


def _opening(text: str, sentences: int = 2) -> str:
    return " ".join(_sentences(text)[:sentences])


@pytest.mark.parametrize(
    "entry", [e for e in KB.entries if e.kind == "policy"], ids=lambda e: e.id
)
def test_policy_entries_open_with_todays_law(entry):
    assert "Luật HTX 2023" in _opening(entry.text), entry.text[:160]


_OLD_INSTRUMENTS = (
    "Nghị định 193/2013",
    "Thông tư 340/2016",
    "Thông tư 15/2016",
    "Thông tư 124/2021",
)


@pytest.mark.parametrize(
    "entry", [e for e in KB.entries if e.kind == "policy"], ids=lambda e: e.id
)
def test_policy_entries_resting_on_old_instruments_say_how_long_they_last(entry):
    both = entry.text + " " + entry.note
    if any(name in both for name in _OLD_INSTRUMENTS):
        assert "khoản 5 Điều 115" in both
        assert ("luat-htx-2023", 115, 5) in {
            (c.source, c.article, c.clause) for c in entry.citations
        }


def test_faq_notes_date_the_old_rule():
    for entry in KB.entries:
        if entry.kind == "faq" and entry.note.startswith(
            ("Theo Luật HTX 2012", "Luật HTX 2012 (")
        ):
            pytest.fail(f"{entry.id}: the 2012 rule in a note starts 'Trước 01/7/2024, …'")
