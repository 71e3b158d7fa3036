"""Logging set-up: one line per update; tokens never appear (they are only in URLs we hide)."""

from __future__ import annotations

import logging


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and Bot API URLs contain the token.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "telegram.ext"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
