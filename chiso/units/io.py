"""Agency files: read and write CSV/Excel tables and detect their encoding; a domain helper.

Imports chiso.errors, chiso.exports and chiso.sheets only; never chiso.store, chiso.web or chiso.cli.
`read_table` turns a file into rows (it never writes); `write_table` writes rows; the rules live in
chiso.units.agency_parse and chiso.units.agency_checks.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
import xlsxwriter.exceptions

from chiso.errors import InvalidInput, Problem
from chiso.exports import XLSX_OPTIONS, csv_cell, uncell
from chiso.sheets import SheetLimits, read_sheets

# The columns of an agency file, in the order export writes them.
COLUMNS = (
    "code",
    "name_vi",
    "name_en",
    "kind",
    "parent_code",
    "unit_code",
    "province_code",
    "valid_from",
    "valid_to",
    "predecessor_codes",
    "link_kind",
    "link_date",
    "groups",
    "period",
)
REQUIRED_COLUMNS = ("code", "name_vi", "kind")
# Columns the web's agency download (/agencies.csv) adds for people to read: the import accepts them and
# checks that they still name the row's parent and unit (changing parent_code or unit_code is how a
# parent or unit changes), so a downloaded list imports back as it is.
DESCRIPTIVE_COLUMNS = ("parent_name", "unit_name")
LIST_SEPARATOR = ";"
PERIOD_SEPARATOR = ":"  # "2024:SBN" = group SBN of period 2024

KIND_LABELS_VI = {
    "department": "sở, ban, ngành",
    "central": "cơ quan Trung ương",
    "district": "UBND cấp huyện",
    "commune": "UBND cấp xã",
    "other": "khác",
}


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    """The rows of one file: header as written, and each data row with its spreadsheet row number."""

    file: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    encoding: str = ""


def _vietnamese_letters() -> frozenset[str]:
    """Every precomposed Vietnamese letter (with or without tone), both cases."""
    bases = "aăâeêioôơuưy"
    tones = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    out = {"đ", "Đ"}
    for base in bases:
        for tone in tones:
            letter = unicodedata.normalize("NFC", base + tone)
            out.update({letter, letter.upper()})
    return frozenset(out)


_VN_LETTERS = _vietnamese_letters()
# Characters a Vietnamese agency file may hold after decoding: ASCII, Vietnamese letters, a few marks.
_PLAUSIBLE_EXTRA = frozenset("–—‘’“”…°·•«»€£§©®±×÷\u00a0")


def _implausible_chars(text: str) -> list[str]:
    """Characters that a correctly decoded Vietnamese file should not contain."""
    bad = {ch for ch in text if ord(ch) >= 128 and ch not in _VN_LETTERS and ch not in _PLAUSIBLE_EXTRA}
    return sorted(bad)


def _encoding_problem(file: str, detail_vi: str, detail_en: str) -> InvalidInput:
    return InvalidInput(
        "Không đọc được tệp: sai bảng mã",
        "Cannot read the file: wrong encoding",
        [
            Problem(
                f"{detail_vi}. Hãy lưu lại tệp với bảng mã UTF-8 (Excel: Lưu thành > CSV UTF-8) "
                "hoặc Windows-1258, hoặc dùng tệp .xlsx",
                f"{detail_en}. Save the file as UTF-8 (Excel: Save As > CSV UTF-8) or Windows-1258, "
                "or use an .xlsx file",
                file=file,
            )
        ],
    )


def decode_csv_bytes(data: bytes, *, file: str) -> tuple[str, str]:
    """Decode a CSV file's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1258.

    Windows-1258 writes tones as combining marks that Python's codec does not compose, so the text
    is normalised to NFC. A file in another legacy encoding (TCVN3/ABC, VNI, Latin-1) is refused.

    Args:
        data: the raw bytes.
        file: the file name, for messages.

    Returns:
        (text in NFC, name of the encoding detected).

    Raises:
        InvalidInput: the bytes are in an encoding we cannot read safely.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return unicodedata.normalize("NFC", data[3:].decode("utf-8")), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _encoding_problem(
                file,
                f"Tệp có dấu BOM UTF-8 nhưng byte {exc.start} không phải UTF-8",
                f"The file starts with a UTF-8 BOM but byte {exc.start} is not UTF-8",
            ) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as exc:
            raise _encoding_problem(file, "Tệp UTF-16 bị hỏng", "The UTF-16 file is damaged") from exc
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        raise _encoding_problem(
            file,
            f"Tệp không phải UTF-8 cũng không phải Windows-1258 (byte 0x{data[exc.start]:02x} "
            f"ở vị trí {exc.start})",
            f"The file is neither UTF-8 nor Windows-1258 (byte 0x{data[exc.start]:02x} at {exc.start})",
        ) from exc
    bad = _implausible_chars(text)
    if bad or any(unicodedata.combining(ch) for ch in text):
        shown = " ".join(bad[:8]) or "dấu rời / stray accents"
        raise _encoding_problem(
            file,
            f"Tệp không phải UTF-8; đọc theo Windows-1258 ra ký tự lạ ({shown}) - có lẽ là TCVN3 (ABC) "
            "hoặc VNI",
            f"The file is not UTF-8; read as Windows-1258 it shows foreign characters ({shown}) - "
            "probably TCVN3 (ABC) or VNI",
        )
    return text, "cp1258"


def _normalise_header(name: str) -> str:
    return re.sub(r"\s+", "_", unicodedata.normalize("NFC", name).strip().lower())


def _read_csv(path: Path) -> Table:
    text, encoding = decode_csv_bytes(path.read_bytes(), file=path.name)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = list(reader)
    if not lines:
        return Table(path.name, [], [], encoding)
    header = [_normalise_header(h) for h in lines[0]]
    rows = []
    for number, values in enumerate(lines[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        padded = list(values) + [""] * (len(header) - len(values))
        row = {col: uncell(padded[i].strip()) for i, col in enumerate(header) if col}
        extra = [v for v in padded[len(header) :] if v.strip()]
        if extra:
            row["\0extra"] = LIST_SEPARATOR.join(extra)
        rows.append((number, row))
    return Table(path.name, header, rows, encoding)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


#: An agency list is a few thousand rows of 14 columns; a national one tens of thousands.
AGENCY_SHEET_LIMITS = SheetLimits(max_rows=60_000, max_columns=64, max_cells=1_500_000)


def _read_xlsx(path: Path) -> Table:
    """Read the sheet `agencies` (or the first sheet) within bounds; the declared dimension is ignored."""
    found = read_sheets(path, names=["agencies"], limits=AGENCY_SHEET_LIMITS) or read_sheets(
        path, first=True, limits=AGENCY_SHEET_LIMITS
    )
    sheet = next(iter(found.values()), None)
    lines = [[_cell_text(v) for v in row] for row in sheet.rows] if sheet else []
    if not lines:
        return Table(path.name, [], [], "xlsx")
    header = [_normalise_header(h) for h in lines[0]]
    while header and not header[-1]:
        header.pop()
    rows = []
    for number, values in enumerate(lines[1:], start=2):
        if not any(values):
            continue
        padded = values + [""] * (len(header) - len(values))
        row = {col: padded[i] for i, col in enumerate(header) if col}
        extra = [v for v in padded[len(header) :] if v]
        if extra:
            row["\0extra"] = LIST_SEPARATOR.join(extra)
        rows.append((number, row))
    return Table(path.name, header, rows, "xlsx")


def read_table(path: str | Path) -> Table:
    """Read a CSV or .xlsx file into a Table (header normalised to lower_snake_case).

    Args:
        path: a .csv (UTF-8 with/without BOM, UTF-16, Windows-1258) or .xlsx file.

    Returns:
        The Table; blank rows are skipped, row numbers are the spreadsheet's (header = row 1).

    Raises:
        InvalidInput: missing file, unknown extension, unreadable bytes or encoding.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(
            f"Không tìm thấy tệp {path}",
            f"No such file: {path}",
            [Problem("Không có tệp", "No file", file=str(path))],
        )
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise InvalidInput(
        "Định dạng tệp không được hỗ trợ",
        "Unsupported file type",
        [
            Problem(
                f"Phần mở rộng {suffix or '(không có)'} không được hỗ trợ; dùng .csv hoặc .xlsx "
                "(tệp .xls cũ: mở bằng Excel và lưu thành .xlsx)",
                f"Extension {suffix or '(none)'} is not supported; use .csv or .xlsx "
                "(an old .xls: open it in Excel and save it as .xlsx)",
                file=path.name,
            )
        ],
    )


def write_table(path: str | Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    """Write rows as CSV (UTF-8 with BOM, so Excel shows the accents) or .xlsx (every cell as text).

    Args:
        path: target file; the extension (.csv or .xlsx) chooses the format.
        columns: the header, in order.
        rows: dicts keyed by column; missing keys are written empty.

    Raises:
        InvalidInput: unknown extension.
    """
    path = Path(path)
    try:
        _write_table(path, columns, rows)
    except OSError as exc:
        raise InvalidInput(
            f"Không ghi được tệp {path}",
            f"Cannot write the file {path}",
            [Problem(f"{exc.strerror or exc}", f"{exc.strerror or exc}", file=str(path))],
        ) from exc


def _write_table(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    suffix = path.suffix.lower()
    data = [[row.get(c, "") or "" for c in columns] for row in rows]
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows([csv_cell(v) for v in values] for values in data)
        return
    if suffix == ".xlsx":
        book = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
        try:
            sheet = book.add_worksheet("agencies")
            bold = book.add_format({"bold": True})
            text_format = book.add_format({"num_format": "@"})
            for col, name in enumerate(columns):
                sheet.write_string(0, col, name, bold)
                width = max([len(name)] + [len(r[col]) for r in data[:500]])
                sheet.set_column(col, col, min(60, width + 2), text_format)
            for r, values in enumerate(data, start=1):
                for col, value in enumerate(values):
                    if value:
                        sheet.write_string(r, col, value)
            sheet.freeze_panes(1, 0)
        finally:
            try:
                book.close()
            except xlsxwriter.exceptions.FileCreateError as exc:
                raise OSError(str(exc.__cause__ or exc)) from exc
        return
    raise InvalidInput(
        "Định dạng tệp không được hỗ trợ",
        "Unsupported file type",
        [Problem("Dùng .csv hoặc .xlsx", "Use .csv or .xlsx", file=path.name)],
    )
