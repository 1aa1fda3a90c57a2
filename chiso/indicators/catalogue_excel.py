"""The catalogue as an Excel workbook: a blank template, the export, and an all-or-nothing import.

Indicators room; xlsxwriter writes (with chiso.exports' options, so no text runs as a formula),
chiso.sheets reads within bounds. Sheets: "chi_tieu" (one indicator a row, the columns of
`CATALOGUE_FIELDS`), "thu_muc" (folders: code, name_vi, name_en, position) and "huong_dan" (what each
column means, never read back). An empty cell is "none" for a field that may be empty and the default
otherwise; a column left out of the sheet keeps an existing indicator's value. Every bad cell is named by
file, sheet row and column (letter and field) in Vietnamese and English; nothing is saved unless every row
is valid, and a dry run checks everything and saves nothing. An exported catalogue imports back unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any, get_args

import xlsxwriter
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.errors import InvalidInput, Problem
from chiso.exports import XLSX_OPTIONS
from chiso.indicators import catalogue
from chiso.indicators.schemas import (
    AGGREGATION_NAMES,
    CATALOGUE_FIELDS,
    LEVEL_NAMES,
    SOURCE_NAMES,
    VALUE_TYPE_NAMES,
    FolderIn,
    IndicatorIn,
)
from chiso.sheets import CellValue, Sheet, column_letter, read_sheets

INDICATOR_SHEET, FOLDER_SHEET, HELP_SHEET = "chi_tieu", "thu_muc", "huong_dan"
FOLDER_FIELDS = tuple(FolderIn.model_fields)
NULLABLE = frozenset(n for n, f in IndicatorIn.model_fields.items() if type(None) in get_args(f.annotation))
BOOLEANS = frozenset(n for n, f in IndicatorIn.model_fields.items() if f.annotation in (bool, "bool"))
YES = {"1", "x", "có", "co", "true", "yes", "đúng", "dung"}
NO = {"0", "không", "khong", "false", "no", "sai"}


def _choices(names: Mapping[str, tuple[str, str]]) -> str:
    return "; ".join(f"{code} = {vi} / {en}" for code, (vi, en) in names.items())


#: field -> (Vietnamese title, English meaning and allowed values), the help sheet and header comments.
HELP: dict[str, tuple[str, str]] = {
    "code": ("Mã chỉ tiêu (bắt buộc)", "Indicator code: capitals, digits and _ (required)"),
    "name_vi": ("Tên tiếng Việt (bắt buộc)", "Vietnamese name (required)"),
    "name_en": ("Tên tiếng Anh", "English name"),
    "folder_code": ("Mã thư mục (sheet thu_muc)", "Folder code, listed on the thu_muc sheet"),
    "definition": ("Định nghĩa, cách tính", "Definition"),
    "legal_basis": ("Căn cứ pháp lý", "Legal basis"),
    "unit": ("Đơn vị tính (%, hồ sơ, tỷ đồng)", "Unit of measure"),
    "value_type": ("Loại giá trị", _choices(VALUE_TYPE_NAMES)),
    "period_type": ("Kỳ báo cáo", "month = tháng; quarter = quý; year = năm"),
    "level": ("Cấp báo cáo", _choices(LEVEL_NAMES)),
    "aggregation": ("Cách cộng dồn lên tỉnh", _choices(AGGREGATION_NAMES)),
    "weight_code": ("Mã chỉ tiêu quyền số (khi weighted)", "Weight indicator's code, for weighted"),
    "owner_agency_code": ("Mã cơ quan chủ trì", "Owner agency's code"),
    "source": ("Nguồn số liệu", _choices(SOURCE_NAMES)),
    "metric_code": ("Mã chỉ số giám sát (khi computed)", "Monitoring metric code, for computed"),
    "formula": ("Công thức (khi formula), vd A / B * 100", "Formula over indicator codes, for formula"),
    "min_value": ("Giá trị nhỏ nhất hợp lệ", "Smallest valid value"),
    "max_value": ("Giá trị lớn nhất hợp lệ", "Largest valid value"),
    "higher_is_better": ("Càng cao càng tốt (1/0)", "Higher is better (1/0)"),
    "outlier_sd": (
        "Ngưỡng bất thường (độ lệch chuẩn; trống: không kiểm tra)",
        "Outlier threshold in SDs; empty: none",
    ),
    "needs_approval": ("Cần phê duyệt (1/0)", "Needs approval (1/0)"),
    "active": ("Đang dùng (1/0)", "Active (1/0)"),
}


class ImportReport(BaseModel):
    """What an import did, or would do on a dry run."""

    dry_run: bool
    folders_created: list[str]
    folders_updated: list[str]
    created: list[str]
    updated: list[str]
    unchanged: int


def _write_cell(sheet: Any, row: int, col: int, value: Any) -> None:
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif value is not None:
        sheet.write_string(row, col, str(value))


def _header(book: Any, sheet: Any, fields: Sequence[str], help_of: Mapping[str, tuple[str, str]]) -> None:
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4"})
    for col, name in enumerate(fields):
        sheet.write_string(0, col, name, bold)
        if name in help_of:
            sheet.write_comment(0, col, " / ".join(help_of[name]))
        sheet.set_column(col, col, 36 if name in ("name_vi", "name_en", "definition", "formula") else 16)
    sheet.freeze_panes(1, 1)


def _workbook(folders: Sequence[Mapping[str, Any]], indicators: Sequence[Mapping[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **XLSX_OPTIONS})
    sheet = book.add_worksheet(INDICATOR_SHEET)
    _header(book, sheet, CATALOGUE_FIELDS, HELP)
    for r, item in enumerate(indicators, start=1):
        for col, name in enumerate(CATALOGUE_FIELDS):
            _write_cell(sheet, r, col, item.get(name))
    folder_sheet = book.add_worksheet(FOLDER_SHEET)
    _header(book, folder_sheet, FOLDER_FIELDS, {})
    for r, item in enumerate(folders, start=1):
        for col, name in enumerate(FOLDER_FIELDS):
            _write_cell(folder_sheet, r, col, item.get(name))
    help_sheet = book.add_worksheet(HELP_SHEET)
    bold = book.add_format({"bold": True})
    for col, title in enumerate(("Cột / column", "Ý nghĩa", "Meaning, allowed values")):
        help_sheet.write_string(0, col, title, bold)
    for r, name in enumerate(CATALOGUE_FIELDS, start=1):
        vi, en = HELP.get(name, ("", ""))
        help_sheet.write_string(r, 0, name)
        help_sheet.write_string(r, 1, vi)
        help_sheet.write_string(r, 2, en)
    help_sheet.set_column(0, 0, 20)
    help_sheet.set_column(1, 2, 60)
    book.close()
    return buffer.getvalue()


def template_workbook() -> bytes:
    """Return the empty catalogue workbook: the columns with their help, the folder sheet, the help sheet."""
    return _workbook([], [])


def export_catalogue(session: Session) -> bytes:
    """Return every folder and indicator as the catalogue workbook (what `import_catalogue` reads back)."""
    folders = [f.model_dump(exclude={"count"}) for f in catalogue.list_folders(session)]
    indicators = [catalogue.indicator_dict(row) for row in catalogue.all_indicators(session)]
    return _workbook(folders, indicators)


def _text(value: CellValue) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return value
    return value


def _cell(name: str, value: CellValue, *, strings: frozenset[str]) -> Any:
    value = _text(value)
    if value is None:
        return None
    if name in BOOLEANS and isinstance(value, str) and value.casefold() in YES | NO:
        return value.casefold() in YES
    if name in strings and isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


STRING_FIELDS = frozenset(
    n for n, f in IndicatorIn.model_fields.items() if str in (f.annotation, *get_args(f.annotation))
) | frozenset({"code", "name_vi", "name_en"})


def _columns(sheet: Sheet, fields: Sequence[str], required: Sequence[str], filename: str) -> dict[int, str]:
    header = [str(c).strip() if c is not None else "" for c in (sheet.rows[0] if sheet.rows else ())]
    problems = [
        Problem("Thiếu cột bắt buộc", "Missing required column", file=filename, row=1, column=name)
        for name in required
        if name not in header
    ]
    problems += [
        Problem(
            f"Cột lạ '{name}' trên sheet {sheet.name}; dùng: {', '.join(fields)}",
            f"Unknown column '{name}' on sheet {sheet.name}; use: {', '.join(fields)}",
            file=filename,
            row=1,
            column=column_letter(i + 1),
        )  # fmt: skip
        for i, name in enumerate(header)
        if name and name not in fields
    ]
    if problems:
        raise _refused(filename, problems)
    return {i: name for i, name in enumerate(header) if name}


def _refused(filename: str, problems: Sequence[Problem]) -> InvalidInput:
    return InvalidInput(
        f"{filename}: {len(problems)} lỗi, chưa lưu gì",
        f"{filename}: {len(problems)} problems, nothing saved",
        problems,
    )


def _where(filename: str, row: int, columns: Mapping[int, str], name: str | None) -> dict[str, Any]:
    letters = {field: column_letter(i + 1) for i, field in columns.items()}
    column = f"{letters[name]} ({name})" if name in letters else name
    return {"file": filename, "row": row, "column": column}


def _validation_problems(exc: ValidationError, where: Any) -> list[Problem]:
    out = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else None
        msg = str(err["msg"]).removeprefix("Value error, ")
        out.append(Problem(f"Giá trị không hợp lệ: {msg}", f"Invalid value: {msg}", **where(name)))
    return out


def _rows(sheet: Sheet, columns: Mapping[int, str]) -> list[tuple[int, dict[str, CellValue]]]:
    out = []
    for number, raw in enumerate(sheet.rows[1:], start=2):
        cells = {columns[i]: value for i, value in enumerate(raw) if i in columns}
        if any(_text(v) is not None for v in cells.values()):
            out.append((number, cells))
    return out


def _read_folders(sheet: Sheet | None, filename: str) -> tuple[list[FolderIn], list[Problem]]:
    if sheet is None:
        return [], []
    columns = _columns(sheet, FOLDER_FIELDS, ("code", "name_vi"), filename)
    found, problems = [], []
    label = f"{filename} / {FOLDER_SHEET}"
    for number, cells in _rows(sheet, columns):
        clean = {k: _cell(k, v, strings=frozenset({"code", "name_vi", "name_en"})) for k, v in cells.items()}
        clean = {k: v for k, v in clean.items() if v is not None or k == "name_en"}
        try:
            found.append(FolderIn(**clean))
        except ValidationError as exc:
            problems += _validation_problems(exc, lambda name, n=number: _where(label, n, columns, name))
    return found, problems


def _read(
    data: bytes, filename: str, existing: Mapping[str, Mapping[str, Any]]
) -> tuple[list[FolderIn], list[tuple[int, IndicatorIn]], dict[int, str], list[Problem]]:
    sheets = read_sheets(data, names=(INDICATOR_SHEET, FOLDER_SHEET), label=filename)
    sheet = sheets.get(INDICATOR_SHEET)
    if sheet is None:
        raise InvalidInput(
            f"{filename}: thiếu sheet '{INDICATOR_SHEET}' (tải mẫu để xem cách điền)",
            f"{filename}: no '{INDICATOR_SHEET}' sheet (download the template to see the layout)",
            [Problem("Thiếu sheet", "Missing sheet", file=filename, column=INDICATOR_SHEET)],
        )
    folders, problems = _read_folders(sheets.get(FOLDER_SHEET), filename)
    columns = _columns(sheet, CATALOGUE_FIELDS, ("code", "name_vi"), filename)
    found: list[tuple[int, IndicatorIn]] = []
    for number, cells in _rows(sheet, columns):
        clean = {k: _cell(k, v, strings=STRING_FIELDS) for k, v in cells.items()}
        clean = {k: v for k, v in clean.items() if v is not None or k in NULLABLE}
        base = dict(existing.get(str(clean.get("code")), {}))
        base = {k: v for k, v in base.items() if k not in columns.values()}
        try:
            found.append((number, IndicatorIn(**{**base, **clean})))
        except ValidationError as exc:
            problems += _validation_problems(exc, lambda name, n=number: _where(filename, n, columns, name))
    return folders, found, columns, problems


def read_catalogue(
    data: bytes, *, filename: str, existing: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[list[FolderIn], list[tuple[int, IndicatorIn]]]:
    """Read a catalogue workbook into folders and (sheet row, indicator) pairs, checked cell by cell.

    Args:
        data: the .xlsx bytes.
        filename: the name used in messages.
        existing: the catalogue's current entries by code; a column the sheet leaves out keeps their value.

    Returns:
        The folders and the indicators with their sheet rows.

    Raises:
        InvalidInput: not a workbook, no indicator sheet, a missing or unknown column, or bad cells,
            every one named by file, row and column.
    """
    folders, found, _, problems = _read(data, filename, existing or {})
    if problems:
        raise _refused(filename, problems)
    return folders, found


def _file_problems(
    folders: Sequence[FolderIn],
    rows: Sequence[tuple[int, IndicatorIn]],
    columns: Mapping[int, str],
    context: catalogue.CatalogueContext,
    filename: str,
) -> list[Problem]:
    problems: list[Problem] = []
    seen_folders: set[str] = set()
    for folder in folders:
        if folder.code in seen_folders:
            problems.append(
                Problem(
                    f"Thư mục {folder.code} ghi hai lần",
                    f"Folder {folder.code} given twice",
                    file=f"{filename} / {FOLDER_SHEET}",
                    column="code",
                )
            )
        seen_folders.add(folder.code)
    first_row: dict[str, int] = {}
    for number, item in rows:
        if item.code in first_row:
            problems.append(
                Problem(
                    f"Mã {item.code} đã có ở dòng {first_row[item.code]}",
                    f"Code {item.code} already on row {first_row[item.code]}",
                    **_where(filename, number, columns, "code"),
                )
            )
        first_row.setdefault(item.code, number)
        for p in catalogue.check_indicator(item, context):
            problems.append(Problem(p.message_vi, p.message_en, **_where(filename, number, columns, p.field)))
    return problems


def import_catalogue(
    session: Session, *, data: bytes, filename: str, dry_run: bool, actor: Actor
) -> ImportReport:
    """Import a catalogue workbook all or nothing: folders first, then indicators, created or updated by code.

    Args:
        session: the open session (the caller commits; a dry run writes nothing).
        data: the .xlsx bytes.
        filename: the name used in messages.
        dry_run: check everything and report what would change, saving nothing.
        actor: who imports (SYSTEM from the CLI); every change is audited.

    Raises:
        InvalidInput: every problem of the file, named by row and column; nothing is saved.
    """
    existing = {row.code: row for row in catalogue.all_indicators(session)}
    current = {code: catalogue.indicator_dict(row) for code, row in existing.items()}
    folders, rows, columns, problems = _read(data, filename, current)
    owners = [item.owner_agency_code or "" for _, item in rows]
    context = catalogue.load_context(session, owners=owners)
    context.folders |= {f.code for f in folders}
    context.formulas.update({item.code: item.formula for _, item in rows})
    context.period_types.update({item.code: item.period_type for _, item in rows})
    problems += _file_problems(folders, rows, columns, context, filename)
    if problems:
        raise _refused(filename, problems)
    known_folders = {f.code: f for f in catalogue.list_folders(session)}
    report = ImportReport(
        dry_run=dry_run, folders_created=[], folders_updated=[], created=[], updated=[], unchanged=0
    )
    for folder in folders:
        old = known_folders.get(folder.code)
        if old is None:
            report.folders_created.append(folder.code)
        elif FolderIn.model_validate(old.model_dump(exclude={"count"})) != folder:
            report.folders_updated.append(folder.code)
    for _, item in rows:
        entry = catalogue.normalized(item)
        if item.code not in current:
            report.created.append(item.code)
        elif current[item.code] != entry.model_dump():
            report.updated.append(item.code)
        else:
            report.unchanged += 1
    if not dry_run:
        for folder in folders:
            catalogue.save_folder(session, data=folder, actor=actor)
        for _, item in rows:
            catalogue.save_checked(session, data=item, row=existing.get(item.code), actor=actor)
    return report
