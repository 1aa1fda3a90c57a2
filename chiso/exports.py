"""Cells that people open in spreadsheets: the formula-injection guard every export shares; bottom layer.

A downloaded CSV or workbook is opened in Excel by the same officers who typed its text into chiso.
Text that starts like a formula (=, +, -, @) must stay text there, or a comment such as
`=HYPERLINK(...)` would run on the reader's machine. Numbers stay numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# xlsxwriter options for every workbook chiso writes: strings are written as strings, never as formulas.
XLSX_OPTIONS: dict[str, Any] = {"strings_to_formulas": False}

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """Return the CSV text of a value; text a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    return "'" + text if _runs_as_formula(text) else text


def uncell(text: str) -> str:
    """Undo `csv_cell` on text read back from a file: drop the one quote it added, so exports re-import."""
    return text[1:] if text[:1] == "'" and _runs_as_formula(text[1:]) else text


def _runs_as_formula(text: str) -> bool:
    # Leading quotes are looked through, so a text that already starts with one is quoted once more
    # and `uncell(csv_cell(text)) == text` for every text.
    rest = text.lstrip("'")
    return rest[:1] in _FORMULA_STARTS and not _is_number(rest)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def guard_text(table: Any) -> Any:
    """Return a copy of a pandas table whose text cells went through `csv_cell`, for `to_csv`."""
    text_columns = [c for c in table.columns if table[c].dtype.kind not in "biufcmM"]  # not numbers, times
    guarded = table.copy()
    for column in text_columns:
        guarded[column] = guarded[column].map(lambda v: csv_cell(v) if isinstance(v, str) else v)
    return guarded
