"""UI strings per locale. Texts are in the neutral markup (a small HTML subset: b, i, code, a);
parameters are escaped here, so user-supplied strings can never inject markup."""

from __future__ import annotations

import html
import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("vi", "en")
# Each language by its own name, as the language buttons and /toi show it.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANGUAGE = "vi"


@cache
def catalog(lang: str) -> dict[str, str]:
    """All strings of one locale, key → template."""
    raw = yaml.safe_load((LOCALES_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in raw.items()}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _template(key: str, lang: str) -> str:
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    found = catalog(lang).get(key)
    if found is None:
        found = catalog(DEFAULT_LANGUAGE)[key]
    return found


class Markup(str):
    """Text already in markup (a built message): embedded in another message as it is."""


def escape(value: Any) -> str:
    return value if isinstance(value, Markup) else html.escape(str(value), quote=False)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> Markup:
    """A message in markup; its parameters are escaped unless they are Markup themselves."""
    safe = {k: escape(v) for k, v in params.items()}
    return Markup(_template(key, lang).format_map(safe))


def label(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """A button label: plain text, never parsed as markup."""
    return _template(key, lang).format_map({k: str(v) for k, v in params.items()})


def language_for(code: str | None) -> str:
    """Map a platform language code ('en-US', 'vi') to a supported locale."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def label_or(key: str, lang: str, default: str) -> str:
    """A button-style label when the key exists, else `default` (e.g. free text typed)."""
    if key in catalog(lang if lang in LANGUAGES else DEFAULT_LANGUAGE):
        return label(key, lang)
    return default
