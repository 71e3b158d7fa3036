"""Checking and normalising what people type: names and Vietnamese phone numbers."""

from __future__ import annotations

import re
import unicodedata

KINDS = ("htx", "tht", "lhhtx", "chua_ro")
SECTORS = (
    "trong_trot",
    "chan_nuoi",
    "thuy_san",
    "lam_nghiep",
    "dich_vu_nn",
    "che_bien",
    "thu_cong",
    "thuong_mai",
    "du_lich",
    "moi_truong",
    "y_te",
    "truong_hoc",
    "cho",
    "van_tai",
    "khac",
)
SUPPORTS = ("tu_van", "vay_von", "dao_tao", "xuc_tien", "nhan_hieu", "khac")
CALL_TIMES = ("sang", "chieu", "toi", "bat_ky")
# Minimum founding members by the 2023 law (Điều 4 khoản 7, 8, 21 Luật HTX 2023).
MINIMUM_MEMBERS = {"htx": 5, "lhhtx": 3, "tht": 2}


def clean_name(text: str) -> str | None:
    """A full name: letters (diacritics kept) and single spaces, 2–80 characters; else None."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not 2 <= len(name) <= 80:
        return None
    if not all(c == " " or unicodedata.category(c).startswith("L") for c in name):
        return None
    return name


def normalise_phone(text: str) -> str | None:
    """'0912 345 678', '+84 912345678', '84912345678' → '+84912345678'; None if not valid."""
    digits = re.sub(r"[\s.\-()]", "", text.strip())
    if digits.startswith("+84"):
        rest = digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        rest = digits[2:]
    elif digits.startswith("0") and len(digits) == 10:
        rest = digits[1:]
    else:
        return None
    if not (rest.isdecimal() and len(rest) == 9 and rest[0] != "0"):
        return None
    return "+84" + rest


def display_phone(e164: str) -> str:
    """'+84912345678' → '0912 345 678' (how Vietnamese people write it)."""
    if not e164.startswith("+84"):
        return e164
    local = "0" + e164[3:]
    return f"{local[:4]} {local[4:7]} {local[7:]}"
