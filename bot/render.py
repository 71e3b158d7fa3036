"""Rendering neutral replies for channels: markup to plain text, numbered choices, splitting."""

from __future__ import annotations

import html
import re

from handlers.forms import BACK, CANCEL
from handlers.types import Button, Reply
from messages.textnorm import fold

_TAG = re.compile(r"</?(?:b|i|u|s|code|pre|a)(?:\s[^>]*)?>")


def markup_to_plain(text: str) -> str:
    """Neutral markup → plain text (for the console and channels without formatting)."""
    return html.unescape(_TAG.sub("", text))


def flat_buttons(reply: Reply) -> list[Button]:
    """The choices a text-only channel numbers: not a share-contact button, and not "back" or
    "cancel", which are typed as words there (so a typed '2' is never mistaken for 'cancel')."""
    return [
        b
        for row in reply.buttons
        for b in row
        if (b.payload or b.url) and b.payload not in (BACK, CANCEL)
    ]


def has_navigation(reply: Reply) -> bool:
    return any(b.payload in (BACK, CANCEL) for row in reply.buttons for b in row)


def numbered_choices(buttons: list[Button]) -> str:
    """'1. Hỏi đáp luật HTX' lines, for channels that cannot show buttons."""
    return "\n".join(
        f"{i}. {b.label}" + (f" ({b.url})" if b.url else "") for i, b in enumerate(buttons, 1)
    )


def split_text(text: str, limit: int) -> list[str]:
    """Split under `limit` characters at paragraph, then line, then sentence boundaries."""
    if len(text) <= limit:
        return [text]
    for sep in ("\n\n", "\n", ". ", " "):
        cut = text.rfind(sep, 0, limit)
        if cut > limit // 3:
            head = text[: cut + (1 if sep == ". " else 0)].rstrip()
            return [head, *split_text(text[cut + len(sep) :].lstrip(), limit)]
    return [text[:limit], *split_text(text[limit:], limit)]


def pick_choice(text: str, buttons: list[Button]) -> Button | None:
    """A typed digit ('2') or label ('tro giup') that selects one of the offered buttons."""
    value = text.strip()
    if value.isdecimal() and 1 <= int(value) <= len(buttons):
        return buttons[int(value) - 1]
    wanted = fold(value)
    if not wanted:
        return None
    for b in buttons:
        label = fold(re.sub(r"^\W+", "", b.label)).strip()
        if label == wanted:
            return b
    return None
