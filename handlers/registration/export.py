"""Registrations as files staff open in Excel: CSV (UTF-8 with BOM) or real XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from handlers.registration.fields import display_phone
from messages.i18n import label, label_or
from messages.locations import place_name
from storage.models import Registration

HEADER = (
    "Mã",
    "Ngày đăng ký",
    "Loại hình",
    "Họ tên",
    "Điện thoại",
    "Tỉnh/thành",
    "Xã/phường",
    "Lĩnh vực",
    "Sản phẩm",
    "Số thành viên dự kiến",
    "Cần hỗ trợ",
    "Gọi lúc",
    "Trạng thái",
    "Cán bộ nhận",
    "Ghi chú",
    "Cập nhật",
)


def safe_cell(value: str) -> str:
    """Text people typed, never a spreadsheet formula ('=HYPERLINK(…)' is shown as text)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def _row(r: Registration, tz: ZoneInfo) -> list[object]:
    def local(moment: datetime) -> datetime:
        return moment.astimezone(tz).replace(tzinfo=None)  # Excel has no time zones

    return [
        r.ref,
        local(r.created_at),
        label(f"kind_{r.kind}"),
        safe_cell(r.full_name),
        display_phone(r.phone) if r.phone else "",
        place_name(r.province_code),
        place_name(r.commune_code, r.province_code),
        label(f"sector_{r.sector}"),
        safe_cell(r.products),
        r.members_expected,
        ", ".join(label(f"support_{s}") for s in r.support),
        safe_cell(label_or(f"call_{r.call_time}", "vi", r.call_time)),
        label(f"status_{r.status}"),
        r.claimed_by or "",
        safe_cell("; ".join(r.notes)),
        local(r.updated_at),
    ]


def to_csv(rows: Iterable[Registration], tz: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    zone = ZoneInfo(tz)
    for r in rows:
        writer.writerow(
            [v.strftime("%d/%m/%Y %H:%M") if isinstance(v, datetime) else v for v in _row(r, zone)]
        )
    # The BOM makes Excel read the file as UTF-8 (Vietnamese letters intact).
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterable[Registration], tz: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Đăng ký"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    zone = ZoneInfo(tz)
    for r in rows:
        sheet.append(_row(r, zone))
    for col in ("B", "P"):
        for cell in sheet[col][1:]:
            cell.number_format = "dd/mm/yyyy hh:mm"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
