"""The department's Excel template: one sheet per department and period, filled in and uploaded back.

Indicators room; xlsxwriter writes (with chiso.exports' options, so no text runs as a formula),
chiso.sheets reads within bounds. A sheet names its agency in B1 and its period in B2; from row 5, one
row per indicator and unit with last period's value and the target beside the value to type. An upload
may hold several sheets; it is imported all or nothing through `values.enter_values` (channel
"excel"), every problem named by file, sheet, row and column in both languages. An outlier must be
marked in the "confirm" column (with a note) or the upload is refused listing it; `dry_run` checks only.
"""

from __future__ import annotations

import io
import re
from typing import Any

import xlsxwriter
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.errors import InvalidInput, Problem
from chiso.exports import XLSX_OPTIONS
from chiso.indicators.entry import EntrySheet
from chiso.indicators.schemas import ValueIn
from chiso.indicators.value_checks import parse_number
from chiso.indicators.values import EntryReport, enter_values
from chiso.sheets import column_letter, read_sheets

COLUMNS = (
    ("indicator_code", "Mã chỉ tiêu"),
    ("indicator_name", "Tên chỉ tiêu"),
    ("unit_code", "Mã đơn vị"),
    ("unit_name", "Đơn vị"),
    ("measure", "Đơn vị tính"),
    ("previous", "Kỳ trước"),
    ("target", "Chỉ tiêu năm"),
    ("value", "Giá trị"),
    ("note", "Ghi chú"),
    ("confirm", "Xác nhận (x)"),
)
HEADER_ROW = 4  # 1-based: the column keys; values from the next row
_KEY = re.compile(r"\((\w+)\)\s*$")
_YES = {"x", "1", "có", "co", "yes", "y", "true", "đúng", "dung"}


def sheet_name(agency_code: str, period: str) -> str:
    """Return a valid worksheet name for a department and period (31 characters, no []:*?/\\)."""
    return re.sub(r"[\[\]:*?/\\]", "-", f"{agency_code} {period}")[:31]


def write_template(sheets: list[EntrySheet]) -> bytes:
    """Return the template workbook: one sheet per (department, period), prefilled as the page shows it."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **XLSX_OPTIONS})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4", "text_wrap": True})
    given = book.add_format({"bg_color": "#FFF7D6"})
    for entry in sheets:
        _write_sheet(book.add_worksheet(sheet_name(entry.agency_code, entry.period)), entry, bold, given)
    book.close()
    return buffer.getvalue()


def _write_sheet(sheet: Any, entry: EntrySheet, bold: Any, given: Any) -> None:
    sheet.write_string(0, 0, "Cơ quan / Agency", bold)
    sheet.write_string(0, 1, entry.agency_code)
    sheet.write_string(0, 2, entry.agency_name_vi)
    sheet.write_string(1, 0, "Kỳ / Period", bold)
    sheet.write_string(1, 1, entry.period)
    sheet.write_string(1, 2, entry.period_label)
    sheet.write_string(
        2,
        0,
        "Nhập cột Giá trị; để trống là chưa có số liệu. Giá trị bất thường: ghi chú và đánh x ở cột "
        "Xác nhận. / Fill the Giá trị (value) column; empty means no data. Unusual values: add a note "
        "and an x in Xác nhận.",
    )
    for col, (key, label) in enumerate(COLUMNS):
        sheet.write_string(HEADER_ROW - 1, col, f"{label} ({key})", bold)
        sheet.set_column(col, col, 40 if key in ("indicator_name", "unit_name", "note") else 14)
    for r, row in enumerate(entry.rows, start=HEADER_ROW):
        cells: dict[str, Any] = {
            "indicator_code": row.indicator_code,
            "indicator_name": row.indicator_name_vi,
            "unit_code": row.unit_code,
            "unit_name": row.unit_name,
            "measure": row.measure,
            "previous": row.previous,
            "target": row.target,
            "value": row.value,
            "note": row.note,
            "confirm": "x" if row.status == "confirmed" else None,
        }
        for col, (key, _) in enumerate(COLUMNS):
            value = cells[key]
            style = None if key in ("value", "note", "confirm") else given
            if isinstance(value, int | float):
                sheet.write_number(r, col, value, style)
            elif value is not None:
                sheet.write_string(r, col, str(value), style)
    sheet.freeze_panes(HEADER_ROW, 3)


class _Upload:
    """The values read from an upload, where each came from, and the problems found while reading."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.values: list[ValueIn] = []
        self.where: list[tuple[str, int, dict[str, str]]] = []  # sheet, row, key -> column letter
        self.problems: list[Problem] = []

    def problem(self, sheet: str, row: int | None, column: str | None, vi: str, en: str) -> None:
        self.problems.append(Problem(vi, en, file=f"{self.filename} [{sheet}]", row=row, column=column))

    def locate(self, i: int, field: str) -> dict[str, Any]:
        sheet, row, columns = self.where[i]
        if field == "period":
            return {"file": f"{self.filename} [{sheet}]", "row": 2, "column": "B"}
        column = columns.get(field) or columns.get("value")
        return {"file": f"{self.filename} [{sheet}]", "row": row, "column": column}


def _read_sheet(upload: _Upload, name: str, rows: tuple[tuple[Any, ...], ...]) -> None:
    head = {r: (rows[r - 1] if len(rows) >= r else ()) for r in (1, 2, HEADER_ROW)}
    agency = str(head[1][1]).strip() if len(head[1]) > 1 and head[1][1] is not None else ""
    period = str(head[2][1]).strip() if len(head[2]) > 1 and head[2][1] is not None else ""
    if not agency or not period:
        upload.problem(
            name,
            1 if not agency else 2,
            "B",
            "Thiếu mã cơ quan (B1) hoặc kỳ (B2) của mẫu",
            "The template's agency code (B1) or period (B2) is missing",
        )
        return
    keys = [(_KEY.search(str(c or "")) or [None, None])[1] for c in head[HEADER_ROW]]
    columns = {k: column_letter(i + 1) for i, k in enumerate(keys) if k}
    missing = [k for k in ("indicator_code", "unit_code", "value") if k not in columns]
    if missing:
        upload.problem(
            name,
            HEADER_ROW,
            None,
            f"Thiếu cột {', '.join(missing)}: dùng mẫu tải từ trang nhập số liệu",
            f"Missing columns {', '.join(missing)}: use the template downloaded from the entry page",
        )
        return
    index = {k: i for i, k in enumerate(keys) if k}
    for number, raw in enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1):
        cell = {k: (raw[i] if i < len(raw) else None) for k, i in index.items()}
        value = parse_number(cell.get("value"))
        if value is None or not cell.get("indicator_code"):
            continue
        if isinstance(value, str):
            upload.problem(
                name, number, columns["value"], f"'{value}' không phải là số", f"'{value}' is not a number"
            )
            continue
        note = str(cell.get("note")).strip() if cell.get("note") not in (None, "") else None
        upload.values.append(
            ValueIn(
                indicator_code=str(cell["indicator_code"]).strip(),
                unit_code=str(cell.get("unit_code") or "").strip(),
                period=period,
                value=value,
                note=note,
                confirm=str(cell.get("confirm") or "").strip().casefold() in _YES
                or cell.get("confirm") is True,
            )
        )
        upload.where.append((name, number, columns))


def import_values(
    session: Session,
    *,
    data: bytes,
    filename: str,
    actor: Actor,
    province_code: str | None = None,
    dry_run: bool = False,
) -> EntryReport:
    """Import a filled template, every sheet, all or nothing.

    Args:
        session: the open session (flushed, not committed).
        data: the .xlsx file's bytes.
        filename: its name, for the problems.
        actor: who uploads (a reporter may only fill its own agency's indicators).
        province_code: the province of the units (default: the actor's).
        dry_run: check everything and answer what would be saved, save nothing.

    Raises:
        InvalidInput: a bad cell, a wrong unit or period, or an outlier without an x in "Xác nhận";
            each problem names file, sheet, row and column; nothing is saved.
        PermissionDenied: a sheet with indicators the actor may not enter.
    """
    upload = _Upload(filename)
    for name, sheet in read_sheets(data, label=filename).items():
        _read_sheet(upload, name, sheet.rows)
    if upload.problems:
        raise InvalidInput(
            f"{filename}: {len(upload.problems)} lỗi, chưa lưu gì",
            f"{filename}: {len(upload.problems)} problems, nothing saved",
            upload.problems,
        )
    if not upload.values:
        raise InvalidInput(
            f"{filename}: không có giá trị nào để nhập (cột Giá trị trống)",
            f"{filename}: no values to import (the value column is empty)",
        )
    report = enter_values(
        session,
        values=upload.values,
        actor=actor,
        channel="excel",
        province_code=province_code,
        dry_run=True,
        locate=upload.locate,
    )
    unconfirmed = [
        (i, r) for i, r in enumerate(report.results) if r.status == "flagged" and r.action != "unchanged"
    ]
    if unconfirmed:
        raise InvalidInput(
            f"{filename}: {len(unconfirmed)} giá trị bất thường chưa xác nhận; "
            "ghi chú và đánh x ở cột Xác nhận",
            f"{filename}: {len(unconfirmed)} unusual values not confirmed; add a note and an x in Xác nhận",
            [
                _unconfirmed(
                    upload, i, r.flag.message_vi if r.flag else "", r.flag.message_en if r.flag else ""
                )
                for i, r in unconfirmed
            ],
        )
    if dry_run:
        return report
    return enter_values(
        session,
        values=upload.values,
        actor=actor,
        channel="excel",
        province_code=province_code,
        locate=upload.locate,
    )


def _unconfirmed(upload: _Upload, i: int, vi: str, en: str) -> Problem:
    where = upload.locate(i, "confirm")
    code = upload.values[i].indicator_code
    return Problem(f"{code}: {vi}", f"{code}: {en}", **where)
