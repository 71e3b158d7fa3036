"""Counts of registrations and progress against the year's targets per locality."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from messages.i18n import label
from messages.locations import place_name, wards_of
from storage.registrations import counts, founded_counts

Targets = dict[str, dict[str, int]]  # locality code (or "all") → {kind: target}
TOP_COMMUNES = 15  # of some 3,300 communes: the report must stay one chat message


def _lines(title: str, counted: dict[str, int], name: object = str) -> list[str]:
    lines = [f"<b>{title}</b>"]
    for key, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"• {name(key)}: {n}")  # type: ignore[operator]
    return lines


async def report_text(
    session: AsyncSession, *, year: int, targets: Targets, tz: str = "Asia/Ho_Chi_Minh"
) -> str:
    """The report staff read in the chat or on the command line (neutral markup)."""
    c = await counts(session, year, tz)
    lines = [f"<b>Báo cáo đăng ký thành lập năm {year}</b>: {c.total} đăng ký"]
    lines += _lines("Theo tỉnh/thành", c.by["province"], place_name)
    if c.by["commune"]:
        top = dict(sorted(c.by["commune"].items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_COMMUNES])
        title = f"Theo xã/phường ({len(top)}/{len(c.by['commune'])} nơi nhiều nhất)"
        lines += _lines(title, top, lambda code: _commune_name(code, c.by["province"]))
    lines += _lines("Theo loại hình", c.by["kind"], lambda k: label(f"kind_{k}"))
    lines += _lines("Theo lĩnh vực", c.by["sector"], lambda k: label(f"sector_{k}"))
    lines += _lines("Theo trạng thái", c.by["status"], lambda k: label(f"status_{k}"))
    lines += _lines("Theo tháng", c.by["month"])
    if targets:
        founded = await founded_counts(session, year, tz)
        lines.append(f"<b>Tiến độ so với chỉ tiêu năm {year}</b> (đã thành lập / chỉ tiêu)")
        for locality, wanted in sorted(targets.items()):
            done = founded.get(locality, {}) if locality != "all" else _sum(founded)
            name = "Toàn địa bàn" if locality == "all" else place_name(locality)
            parts = [
                f"{label(f'kind_{k}')} {done.get(k, 0)}/{n}" for k, n in sorted(wanted.items())
            ]
            lines.append(f"• {name}: " + ", ".join(parts))
    return "\n".join(lines)


def _commune_name(code: str, provinces: dict[str, int]) -> str:
    """'Phường Xuân Hương - Đà Lạt (Lâm Đồng)': commune codes are looked up per province."""
    for province in provinces:
        ward = wards_of(province).get(code)
        if ward is not None:
            return f"{ward.name} ({place_name(province)})"
    return code


def _sum(by_locality: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for kinds in by_locality.values():
        for kind, n in kinds.items():
            total[kind] = total.get(kind, 0) + n
    return total
