"""Questions as farmers type them: shorthand, dialect spellings, stories, the law in force."""

from __future__ import annotations

from datetime import date

import pytest

from messages.answers import render_entry
from messages.deadlines import add_months, state_deadlines, without_deadlines
from messages.kb import load_kb, numbers_in
from messages.search import QAIndex
from messages.textnorm import dialect_variants, expand, search_words, unvni, words
from messages.topics import founding, of_question, of_title, weight


@pytest.fixture(scope="module")
def index() -> QAIndex:
    return QAIndex.from_kb(load_kb())


def cited(index: QAIndex, query: str) -> set[tuple[str, int | None]]:
    """The (document, article) pairs the top answer explains."""
    entry = index.search(query, top=3).hits[0].entry
    if entry.kind == "article":
        return {(entry.source or "", entry.article)}
    return {(c.source, c.article) for c in entry.citations}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("htx toi thieu may tv", "hop tac xa toi thieu may thanh vien"),
        ("rut khoi htx dc ko", "rut khoi hop tac xa duoc khong"),
        ("mik mun lap tht thi lam ntn z", "minh muon lap to hop tac thi lam nhu the nao vay"),
        ("xa vien co quyen j", "thanh vien co quyen gi"),
        ("hok bik bn", "khong biet bao nhieu"),
    ],
)
def test_shorthand_and_teen_code_read_as_meant(typed: str, meant: str) -> None:
    assert " ".join(expand(words(typed))) == meant


def test_vni_digits_are_undone_but_document_numbers_are_not() -> None:
    assert [unvni(w) for w in ("hop5", "tac1", "d9uoc5", "ho6i5")] == ["hop", "tac", "duoc", "hoi"]
    assert unvni("nd193") == "nd193"


def test_dialect_spellings_change_one_end_of_a_word() -> None:
    assert "xa" in dialect_variants("sa")
    assert "trach" in dialect_variants("chach")
    assert "tac" in dialect_variants("tat")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("hop tac sa can bao nhiu thnah vien", ["hop", "tac", "xa"]),
        ("hợp tát xã là gì", ["hop", "tac", "xa"]),
        ("hopwj tacs xax", ["hop", "tac", "xa"]),
        ("hop5 tac1 xa4", ["hop", "tac", "xa"]),
    ],
)
def test_misspelled_co_op_is_understood(index: QAIndex, typed: str, meant: list[str]) -> None:
    assert index.analyse(typed)[0][:3] == meant


@pytest.mark.parametrize(
    "query",
    [
        "htx toi thieu may tv",
        "HTX cần ít nhất bao nhiu ng?",
        "hop tac sa can bao nhiu thnah vien",
    ],
)
def test_minimum_members_is_not_answered_with_the_board(index: QAIndex, query: str) -> None:
    answer = index.search(query, top=3)
    assert answer.confident
    assert ("luat-htx-2023", 4) in cited(index, query)


def test_an_entry_about_the_board_is_about_the_board() -> None:
    board = of_title("Hội đồng quản trị hợp tác xã, liên hiệp hợp tác xã")
    assert board.aspects == {"hoi dong quan tri"}
    assert weight(of_question(expand(words("htx toi thieu may tv"))), board) < 1
    assert weight(of_question(expand(words("hdqt toi thieu may tv"))), board) == 1


def test_a_group_entry_does_not_answer_a_co_op_question(index: QAIndex) -> None:
    top = index.search("rut khoi htx dc ko", top=3).hits[0].entry
    assert "to hop tac" not in of_title(top.title).entities


def test_leaving_without_naming_which_organisation_is_asked_back(index: QAIndex) -> None:
    answer = index.search("rut khoi dc ko", top=4)
    assert not answer.confident
    named = [of_title(h.entry.title).entities for h in answer.clarify]
    assert named[0] <= {"hop tac xa"}  # the co-op (or any organisation) first, one choice each
    assert {"to hop tac"} in named
    assert len(set(named)) == len(named)


def test_a_question_not_naming_2012_gets_the_rule_in_force(index: QAIndex) -> None:
    query = "lai cua hop tac xa chia the nao, phai trich quy bao nhieu phan tram"
    top = index.search(query, top=3).hits[0].entry
    assert top.source != "luat-htx-2012"
    assert top.citations[0].source != "luat-htx-2012"


def test_a_question_naming_2012_gets_the_2012_rule(index: QAIndex) -> None:
    top = index.search("luật htx 2012 chia lãi thế nào", top=3).hits[0].entry
    assert "luat-htx-2012" in {c.source for c in top.citations}


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("tôi muốn lập hợp tác xã", "hop tac xa"),
        ("mấy hộ muốn rủ nhau làm tổ hợp tác", "to hop tac"),
        ("thành lập liên hiệp htx cần gì", "lien hiep"),
        ("htx đã thành lập 5 năm", None),
        ("lập báo cáo tài chính htx", None),
    ],
)
def test_wanting_to_found_one_is_recognised(text: str, wanted: str | None) -> None:
    assert founding(expand(words(text))) == wanted


def test_a_story_of_households_gets_the_founding_steps(index: QAIndex) -> None:
    story = (
        "Nhà tôi ở xã Tân Phú, có mấy hộ trồng sầu riêng với nhau được 5 năm rồi, giờ thấy "
        "thương lái ép giá quá, bà con bàn nhau muốn cùng nhau lập hợp tác xã để bán chung "
        "cho được giá, không biết phải làm sao?"
    )
    answer = index.search(story, top=3)
    assert answer.confident and answer.founding
    assert answer.hits[0].entry.id == "faq-cac-buoc-thanh-lap-htx"


def test_deadlines_are_stated_against_today() -> None:
    text = "Phải sửa Điều lệ trong 18 tháng kể từ 01/7/2024 {{han:2024-07-01+18}}."
    assert add_months(date(2024, 7, 1), 18) == date(2026, 1, 1)
    assert add_months(date(2023, 9, 1), 24) == date(2025, 9, 1)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    ended = state_deadlines(text, date(2026, 12, 7))
    assert "đã kết thúc ngày 01/1/2026" in ended and "{{" not in ended
    running = state_deadlines(text, date(2025, 12, 22))
    assert "hạn đến ngày 01/1/2026, còn 10 ngày" in running
    assert "2024" not in numbers_in(without_deadlines("{{han:2024-07-01+18}}"))


def test_every_deadline_in_the_knowledge_base_is_stated_when_shown() -> None:
    for entry in load_kb().entries:
        shown = render_entry(entry, today=date(2026, 12, 7))
        assert "{{" not in shown, entry.id


def test_an_english_question_is_answered_from_the_same_knowledge_base(index: QAIndex) -> None:
    answer = index.search("how many members do I need to start a cooperative", top=3)
    assert answer.confident and answer.language == "en"
    assert answer.hits[0].entry.id == "faq-thanh-lap-htx-can-may-nguoi"
    shown = render_entry(answer.hits[0].entry, "en", today=date(2026, 12, 7))
    assert shown.startswith("<b>How many members")
    assert "Source: Article 4(7), Law on Cooperatives 2023" in shown
    assert "05" in shown


def test_english_off_topic_and_vietnamese_without_diacritics_are_told_apart(
    index: QAIndex,
) -> None:
    assert not index.search("what is the weather tomorrow in Hanoi", top=3).confident
    assert index.search("htx can bao nhieu thanh vien", top=3).language == "vi"
    assert index.search("thanh lap htx co can von khong", top=3).language == "vi"


def test_the_2012_law_is_said_to_be_no_longer_in_force(index: QAIndex) -> None:
    for query in ("luat 2012 con hieu luc ko", "is the 2012 cooperative law still in force"):
        answer = index.search(query, top=3)
        assert answer.confident
        entry = answer.hits[0].entry
        text = entry.en.text if answer.language == "en" and entry.en else entry.text
        assert text.startswith(("Không", "No")), query
        assert ("luat-htx-2023", 114) in {(c.source, c.article) for c in entry.citations}


def test_a_word_in_a_known_pair_is_not_respelled(index: QAIndex) -> None:
    # "tri" of "quản trị" once became "chi" because "chí tối" was a pair elsewhere.
    assert index.analyse("hdqt tieu chi toi thieu")[0][:4] == ["hoi", "dong", "quan", "tri"]
    assert index.analyse("hdqt toi thieu may nguoi")[0][3] == "tri"


def test_the_co_op_or_its_board_is_asked_back_when_both_fit(index: QAIndex) -> None:
    answer = index.search("hop5 tac1 xa4 it nhat may nguoi", top=4)
    assert not answer.confident
    bodies = [of_title(h.entry.title).aspects for h in answer.clarify]
    assert len(bodies) == 2 and {"hoi dong quan tri"} in bodies and frozenset() in bodies


def test_shorthand_applies_only_to_words_typed_plain() -> None:
    # "mun" is chat for "muốn", "mụn" is acne; "môn bài" is a licence fee, not "muốn bài".
    assert search_words("mun lap htx") == ["muon", "lap", "hop", "tac", "xa"]
    assert search_words("mụn trứng cá")[0] == "mun"
    assert search_words("lệ phí môn bài") == ["le", "phi", "mon", "bai"]
    assert search_words("đc ko") == ["duoc", "khong"]


def test_off_topic_questions_are_not_asked_back(index: QAIndex) -> None:
    for query in ("cách trị mụn trứng cá", "đăng ký kết hôn cần giấy tờ gì"):
        answer = index.search(query, top=4)
        assert not answer.confident and not answer.clarify, query
