"""A framework as an .xlsx workbook (the province's annex), read and written; frameworks layer.

Imports chiso.errors and chiso.sheets (the bounded reader, a bottom-layer module) from chiso, plus
xlsxwriter; the table <-> framework conversion is chiso.frameworks.table (pure). Sheets: `Tiêu chí`
(one row per node), `Thông tin chung` (settings), `Xếp loại` (bands) and `Hướng dẫn` (this guide,
ignored on import). English sheet names (criteria, settings, bands) are read too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import IO, Any

import xlsxwriter
import yaml
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.worksheet import Worksheet

from chiso.errors import InvalidInput, Problem
from chiso.frameworks.columns import (
    BAND_COLUMNS,
    LABELS,
    NODE_COLUMNS,
    NONE_TEXT,
    RULE_LABELS_VI,
    SETTINGS_SHEET_COLUMNS,
    Column,
    header_key,
)
from chiso.frameworks.entry import UNIT_HINTS, UNIT_LABELS
from chiso.frameworks.loader import framework_from_dict
from chiso.frameworks.rules import RULE_PARAMS
from chiso.frameworks.schema import Framework
from chiso.frameworks.table import (
    BANDS_SHEET,
    CRITERIA_SHEET,
    SETTINGS_SHEET,
    FrameworkTables,
    TableRow,
    framework_from_tables,
    framework_to_tables,
    import_refused,
)
from chiso.sheets import Sheet, column_letter, read_sheets

GUIDE_SHEET = "Hướng dẫn"
#: Sheet -> the names it may have in an uploaded workbook.
_SHEET_NAMES = {
    CRITERIA_SHEET: (CRITERIA_SHEET, "criteria"),
    SETTINGS_SHEET: (SETTINGS_SHEET, "settings"),
    BANDS_SHEET: (BANDS_SHEET, "bands"),
}
#: Mirrors chiso.exports.XLSX_OPTIONS (frameworks sits below it and may not import it): text stays
#: text in Excel, never a formula or a link, whatever a guidance cell starts with.
_XLSX_OPTIONS: dict[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False}
_WIDE = {
    "name_vi": 46,
    "name_en": 36,
    "guidance_vi": 60,
    "guidance_en": 50,
    "evidence_vi": 50,
    "evidence_en": 40,
}


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"}
        )
        self.text = book.add_format({"text_wrap": True, "valign": "top"})
        self.date = book.add_format({"num_format": "dd/mm/yyyy", "valign": "top"})


def _write(sheet: Worksheet, row: int, col: int, value: Any, formats: _Formats) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime | date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), formats.date)
    else:
        sheet.write_string(row, col, str(value), formats.text)


def _write_table(
    book: xlsxwriter.Workbook, name: str, columns: Sequence[Column], rows: list[TableRow], formats: _Formats
) -> Worksheet:
    sheet = book.add_worksheet(name)
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.header, formats.header)
        sheet.set_column(col, col, _WIDE.get(column.key, 16 if column.kind != "text" else 30))
        if column.kind == "choice" and len(",".join(column.choices)) < 250:
            sheet.data_validation(1, col, 4999, col, {"validate": "list", "source": list(column.choices)})
    for row in rows:
        for col, column in enumerate(columns):
            _write(sheet, row.number - 1, col, row.cells.get(column.key), formats)
    sheet.freeze_panes(1, 1)
    return sheet


def _write_guide(book: xlsxwriter.Workbook, formats: _Formats) -> None:
    sheet = book.add_worksheet(GUIDE_SHEET)
    lines: list[tuple[str, ...]] = [
        ("Trang / sheet", "Cột / column", "Ý nghĩa", "Meaning"),
        (
            CRITERIA_SHEET,
            "",
            "Mỗi dòng một chỉ số chính, chỉ số thành phần hoặc tiêu chí; cột parent nối nó với chỉ số "
            "chứa nó. Ô trống: giá trị mặc định; 'none': cố ý để trống (ví dụ không giới hạn trên).",
            "One row per pillar, indicator or criterion; `parent` links it to the node above. An empty cell "
            "takes the default; 'none' means deliberately empty (e.g. no upper bound).",
        ),
    ]
    for column in NODE_COLUMNS:
        help_vi, help_en = LABELS.get(column.key, ("", "", "", ""))[2:]
        rules = (
            f" [{', '.join(column.rules)}]"
            if column.rules and column.key not in ("value_min", "value_max")
            else ""
        )
        lines.append(
            (
                CRITERIA_SHEET,
                column.header,
                f"{column.label_vi}. {help_vi}{rules}",
                f"{column.label_en}. {help_en}",
            )
        )
    lines.append(
        (SETTINGS_SHEET, "key / value", "Thông tin chung của bộ chỉ số, mỗi dòng một khóa", "Settings")
    )
    lines.append(
        (BANDS_SHEET, "code, label_vi, min, max", "Xếp loại theo tổng điểm: [từ, đến)", "Bands: [min, max)")
    )
    for key, cls in RULE_PARAMS.items():
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        lines.append(("rule", key, RULE_LABELS_VI.get(key, ""), doc))
    for unit, (vi, en) in UNIT_LABELS.items():
        lines.append(("unit", unit, f"{vi}: {UNIT_HINTS[unit][0]}", f"{en}: {UNIT_HINTS[unit][1]}"))
    for row, line in enumerate(lines):
        for col, text in enumerate(line):
            sheet.write_string(row, col, text, formats.header if row == 0 else formats.text)
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 3, 70)


def write_framework_xlsx(framework: Framework, target: str | Path | IO[bytes]) -> None:
    """Write a framework as the annex workbook; `read_framework_xlsx` of it is the same framework.

    Args:
        framework: the framework to export.
        target: a file path, or a binary stream (e.g. BytesIO for a download).

    Raises:
        InvalidInput: the file cannot be written (no such folder, no permission).
    """
    tables = framework_to_tables(framework)
    book = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target, {**_XLSX_OPTIONS, "in_memory": True}
    )
    formats = _Formats(book)
    _write_table(book, CRITERIA_SHEET, NODE_COLUMNS, tables.criteria, formats)
    settings = _write_table(book, SETTINGS_SHEET, SETTINGS_SHEET_COLUMNS, tables.settings, formats)
    settings.set_column(1, 1, 50)
    settings.set_column(2, 2, 70)
    _write_table(book, BANDS_SHEET, BAND_COLUMNS, tables.bands, formats)
    _write_guide(book, formats)
    try:
        book.close()
    except FileCreateError as exc:
        why = getattr(exc.args[0] if exc.args else exc, "strerror", None) or str(exc)
        raise InvalidInput(f"Không ghi được tệp {target}: {why}", f"Cannot write {target}: {why}") from None


def write_template_xlsx(target: str | Path | IO[bytes]) -> None:
    """Write the blank annex a province fills in: the example framework's rows show each kind of criterion."""
    write_framework_xlsx(template_framework(), target)


def template_framework() -> Framework:
    """Return the small example framework behind the template (one pillar, one criterion per common rule)."""
    text = resources.files("chiso.frameworks").joinpath("template.yaml").read_text("utf-8")
    return framework_from_dict(yaml.safe_load(text))


def _header(sheet: Sheet, columns: Sequence[Column], where: str, problems: list[Problem]) -> dict[int, str]:
    """Return column index -> key from row 1, reporting unknown, repeated and unnamed columns."""
    keys: dict[int, str] = {}
    header = sheet.rows[0] if sheet.rows else ()
    for index, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        key = header_key(cell, columns)
        letter = column_letter(index + 1)
        if key is None:
            known = ", ".join(c.key for c in columns)
            problems.append(
                Problem(
                    f"không có cột '{cell}' (có: {known})",
                    f"unknown column '{cell}' (known: {known})",
                    file=where,
                    row=1,
                    column=letter,
                )
            )
        elif key in keys.values():
            problems.append(
                Problem(f"cột {key} bị lặp", f"column {key} appears twice", file=where, row=1, column=letter)
            )
        else:
            keys[index] = key
    named = {i for i, cell in enumerate(header) if cell is not None and str(cell).strip()}
    for number, row in enumerate(sheet.rows[1:], start=2):
        stray = next((i for i, v in enumerate(row) if v not in (None, "") and i not in named), None)
        if stray is not None:
            problems.append(
                Problem(
                    "có dữ liệu dưới cột không có tiêu đề",
                    "data under a column without a header",
                    file=where,
                    row=number,
                    column=column_letter(stray + 1),
                )
            )
            break
    return keys


def _rows(
    sheet: Sheet | None, columns: Sequence[Column], where: str, problems: list[Problem]
) -> list[TableRow]:
    if sheet is None:
        return []
    keys = _header(sheet, columns, where, problems)
    return [
        TableRow(number, {key: row[i] for i, key in keys.items() if i < len(row)})
        for number, row in enumerate(sheet.rows[1:], start=2)
        if any(v not in (None, "") for v in row)
    ]


def read_framework_xlsx(source: str | Path | bytes, *, name: str | None = None) -> Framework:
    """Read a framework from the annex workbook, all of it or nothing.

    Args:
        source: the .xlsx path or its bytes (an upload).
        name: the file name the problems name (default: the path's name).

    Returns:
        The framework, checked as fully as `chiso framework check` checks a YAML file.

    Raises:
        InvalidInput: every problem, each naming the file, sheet, row and column
            (e.g. "annex.xlsx [Tiêu chí], dòng/row 14, cột/column max_points: ...").
    """
    label = name or (Path(source).name if not isinstance(source, bytes) else "framework.xlsx")
    wanted = [n for names in _SHEET_NAMES.values() for n in names]
    found = read_sheets(source, names=wanted, label=label)
    sheets = {
        sheet: next((found[n] for n in names if n in found), None) for sheet, names in _SHEET_NAMES.items()
    }
    problems: list[Problem] = []
    for sheet in (CRITERIA_SHEET, SETTINGS_SHEET):
        if sheets[sheet] is None:
            problems.append(Problem(f"thiếu trang '{sheet}'", f"the sheet '{sheet}' is missing", file=label))
    tables = FrameworkTables(
        settings=_rows(
            sheets[SETTINGS_SHEET], SETTINGS_SHEET_COLUMNS, f"{label} [{SETTINGS_SHEET}]", problems
        ),
        bands=_rows(sheets[BANDS_SHEET], BAND_COLUMNS, f"{label} [{BANDS_SHEET}]", problems),
        criteria=_rows(sheets[CRITERIA_SHEET], NODE_COLUMNS, f"{label} [{CRITERIA_SHEET}]", problems),
    )
    if problems:
        raise import_refused(label, problems)
    return framework_from_tables(tables, file=label)


__all__ = [
    "GUIDE_SHEET",
    "NONE_TEXT",
    "read_framework_xlsx",
    "template_framework",
    "write_framework_xlsx",
    "write_template_xlsx",
]
