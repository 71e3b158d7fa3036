"""Where each channel's webhook is registered and served, and the settings refused before the
web server starts (bot.service)."""

from __future__ import annotations

from pathlib import Path

from bot.service import NO_WEBHOOK_URL, webhook_problem, zalo_webhook_url
from bot.webserver import telegram_webhook_url, webhook_path
from tests.conftest import make_settings

BOTH = {"ZALO_BOT_TOKEN": "1:z", "HTXBOT_WEBHOOK_SECRET": "tg", "ZALO_WEBHOOK_SECRET": "zalo-1234"}


def test_zalo_is_beside_telegram_on_the_same_host_unless_given_its_own_url(tmp_path: Path):
    plain = make_settings(tmp_path, HTXBOT_WEBHOOK_URL="https://lienminh.example/htxbot/tg")
    assert zalo_webhook_url(plain) == "https://lienminh.example/zalo/webhook"
    # Behind a proxy that forwards only /htxbot/…, Zalo's webhook must be under it too.
    prefixed = make_settings(
        tmp_path,
        HTXBOT_WEBHOOK_URL="https://lienminh.example/htxbot/tg",
        ZALO_WEBHOOK_URL="https://lienminh.example/htxbot/zalo",
    )
    assert zalo_webhook_url(prefixed) == "https://lienminh.example/htxbot/zalo"
    assert webhook_path(zalo_webhook_url(prefixed)) == "/htxbot/zalo"
    bare = make_settings(tmp_path, ZALO_WEBHOOK_URL="https://zalo.lienminh.example")
    assert zalo_webhook_url(bare) == "https://zalo.lienminh.example/zalo/webhook"


def test_a_zalo_only_bot_needs_no_telegram_url(tmp_path: Path):
    zalo_only = {**BOTH, "TELEGRAM_BOT_TOKEN": ""}
    assert webhook_problem(make_settings(tmp_path, **zalo_only)) == NO_WEBHOOK_URL
    url = {"ZALO_WEBHOOK_URL": "https://lienminh.example/zalo"}
    assert webhook_problem(make_settings(tmp_path, **zalo_only, **url)) is None
    # With Telegram running too, Telegram's own URL is still required.
    assert webhook_problem(make_settings(tmp_path, **BOTH, **url)) == NO_WEBHOOK_URL


def test_both_channels_on_one_path_are_refused(tmp_path: Path):
    same = make_settings(
        tmp_path,
        **BOTH,
        HTXBOT_WEBHOOK_URL="https://lienminh.example/hook",
        ZALO_WEBHOOK_URL="https://other.example/hook/",
    )
    problem = webhook_problem(same)
    assert problem is not None and "/hook" in problem and "ZALO_WEBHOOK_URL" in problem
    apart = make_settings(
        tmp_path,
        **BOTH,
        HTXBOT_WEBHOOK_URL="https://lienminh.example/hook",
        ZALO_WEBHOOK_URL="https://lienminh.example/hook/zalo",
    )
    assert webhook_problem(apart) is None
    assert webhook_path(telegram_webhook_url("https://lienminh.example/hook")) == "/hook"
