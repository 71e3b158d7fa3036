"""Class rosters and certificate lists as CSV (UTF-8 with BOM) or XLSX for Excel."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from handlers.registration.export import safe_cell
from handlers.registration.fields import display_phone
from messages.locations import place_name
from storage.models import Enrolment, TrainingClass, User

HEADER = ("STT", "Họ tên", "Điện thoại", "Tỉnh/thành", "Trạng thái", "Ngày đăng ký", "Có mặt")
STATE = {"enrolled": "Đã đăng ký", "waiting": "Danh sách chờ"}
PRESENT = {True: "Có", False: "Vắng", None: ""}


def _rows(people: list[tuple[Enrolment, User]], tz: str) -> list[list[object]]:
    zone = ZoneInfo(tz)
    return [
        [
            i,
            safe_cell(u.full_name or u.display_name),
            display_phone(u.phone) if u.phone else "",
            place_name(u.province_code),
            STATE.get(e.status, e.status),
            e.created_at.astimezone(zone).replace(tzinfo=None),
            PRESENT[e.attended],
        ]
        for i, (e, u) in enumerate(people, 1)
    ]


def roster_csv(cls: TrainingClass, people: list[tuple[Enrolment, User]], tz: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"Lớp {cls.id}: {cls.title}"])
    writer.writerow(HEADER)
    for row in _rows(people, tz):
        row[5] = f"{row[5]:%d/%m/%Y %H:%M}"
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


def roster_xlsx(cls: TrainingClass, people: list[tuple[Enrolment, User]], tz: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Lớp {cls.id}"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(people, tz):
        sheet.append(row)
    for cell in sheet["F"][1:]:
        cell.number_format = "dd/mm/yyyy hh:mm"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
