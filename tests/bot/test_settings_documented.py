"""Every setting a newcomer can set is documented: in `.env.example` and in the configuration
table of docs/configuration.md, under the environment variable name the code reads."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from tests.bot.test_cli import ROOT

NAMES = sorted(str(field.alias) for field in Settings.model_fields.values())


def test_every_setting_has_an_environment_name():
    assert all(name and name.isupper() for name in NAMES), NAMES


@pytest.mark.parametrize("name", NAMES)
def test_setting_is_in_env_example_and_in_the_configuration_table(name: str):
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    table = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert f"{name}=" in example
    assert f"| `{name}` |" in table
