"""Checking staff-written HTML against what Telegram accepts, before anything is sent."""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "code",
    "pre",
    "a",
    "tg-spoiler",
    "blockquote",
    "span",
}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.errors: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.errors.append(f"thẻ <{tag}> không được Telegram hỗ trợ")
            return
        if tag == "a" and not any(k == "href" and v for k, v in attrs):
            self.errors.append("thẻ <a> cần href")
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            self.errors.append('chỉ hỗ trợ <span class="tg-spoiler">')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"thẻ </{tag}> đóng sai chỗ")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.errors.append("dấu < hoặc > phải viết là &lt; &gt;")


def html_errors(text: str) -> list[str]:
    """Problems Telegram would reject the message for; [] when the HTML is fine."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.errors.append(f"thẻ <{checker.stack[-1]}> chưa được đóng")
    return list(dict.fromkeys(checker.errors))  # each problem once


# Tags Telegram does not take but staff may well type expecting them to work: refused by name
# rather than shown as text. Anything else in angle brackets ('<Tên HTX>') is text.
COMMON_HTML = {"br", "p", "div", "img", "script", "style", "h1", "h2", "h3", "ul", "ol", "li"}
COMMON_HTML |= {"table", "tr", "td", "font", "center", "hr", "html", "body", "head", "small"}
_TAG = re.compile(
    r"</?(?:{})(?=[\s/>])[^<>]*>".format(
        "|".join(sorted(ALLOWED | COMMON_HTML, key=len, reverse=True))
    ),
    re.IGNORECASE,
)
_STRAY_AMP = re.compile(r"&(?!#?\w+;)")


def escape_stray(text: str) -> str:
    """Staff write plain text with the odd formatting tag: a '<', '>' or '&' that is not part
    of a tag or an entity ('5 < 6 & a>b') is escaped, rather than refused with a request to
    type '&lt;'. Tags and entities are left for html_errors() to check."""
    out, last = [], 0
    for tag in _TAG.finditer(text):
        out.append(_plain(text[last : tag.start()]))
        out.append(tag.group())
        last = tag.end()
    out.append(_plain(text[last:]))
    return "".join(out)


def _plain(text: str) -> str:
    return _STRAY_AMP.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
