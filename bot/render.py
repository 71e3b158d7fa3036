"""Rendering neutral replies for channels: markup to plain text, numbered choices, splitting."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from handlers.forms import BACK, CANCEL
from handlers.types import Button, Reply
from messages.i18n import t
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


def navigation_hint(reply: Reply) -> str | None:
    """The locale key of the line telling a text-only channel how to type the reply's "back"
    and "cancel" buttons, naming only those it has; None when it has neither."""
    payloads = {b.payload for row in reply.buttons for b in row}
    if BACK in payloads:
        return "zalo_nav_hint"
    return "zalo_cancel_hint" if CANCEL in payloads else None


def numbered_choices(buttons: list[Button], start: int = 1) -> str:
    """'1. Hỏi đáp luật HTX' lines, for channels that cannot show buttons."""
    return "\n".join(
        f"{i}. {b.label}" + (f" ({b.url})" if b.url else "") for i, b in enumerate(buttons, start)
    )


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Java and JavaScript servers count (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


# A sentence ends with . ! ? or … (maybe closed by a bracket or quote) before a space.
_SENTENCE_END = re.compile(r"[.!?…]+[)\]\"'»”’]*(?=\s)")


def _fitting_prefix(text: str, limit: int, size: Callable[[str], int]) -> int:
    """How many characters of `text` fit in `limit` as measured by `size` (at least 1)."""
    if size is len:
        return max(1, min(len(text), limit))
    low, high = 0, len(text)  # binary search: size() grows with the prefix
    while low < high:
        mid = (low + high + 1) // 2
        if size(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return max(1, low)


def _cut_at(window: str) -> int:
    """Where to end a part inside `window`: the last paragraph, line, sentence or word break
    past its first third (so no part is tiny), else the whole window (a word longer than it)."""
    floor = len(window) // 3
    for sep in ("\n\n", "\n"):
        at = window.rfind(sep)
        if at > floor:
            return at
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() > floor]
    if ends:
        return ends[-1]
    at = window.rfind(" ")
    return at if at > floor else len(window)


def split_text(text: str, limit: int, *, size: Callable[[str], int] = len) -> list[str]:
    """Split under `limit` (measured by `size`) at paragraph, then line, then sentence, then
    word boundaries. A text that fits comes back unchanged; otherwise every part is stripped,
    never empty and never over the limit."""
    if size(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if size(rest) <= limit:
            parts.append(rest)
            break
        window = rest[: _fitting_prefix(rest, limit, size)]
        cut = _cut_at(window)
        head = rest[:cut].rstrip()
        if not head:  # cannot happen (rest starts with a non-space); never loop forever
            head, cut = window, len(window)
        parts.append(head)
        rest = rest[cut:].lstrip()
    return parts


# Several picks typed at once on a numbered list: "1,3", "1 3", "1 và 3", "1; 3".
_PICKS = re.compile(r"\d{1,3}(?:(?:\s*[,;&+/]\s*|\s+va\s+|\s+)\d{1,3})+[\s,;.]*")


def pick_choices(text: str, buttons: list[Button]) -> list[Button] | None:
    """'1,3', '1 3', '1 và 3': the offered buttons with those numbers, each once, in the order
    typed; None unless it is two or more numbers, all on the list and none a link."""
    folded = fold(text).strip()
    if not _PICKS.fullmatch(folded):
        return None
    numbers = list(dict.fromkeys(int(n) for n in re.findall(r"\d+", folded)))
    if not all(1 <= n <= len(buttons) for n in numbers):
        return None
    picked = [buttons[n - 1] for n in numbers]
    return None if any(b.url or not b.payload for b in picked) else picked


def pick_choice(text: str, buttons: list[Button]) -> Button | None:
    """A typed digit ('2') or label ('tro giup') that selects one of the offered buttons; a
    label that several of them have selects none (see same_label)."""
    value = text.strip()
    if value.isdecimal() and len(value) <= 3 and 1 <= int(value) <= len(buttons):
        return buttons[int(value) - 1]
    found = _labelled(text, buttons)
    if len({buttons[n - 1].payload for n in found}) == 1:
        return buttons[found[0] - 1]  # one button, or several doing the same (two menus)
    return None


def same_label(text: str, buttons: list[Button]) -> list[int]:
    """The numbers of the offered buttons labelled `text` when they do different things:
    typed 'xoá' beside three reminders' «Xoá» must not delete the first one, so the channel
    asks for a number instead."""
    found = _labelled(text, buttons)
    return found if len({buttons[n - 1].payload for n in found}) > 1 else []


def _labelled(text: str, buttons: list[Button]) -> list[int]:
    wanted = fold(text.strip())
    if not wanted:
        return []
    labels = (fold(re.sub(r"^\W+", "", b.label)).strip() for b in buttons)
    return [i for i, label in enumerate(labels, 1) if label == wanted]


def which_button(typed: str, numbers: list[int]) -> str:
    """Asked when a typed label names several buttons (same_label)."""
    shown = ", ".join(str(n) for n in numbers)
    return t("pick_which", "vi", label=typed.strip()[:40], numbers=shown)
