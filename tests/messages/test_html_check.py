"""Staff-written broadcast text: stray signs are escaped, tags are still checked."""

from __future__ import annotations

import pytest

from messages.html_check import escape_stray, html_errors


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("5 < 6 & a<b", "5 &lt; 6 &amp; a&lt;b"),
        ("Mẫu <Tên HTX> gửi <<Hội nghị>>", "Mẫu &lt;Tên HTX&gt; gửi &lt;&lt;Hội nghị&gt;&gt;"),
        ("<code>List<String></code>", "<code>List&lt;String&gt;</code>"),
        ('<span class="tg-spoiler">x</span>', '<span class="tg-spoiler">x</span>'),
        ("<b>Chú ý</b>: giá > 10.000đ", "<b>Chú ý</b>: giá &gt; 10.000đ"),
        ("R&D &amp; &#39; &lt;", "R&amp;D &amp; &#39; &lt;"),
        (
            '<a href="https://lienminh.example">Đăng ký</a> <3',
            '<a href="https://lienminh.example">Đăng ký</a> &lt;3',
        ),
    ],
)
def test_stray_signs_are_escaped_and_tags_kept(typed: str, kept: str):
    assert escape_stray(typed) == kept
    assert html_errors(escape_stray(typed)) == []


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("x<br>y", "thẻ <br> không được Telegram hỗ trợ"),
        ("<b>chưa đóng", "thẻ <b> chưa được đóng"),
        ("<script>a</script><script>b</script>", "thẻ <script> không được Telegram hỗ trợ"),
    ],
)
def test_tags_are_still_checked_each_problem_once(typed: str, problem: str):
    assert html_errors(escape_stray(typed)) == [problem]
