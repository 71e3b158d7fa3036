"""Row ids as people type them or buttons carry them."""

from __future__ import annotations

# The largest id every id column holds (PostgreSQL's integer); SQLite refuses past 2**63.
MAX_ID = 2**31 - 1


def as_id(text: str | None) -> int | None:
    """A row id: digits only, 1 to MAX_ID. None otherwise, so '/dslop 99999999999999999999'
    is a class that does not exist, not a database error."""
    if not text or not text.isdecimal() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
