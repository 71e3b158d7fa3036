"""Four rooms: handlers/, storage/, messages/ never import telegram, a Zalo client or bot."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"telegram", "bot", "zalo", "httpx", "aiohttp"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_inner_rooms_do_not_import_channels_or_bot():
    offenders = []
    for room in ("handlers", "storage", "messages"):
        for path in (ROOT / room).rglob("*.py"):
            bad = imported_roots(path) & FORBIDDEN
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_storage_and_messages_do_not_import_handlers():
    offenders = [
        str(path.relative_to(ROOT))
        for room in ("storage", "messages")
        for path in (ROOT / room).rglob("*.py")
        if "handlers" in imported_roots(path)
    ]
    assert offenders == []


def test_only_settings_reads_the_environment():
    readers = [
        str(path.relative_to(ROOT))
        for room in ("bot", "handlers", "storage", "messages")
        for path in (ROOT / room).rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8")
        or "getenv" in path.read_text(encoding="utf-8")
    ]
    assert readers == []
