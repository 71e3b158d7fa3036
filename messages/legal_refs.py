"""Reference texts of the law and decrees (../shared/legal/), split into articles.

They are used only to check the knowledge base; they are never shipped or shown to users.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# "Điều 7. Title" (plain texts) or "Điều 12.4.NĐ.2.1. Title" (codified texts, whose next line
# names the original article: "(Điều 1 Nghị định số 45/2021/NĐ-CP ...").
_HEADING = re.compile(r"^Điều (\d+(?:\.[\wĐđ]+)*)\.\s", re.MULTILINE)
_ORIGIN = re.compile(r"^\(Điều (\d+)\b")

DEFAULT_LEGAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "legal"


def split_articles(text: str) -> dict[int, str]:
    """Map article number → its text (heading included) for one reference document."""
    articles: dict[int, str] = {}
    matches = list(_HEADING.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[match.start() : end]
        label = match.group(1)
        if "." in label:
            lines = body.splitlines()
            origin = _ORIGIN.match(lines[1]) if len(lines) > 1 else None
            if origin is None:
                continue
            number = int(origin.group(1))
        else:
            number = int(label)
        # Codified texts may repeat an article (amended versions); keep all wording.
        articles[number] = articles.get(number, "") + body
    return articles


@lru_cache(maxsize=64)
def load_reference(path: Path) -> dict[int, str]:
    """Articles of one reference file, or an empty mapping when the file is absent."""
    if not path.is_file():
        return {}
    return split_articles(path.read_text(encoding="utf-8"))
