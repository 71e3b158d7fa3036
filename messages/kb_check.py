"""`python -m messages.kb_check [FILE ...]`: validate knowledge-base files, print the errors."""

from __future__ import annotations

import sys
from pathlib import Path

from messages.kb import (
    KB_DIR,
    TRANSLATIONS,
    entry_files,
    load_documents,
    load_english,
    load_entry_files,
    validate,
    validate_english,
)
from messages.legal_refs import DEFAULT_LEGAL_DIR


def check(paths: list[Path], legal_dir: Path | None = DEFAULT_LEGAL_DIR) -> list[str]:
    """Errors in the given files (all KB files when none given); [] when valid."""
    documents = load_documents(KB_DIR)
    entries, errors = load_entry_files(paths or entry_files(KB_DIR))
    if legal_dir is not None and not legal_dir.is_dir():
        legal_dir = None
    errors += validate(entries, documents, legal_dir)
    if not paths:  # the translations name entries of every file
        errors += validate_english(entries, load_english(KB_DIR / TRANSLATIONS))
    return errors


def main(argv: list[str] | None = None) -> int:
    paths = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    errors = check(paths)
    for line in errors:
        print(line)
    print(f"{len(errors)} lỗi" if errors else "KB hợp lệ")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
