"""Splitting long texts: never over the limit, never an empty part, cuts at natural breaks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import split_text, utf16_len


def test_short_text_comes_back_unchanged():
    assert split_text("  Xin chào  ", 100) == ["  Xin chào  "]


def test_cuts_at_the_paragraph_before_the_line_and_sentence():
    text = "Đoạn một dài.\n\nĐoạn hai. Câu nữa.\nDòng cuối."
    assert split_text(text, 30) == ["Đoạn một dài.", "Đoạn hai. Câu nữa.\nDòng cuối."]


def test_cuts_after_a_sentence_not_inside_it():
    text = "Câu thứ nhất khá dài. Câu thứ hai cũng dài? Câu ba!"
    parts = split_text(text, 30)
    assert parts == ["Câu thứ nhất khá dài.", "Câu thứ hai cũng dài? Câu ba!"]


def test_trailing_whitespace_never_makes_an_empty_part():
    text = "a" * 1995 + "\n\n" + " " * 10
    assert split_text(text, 2000) == ["a" * 1995]


def test_a_word_longer_than_the_limit_is_cut_hard():
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_utf16_measure_counts_an_emoji_as_two():
    parts = split_text("😀" * 7, 4, size=utf16_len)
    assert parts == ["😀😀", "😀😀", "😀😀", "😀"]
    assert utf16_len("Hợp tác xã") == len("Hợp tác xã")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab ơ.?!\n😀")), min_size=0, max_size=400),
    st.integers(min_value=1, max_value=60),
)
def test_any_text_splits_within_the_limit_without_losing_words(text: str, limit: int):
    parts = split_text(text, limit, size=utf16_len)
    if utf16_len(text) <= limit:
        assert parts == [text]
        return
    assert all(part and part.strip() == part for part in parts)
    # A part may exceed the limit only when it is a single character wider than it (an emoji
    # with limit 1): nothing smaller can be cut.
    assert all(utf16_len(part) <= limit or len(part) == 1 for part in parts)
    assert "".join(text.split()) == "".join("".join(parts).split())
