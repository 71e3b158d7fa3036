"""Provinces and communes since 01/7/2025 (vietnam-provinces), found from what people type."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process
from vietnam_provinces import Province, Ward

from messages.textnorm import fold

OLD_PROVINCES = Path(__file__).resolve().parent / "data" / "old_provinces.yaml"
_PREFIX = re.compile(r"^(tinh|thanh pho|tp|xa|phuong|dac khu|p|x)\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    note: str = ""  # e.g. "Hà Giang (cũ)" when found through an old name
    guess: bool = False  # found by a similar name, not by its own or a known other one


def _key(name: str) -> str:
    """Folded, without punctuation ('Bà Rịa - Vũng Tàu' and 'ba ria vung tau' are one) and
    without a leading 'tỉnh', 'xã'…"""
    return _PREFIX.sub("", " ".join(_PUNCTUATION.sub(" ", fold(name)).split()))


@lru_cache(maxsize=1)
def provinces() -> dict[str, Place]:
    return {str(int(p.code)): Place(str(int(p.code)), p.name) for p in Province.iter_all()}


@lru_cache(maxsize=1)
def _old_names() -> dict[str, tuple[str, str]]:
    """Typed key → (current province code, the old name to mention, or "" for an alias)."""
    by_codename = {p.codename: str(int(p.code)) for p in Province.iter_all()}
    raw = yaml.safe_load(OLD_PROVINCES.read_text(encoding="utf-8"))
    names = {_key(old): (by_codename[new], old) for old, new in raw["merged"].items()}
    names.update({_key(alias): (by_codename[new], "") for alias, new in raw["aliases"].items()})
    current = {_key(p.name): (code, "") for code, p in provinces().items()}
    for spelling, name in raw["spellings"].items():
        names[_key(spelling)] = names.get(_key(name)) or current[_key(name)]
    return names


@lru_cache(maxsize=64)
def wards_of(province_code: str) -> dict[str, Place]:
    """The communes and wards of a province; none for a code that is not a province's."""
    try:
        code = Province.from_code(int(province_code)).code  # type: ignore[arg-type]
    except ValueError:  # a stored value from elsewhere must not break /toi
        return {}
    return {str(int(w.code)): Place(str(int(w.code)), w.name) for w in Ward.iter_by_province(code)}


def place_name(code: str | None, province_code: str | None = None) -> str:
    if not code:
        return ""
    found = wards_of(province_code).get(code) if province_code else provinces().get(code)
    return found.name if found else code


def _keys(name: str) -> tuple[str, ...]:
    """What a place may be typed as: its whole name, then each part of a name joined by " - "
    ('Phường Xuân Hương - Đà Lạt' is also 'xuan huong' and 'da lat'), all without the type word."""
    parts = name.split(" - ")
    keys = [_key(name)] + ([_key(part) for part in parts] if len(parts) > 1 else [])
    return tuple(dict.fromkeys(k for k in keys if k))


def _best(typed: str, places: dict[str, Place], limit: int) -> list[Place]:
    """The places whose name (or a part of it) is what was typed; else the closest ones. Several
    are all returned (up to `limit`), for the person to pick: 'da lat' is five wards."""
    wanted = _key(typed)
    if not wanted:
        return []
    keys = {(code, i): k for code, p in places.items() for i, k in enumerate(_keys(p.name))}
    # The whole name first, then a part of it; each place once.
    exact = sorted((i, code) for (code, i), k in keys.items() if k == wanted)
    if exact:
        return [places[code] for code in dict.fromkeys(code for _, code in exact)][:limit]
    found = process.extract(wanted, keys, scorer=fuzz.ratio, limit=None, score_cutoff=75)
    best = dict.fromkeys(code for _, _, (code, _) in found)  # by score, each place once
    return [replace(places[code], guess=True) for code in best][:limit]


def find_provinces(typed: str, limit: int = 5) -> list[Place]:
    """Closest current provinces; an old province name maps to the one it joined."""
    old = _old_names().get(_key(typed))
    if old is not None:
        code, old_name = old
        return [Place(code, provinces()[code].name, note=old_name)]
    return _best(typed, provinces(), limit)


def find_communes(province_code: str, typed: str, limit: int = 5) -> list[Place]:
    """Closest communes/wards of a province to what was typed."""
    return _best(typed, wards_of(province_code), limit)
