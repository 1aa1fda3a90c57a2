"""The plain one-sheet workbooks of the follow-up (targets, action plans): written and read the same way.

Domain layer; xlsxwriter writes with chiso.exports' options (text stays text), chiso.sheets reads.
A workbook is a bold header row (each column's help as a note), one row per object; an upload is read
all or nothing, every bad cell reported with its row and column.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter

from chiso.errors import InvalidInput, Problem
from chiso.exports import XLSX_OPTIONS


def write_workbook(
    *,
    sheet_name: str,
    columns: Sequence[str],
    notes: dict[str, str],
    widths: dict[str, int],
    width: int,
    rows: Iterable[Sequence[Any]],
) -> bytes:
    """Return an .xlsx workbook of one sheet: the header row with `notes`, then `rows` (numbers as numbers).

    Args:
        widths: a column's width by name; `width` for the others.
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **XLSX_OPTIONS})
    sheet = book.add_worksheet(sheet_name)
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4"})
    for col, name in enumerate(columns):
        sheet.write_string(0, col, name, bold)
        if name in notes:
            sheet.write_comment(0, col, notes[name])
        sheet.set_column(col, col, widths.get(name, width))
    for r, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, "" if value is None else str(value))
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def cell_value(value: Any) -> Any:
    """Return a read cell as the input models take it: days as ISO text, blank text as None."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    return value


def header_of(rows: Sequence[Sequence[Any]], *, required: Sequence[str], filename: str) -> list[str]:
    """Return the header row's column names (stripped).

    Raises:
        InvalidInput: a required column is missing (each named, on row 1).
    """
    header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else ())]
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(
            f"{filename}: thiếu cột {', '.join(missing)}",
            f"{filename}: missing columns {', '.join(missing)}",
            [Problem("Thiếu cột", "Missing column", file=filename, column=c, row=1) for c in missing],
        )
    return header


def refuse_problems(problems: list[Problem], *, filename: str) -> None:
    """Refuse the whole upload when any row had a problem.

    Raises:
        InvalidInput: every problem listed; nothing is saved.
    """
    if problems:
        raise InvalidInput(
            f"{filename}: {len(problems)} lỗi, chưa lưu gì",
            f"{filename}: {len(problems)} problems, nothing saved",
            problems,
        )
