"""Read the cells of a few sheets of an uploaded .xlsx workbook within fixed bounds; bottom layer.

Imports nothing from chiso but chiso.errors, so every room that reads spreadsheets can use it.

An .xlsx file is a zip of XML parts, and a crafted one can claim anything: a 1.5 KB file may declare
its sheet as A1:XFD1048576 (openpyxl then pads 17 billion empty cells), put one cell at row
1,048,576, hold one row with a million cells, or inflate a part to gigabytes. So before openpyxl
reads a sheet:

1. the file, each part and all parts together are bounded in size (`zipfile` never inflates a part
   past the size it declares) and DOCTYPE declarations (entity expansion) are refused;
2. the sheet's XML is scanned once as a stream (expat, constant memory) for the last row and column
   that hold a value; a value beyond `max_rows` / `max_columns` is refused with its cell reference,
   and so is a sheet of more than `max_cells` cells (openpyxl would parse each, even empty ones);
3. openpyxl (read-only, cached values) then reads exactly that rectangle, ignoring the sheet's
   declared `<dimension>`; text longer than `max_cell_chars` is refused, and escaped control
   characters (a carriage return is stored as `_x000D_`) are decoded as Excel decodes them.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl import load_workbook

from chiso.errors import InvalidInput, Problem

CellValue = str | int | float | bool | datetime | date | time | timedelta | None

_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")
#: How OOXML writes a control character XML cannot hold (a carriage return is _x000D_). openpyxl
#: decodes only `_x005F_` (a literal underscore), so the control characters are decoded here.
_ESCAPED = re.compile(r"_x(00[01][0-9A-Fa-f])_")
_XLSX_MAX_COLUMNS = 16_384
_XLSX_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class SheetLimits:
    """How much of a workbook is read at most; past any of these the file is refused, never truncated."""

    max_file_bytes: int = 20 * 2**20
    #: Inflated size of any one XML part (a sheet, the shared strings, the styles).
    max_part_bytes: int = 16 * 2**20
    max_total_bytes: int = 64 * 2**20
    max_parts: int = 1_000
    max_rows: int = 5_000
    max_columns: int = 64
    #: Cells in a sheet's XML, empty (formatted) ones included: openpyxl parses every one of them.
    max_cells: int = 200_000
    #: Excel's own limit for the text of one cell.
    max_cell_chars: int = 32_767


DEFAULT_LIMITS = SheetLimits()


@dataclass(frozen=True)
class Sheet:
    """The values of one sheet: row 1 first, each row without its trailing empty cells.

    Rows keep their spreadsheet numbers: `rows[i]` is row i + 1; empty rows in between are `()`.
    """

    name: str
    rows: tuple[tuple[CellValue, ...], ...]


def column_letter(index: int) -> str:
    """Return the spreadsheet letters of a 1-based column number (1 -> A, 28 -> AB)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _refuse(
    label: str, vi: str, en: str, *, row: int | None = None, column: str | None = None
) -> InvalidInput:
    return InvalidInput(
        f"Không đọc được tệp {label}",
        f"Cannot read {label}",
        [Problem(vi, en, file=label, row=row, column=column)],
    )


class _Beyond(Exception):
    def __init__(self, row: int, column: int) -> None:
        self.row, self.column = row, column


class _TooMany(Exception):
    pass


class _Extent:
    """A streaming scan of one sheet part: the last row and column holding a value."""

    def __init__(self, limits: SheetLimits) -> None:
        self.limits = limits
        self.row = self.column = 0
        self.last_row = self.last_column = 0
        self.in_cell = self.has_value = False
        self.cells = self.elements = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        self.elements += 1
        if self.elements > 4 * self.limits.max_cells:
            raise _TooMany
        if tag == "row":
            self.row = int(attrs["r"]) if attrs.get("r", "").isdigit() else self.row + 1
            self.column = 0
        elif tag == "c":
            self.cells += 1
            if self.cells > self.limits.max_cells:
                raise _TooMany
            match = _CELL_REF.fullmatch(attrs.get("r", ""))
            self.column = _column_number(match.group(1)) if match else self.column + 1
            self.in_cell, self.has_value = True, False
        elif tag in ("v", "is") and self.in_cell:
            self.has_value = True

    def end(self, name: str) -> None:
        if name.rpartition(":")[2] != "c":
            return
        self.in_cell = False
        if not self.has_value:
            return
        row, column = self.row, self.column
        if row > self.limits.max_rows or column > self.limits.max_columns:
            raise _Beyond(row, column)
        if row > _XLSX_MAX_ROWS or column > _XLSX_MAX_COLUMNS:
            raise _Beyond(row, column)
        self.last_row, self.last_column = max(self.last_row, row), max(self.last_column, column)


def _no_doctype(*_: Any) -> None:
    raise ValueError("DOCTYPE")


def _scan_extent(book: zipfile.ZipFile, part: str, sheet: str, label: str, limits: SheetLimits) -> _Extent:
    extent = _Extent(limits)
    parser = expat.ParserCreate()
    parser.StartElementHandler = extent.start
    parser.EndElementHandler = extent.end
    parser.StartDoctypeDeclHandler = _no_doctype
    where = f"{label} [{sheet}]"
    try:
        with book.open(part) as stream:
            while chunk := stream.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Beyond as beyond:
        raise _refuse(
            where,
            f"trang '{sheet}' có dữ liệu tại ô {column_letter(beyond.column)}{beyond.row}, ngoài giới hạn "
            f"{limits.max_rows} dòng x {limits.max_columns} cột; xóa các dòng, cột thừa rồi tải lên lại",
            f"sheet '{sheet}' has data in cell {column_letter(beyond.column)}{beyond.row}, beyond the limit "
            f"of {limits.max_rows} rows x {limits.max_columns} columns; delete the extra rows and columns",
            row=beyond.row,
            column=column_letter(beyond.column),
        ) from None
    except _TooMany:
        raise _refuse(
            where,
            f"trang '{sheet}' có hơn {limits.max_cells:,} ô (kể cả ô trống đã định dạng); "
            "xóa các dòng, cột thừa rồi tải lên lại",
            f"sheet '{sheet}' has more than {limits.max_cells:,} cells (formatted empty ones included); "
            "delete the extra rows and columns",
        ) from None
    except (expat.ExpatError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise _refuse(
            where, f"trang '{sheet}' bị hỏng ({exc})", f"sheet '{sheet}' is damaged ({exc})"
        ) from None
    return extent


def _check_parts(book: zipfile.ZipFile, label: str, limits: SheetLimits) -> None:
    infos = book.infolist()
    if len(infos) > limits.max_parts:
        raise _refuse(label, f"tệp có {len(infos)} thành phần", f"the file has {len(infos)} parts")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_part_bytes or total > limits.max_total_bytes:
            raise _refuse(
                label,
                f"phần {info.filename} quá lớn khi giải nén ({info.file_size:,} byte)",
                f"part {info.filename} is too large once inflated ({info.file_size:,} bytes)",
            )
        if info.filename.endswith((".xml", ".rels")):
            with book.open(info) as stream:
                head = stream.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise _refuse(
                    label,
                    f"phần {info.filename} khai báo DOCTYPE",
                    f"part {info.filename} declares a DOCTYPE",
                )


def _rels(book: zipfile.ZipFile, path: str) -> list[tuple[str, str, str]]:
    """Return (id, type, target part) of the relationships of part `path` ("" for the package)."""
    here = PurePosixPath(path)
    rels_path = str(here.parent / "_rels" / f"{here.name}.rels")
    if rels_path not in book.namelist():
        return []
    out = []
    for rel in ElementTree.fromstring(book.read(rels_path)).iter(f"{_PKG_NS}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else str(here.parent / target)
        out.append((rel.get("Id", ""), rel.get("Type", ""), part))
    return out


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Return sheet name -> zip part of its XML, in workbook order."""
    office = next(
        (t for _, kind, t in _rels(book, "") if kind.endswith("/officeDocument")), "xl/workbook.xml"
    )
    targets = {rel_id: part for rel_id, _, part in _rels(book, office)}
    parts = {}
    for sheet in ElementTree.fromstring(book.read(office)).iter():
        rel_id = sheet.get(f"{_REL_NS}id", "")
        if sheet.tag.rpartition("}")[2] == "sheet" and rel_id in targets:
            parts[sheet.get("name", "")] = targets[rel_id]
    return parts


def _read_bytes(source: str | Path | bytes, label: str, limits: SheetLimits) -> bytes:
    if isinstance(source, bytes):
        size = len(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise _refuse(label, "không có tệp này", "no such file")
        size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise _refuse(
            label,
            f"tệp lớn {size:,} byte, quá giới hạn {limits.max_file_bytes:,}",
            f"the file has {size:,} bytes, over the limit of {limits.max_file_bytes:,}",
        )
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def read_sheets(
    source: str | Path | bytes,
    *,
    names: Iterable[str] | None = None,
    first: bool = False,
    label: str | None = None,
    limits: SheetLimits = DEFAULT_LIMITS,
) -> dict[str, Sheet]:
    """Read the values of some sheets of an .xlsx workbook, safely bounded.

    Args:
        source: the path of the file or its bytes (an upload).
        names: the sheets wanted, matched ignoring case and surrounding spaces; None: every sheet.
            A wanted sheet the workbook lacks is left out of the answer (the caller decides).
        first: read only the first of the chosen sheets in workbook order (the others are never parsed).
        label: the file name used in messages (default: the path's name, or "workbook.xlsx").
        limits: the bounds; past any of them the file is refused, never silently cut.

    Returns:
        Sheet by the name asked for (by the workbook's own name when `names` is None), in workbook order.

    Raises:
        InvalidInput: not an .xlsx file, damaged, or past a limit; the problem names the file, the
            sheet and, where it applies, the cell.
    """
    label = label or (Path(source).name if not isinstance(source, bytes) else "workbook.xlsx")
    data = _read_bytes(source, label, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse(
            label,
            "không phải tệp Excel .xlsx; hãy mở bằng Excel và lưu lại dạng .xlsx",
            "not an .xlsx workbook; open it in Excel and save it as .xlsx",
        ) from None
    with archive:
        _check_parts(archive, label, limits)
        try:
            parts = _sheet_parts(archive)
        except (ElementTree.ParseError, KeyError) as exc:
            raise _refuse(label, f"tệp Excel bị hỏng ({exc})", f"the workbook is damaged ({exc})") from None
        wanted = {n.strip().casefold(): n for n in names} if names is not None else None
        chosen = {
            name: (wanted[name.strip().casefold()] if wanted is not None else name)
            for name in parts
            if wanted is None or name.strip().casefold() in wanted
        }
        if first:
            chosen = dict(list(chosen.items())[:1])
        extents = {name: _scan_extent(archive, parts[name], name, label, limits) for name in chosen}
    return {chosen[name]: sheet for name, sheet in _read_values(data, extents, label, limits).items()}


def _read_values(
    data: bytes, extents: dict[str, _Extent], label: str, limits: SheetLimits
) -> dict[str, Sheet]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise _refuse(label, f"tệp Excel bị hỏng ({exc})", f"the workbook is damaged ({exc})") from None
    try:
        out = {}
        for name, extent in extents.items():
            sheet = book[name]
            sheet.reset_dimensions()  # never trust the declared <dimension>
            rows: list[tuple[CellValue, ...]] = []
            if extent.last_row:
                cells = sheet.iter_rows(
                    min_row=1, max_row=extent.last_row, max_col=extent.last_column, values_only=True
                )
                for number, row in enumerate(cells, start=1):
                    rows.append(_trimmed(row, number, f"{label} [{name}]", limits))
            out[name] = Sheet(name, tuple(rows))
        return out
    finally:
        book.close()


def unescape_text(text: str) -> str:
    """Decode OOXML's escapes of control characters as Excel does (`a_x000D_b` is a, carriage return, b)."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _trimmed(row: tuple[Any, ...], number: int, where: str, limits: SheetLimits) -> tuple[CellValue, ...]:
    values = [unescape_text(v) if isinstance(v, str) else v for v in row]
    while values and (values[-1] is None or values[-1] == ""):
        values.pop()
    for index, value in enumerate(values, start=1):
        if isinstance(value, str) and len(value) > limits.max_cell_chars:
            raise _refuse(
                where,
                f"ô {column_letter(index)}{number} dài {len(value):,} ký tự, quá {limits.max_cell_chars:,}",
                f"cell {column_letter(index)}{number} holds {len(value):,} characters, "
                f"over {limits.max_cell_chars:,}",
                row=number,
                column=column_letter(index),
            )
    return tuple(values)
