"""Every message key exists in every locale, with the same parameters and valid markup."""

from __future__ import annotations

import re

import pytest

from handlers.router import menu_commands
from messages.i18n import LANGUAGES, catalog, placeholders, t

ALLOWED_TAGS = re.compile(r"</?(b|i|u|s|code|pre|a)(\s[^>]*)?>")


def test_every_key_in_every_locale():
    keys = {lang: set(catalog(lang)) for lang in LANGUAGES}
    reference = keys["vi"]
    for lang, found in keys.items():
        assert found == reference, (lang, sorted(found ^ reference))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_same_placeholders_and_only_allowed_markup(lang: str):
    for key, template in catalog(lang).items():
        assert placeholders(template) == placeholders(catalog("vi")[key]), key
        stripped = ALLOWED_TAGS.sub("", template)
        assert "<" not in stripped.replace("&lt;", ""), (lang, key)


def test_parameters_are_escaped():
    assert "&lt;script&gt;" in t("qa_no_match", "vi", query="<script>")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_command_descriptions_fit_telegram(lang: str):
    for command, description in menu_commands(lang):
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command)
        assert 1 <= len(description) <= 256
