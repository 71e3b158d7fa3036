"""The htxbot command: run without a token, ask's JSON contract, the console chat."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.app import HtxApp
from bot.console import ConsoleChannel

ROOT = Path(__file__).resolve().parents[2]


def htxbot(*args: str, stdin: str = "", tmp: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HTXBOT_", "TELEGRAM_"))}
    clean.update({"HTXBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'cli.db'}", **env})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp,
        env={**clean, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_run_without_token_explains_and_fails(tmp_path: Path):
    result = htxbot("run", tmp=tmp_path)
    assert result.returncode != 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "htxbot chat" in result.stderr


def test_ask_json_reads_stdin_one_object_per_line(tmp_path: Path):
    result = htxbot(
        "ask",
        "--json",
        "--top",
        "2",
        "-",
        tmp=tmp_path,
        stdin="hợp tác xã cần mấy người\n\ndieu kien thanh lap htx\n",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["query"] for o in lines] == ["hợp tác xã cần mấy người", "dieu kien thanh lap htx"]
    for obj in lines:
        assert isinstance(obj["confident"], bool)
        assert 1 <= len(obj["answers"]) <= 2
        for ans in obj["answers"]:
            assert set(ans) == {"id", "title", "text", "score", "citations"}
            for c in ans["citations"]:
                assert set(c) == {"source", "article", "clause"}
                assert c["article"] is None or isinstance(c["article"], int)


def test_db_upgrade_and_kb_check(tmp_path: Path):
    result = htxbot("db", "upgrade", tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cli.db").exists()
    result = htxbot("kb", "check", tmp=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "KB hợp lệ" in result.stdout


async def test_console_chat_numbers_pick_buttons(app: HtxApp):
    out = io.StringIO()
    lines = iter(["6", "dieu kien thanh lap htx", "/thoat", "never read"])

    async def read() -> str | None:
        return next(lines, None)

    await ConsoleChannel(app, user_id="c1", out=out).run(read)
    text = out.getvalue()
    assert "1. 📖 Hỏi đáp luật HTX" in text  # the menu as numbered choices
    assert "Cách dùng" in text  # "6" picked Trợ giúp
    assert "Căn cứ:" in text  # a cited answer
    assert "<b>" not in text  # markup rendered as plain text
