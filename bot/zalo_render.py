"""Zalo shows plain text only: a neutral reply becomes text parts under Zalo's 2,000 characters,
its buttons a numbered list with a hint, a share-contact button a request to type the number,
and a file a note saying where to get it (the Bot API cannot upload files)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.render import (
    flat_buttons,
    markup_to_plain,
    navigation_hint,
    numbered_choices,
    split_text,
    utf16_len,
)
from handlers.types import Button, Reply
from messages.i18n import t

# sendMessage takes "1 to 2000 characters". Counted in UTF-16 units, the stricter reading
# (the docs do not say how an emoji counts), so no part can be refused for its length.
ZALO_TEXT_LIMIT = 2000
FEW_CHOICES = 5  # up to this many, the hint spells the numbers out: "1, 2 hoặc 3"


@dataclass(frozen=True)
class Rendered:
    """What to send, and the choices a typed number now stands for (None: keep the earlier
    ones, as for a reply without buttons, e.g. an error before the question is asked again)."""

    parts: list[str]
    choices: list[Button] | None


def plain(key: str, lang: str, **params: object) -> str:
    """A locale message as plain text (its markup dropped, its entities unescaped)."""
    return markup_to_plain(t(key, lang, **params))


def choice_hint(first: int, last: int, lang: str) -> str:
    """'👉 Trả lời 1, 2 hoặc 3.' for choices numbered `first` to `last`."""
    if first == last:
        return plain("zalo_choose_one", lang, n=first)
    if last - first < FEW_CHOICES:
        numbers = ", ".join(str(i) for i in range(first, last))
        return plain("zalo_choose_few", lang, numbers=numbers, last=last)
    return plain("zalo_choose_many", lang, first=first, last=last)


def needs_language(reply: Reply) -> bool:
    """Whether rendering adds a hint, and so needs the reader's language."""
    return bool(reply.buttons or reply.request_contact or reply.document is not None)


def render(reply: Reply, lang: str, first: int = 1) -> Rendered:
    """Plain text parts for one reply, each within ZALO_TEXT_LIMIT and none empty; its
    choices are numbered from `first` (several messages answering one update share one
    numbering, so every number on the screen still means what it says)."""
    blocks = [markup_to_plain(reply.text).strip()]
    if reply.document is not None:
        blocks.append(plain("zalo_file_elsewhere", lang, filename=reply.document.filename))
    buttons = flat_buttons(reply)
    if buttons:
        last = first + len(buttons) - 1
        blocks.append(numbered_choices(buttons, first) + "\n" + choice_hint(first, last, lang))
    if reply.request_contact:
        blocks.append(plain("zalo_type_phone", lang))
    if hint := navigation_hint(reply):
        blocks.append(plain(hint, lang))
    text = blocks[0]
    for block in blocks[1:]:
        # A heading such as "Câu hỏi liên quan:" stays with its list when a long text is split.
        text += ("\n" if text.endswith(":") else "\n\n") + block if text else block
    parts = [p for p in split_text(text, ZALO_TEXT_LIMIT, size=utf16_len) if p.strip()]
    return Rendered(parts, buttons if reply.buttons else None)


def choices_to_rows(buttons: list[Button]) -> list[dict[str, str]]:
    """Buttons as stored in the database (storage/choices.py)."""
    return [
        {"label": b.label, "url": b.url} if b.url else {"label": b.label, "payload": b.payload}
        for b in buttons
    ]


def rows_to_choices(rows: list[dict[str, str]]) -> list[Button]:
    return [
        Button(str(r.get("label", "")), str(r.get("payload", "")), r.get("url") or None)
        for r in rows
        if isinstance(r, dict)
    ]
