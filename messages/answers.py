"""How a knowledge-base entry is shown: title, explanation, citation line, 'Lưu ý'."""

from __future__ import annotations

import html
from datetime import date
from functools import lru_cache

from messages.deadlines import state_deadlines
from messages.i18n import Markup, t
from messages.kb import Citation, Document, Entry, load_documents


@lru_cache(maxsize=1)
def documents() -> dict[str, Document]:
    return load_documents()


# Document names in English: the kinds of document, and the law by its English name.
_ENGLISH_NAMES = (
    ("Luật HTX", "Law on Cooperatives"),
    ("Nghị định", "Decree"),
    ("Thông tư", "Circular"),
    ("Quyết định", "Decision"),
)


def format_citation(c: Citation, lang: str = "vi") -> str:
    """Citation(luat-htx-2023, 42, 2) → 'Điều 42 khoản 2 Luật HTX 2023', in English
    'Article 42(2), Law on Cooperatives 2023'."""
    doc = documents().get(c.source)
    name = doc.short if doc else c.source
    if lang == "en":
        for vietnamese, english in _ENGLISH_NAMES:
            name = name.replace(vietnamese, english)
        if c.article is None:
            return name
        clause = f"({c.clause})" if c.clause else ""
        return f"Article {c.article}{clause}, {name}"
    if c.article is None:
        return name
    clause = f" khoản {c.clause}" if c.clause else ""
    return f"Điều {c.article}{clause} {name}"


def citation_line(entry: Entry, lang: str = "vi") -> str:
    """'Điều 4 khoản 7 Luật HTX 2023; Điều 3 Luật HTX 2012' (plain text)."""
    seen: list[str] = []
    for c in entry.citations:
        text = format_citation(c, lang)
        if text not in seen:
            seen.append(text)
    return "; ".join(seen)


def entry_label(entry: Entry, limit: int = 100, lang: str = "vi") -> str:
    """A button's label for an entry, within `limit` characters: its title, after which article
    of which law for an article ('Điều 1 Luật HTX 2012: Phạm vi điều chỉnh'), since both laws
    have articles of the same name and the 2012 one is no longer in force. That comes first:
    a phone cuts a long button's end to fit (Zalo's numbered lists show it all)."""
    english = lang == "en" and entry.en is not None
    title = entry.en.title if english and entry.en else entry.title
    label = title
    if entry.kind == "article" and entry.source and entry.article is not None:
        cited = format_citation(Citation(entry.source, entry.article), "en" if english else "vi")
        label = f"{cited}: {title}"
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def render_entry(entry: Entry, lang: str = "vi", *, today: date) -> str:
    """The full answer in neutral markup. KB text is escaped: staff-edited files are data.
    Deadlines that run from a fixed date are stated against `today` (messages/deadlines.py).
    In English when the entry has an English summary; otherwise in Vietnamese."""
    title, text, note = entry.title, entry.text, entry.note
    if lang == "en" and entry.en is not None:
        title, text, note = entry.en.title, entry.en.text, entry.en.note
    parts = [
        f"<b>{html.escape(title, quote=False)}</b>",
        state_deadlines(html.escape(text, quote=False), today, lang),
    ]
    if entry.citations:
        cited = citation_line(entry, lang)
        parts.append("<i>" + t("qa_citation", lang, citations=cited) + "</i>")
    else:  # a staff answer saved from the bot
        parts.append("<i>" + t("qa_staff_answer_source", lang) + "</i>")
    if note:
        stated = state_deadlines(html.escape(note, quote=False), today, lang)
        parts.append(t("qa_note", lang, note=Markup(stated)))
    return "\n\n".join(parts)
