"""Excel round-trip of the self-assessment form: a prefilled template out, an upload of it back in.

Domain layer: xlsxwriter writes the template, chiso.sheets reads uploads within bounds; store models
through the submission services; nothing from web or cli. Uploads are all-or-nothing: every row is checked and
reported first, and values are saved only when all rows are valid (in the caller's one transaction).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.assessment.access import check_can_edit
from chiso.assessment.evidence import detect_file_type
from chiso.assessment.schemas import FieldOut, SubmissionView, ValueInput
from chiso.assessment.submissions import (
    agency_kind_of,
    get_submission_view,
    open_submission,
    period_form,
    save_draft,
    values_by_code,
)
from chiso.assessment.values import clean_value
from chiso.errors import InvalidInput, Problem
from chiso.exports import XLSX_OPTIONS
from chiso.sheets import Sheet, SheetLimits, read_sheets

FORM_SHEET = "BieuMau"
GUIDE_SHEET = "HuongDan"
META_SHEET = "_chiso"
TEMPLATE_VERSION = "1"
HEADER_ROW = 5  # 1-based Excel row of the table header
COLUMNS = (
    ("code", "Mã tiêu chí\nCode", 22),
    ("section", "Nhóm chỉ số\nPillar", 24),
    ("name", "Tiêu chí\nCriterion", 48),
    ("kind", "Kiểu nhập\nType", 16),
    ("max_points", "Điểm tối đa\nMax points", 11),
    ("value", "Giá trị\nValue", 14),
    ("numerator", "Tử số\nNumerator", 12),
    ("denominator", "Mẫu số\nDenominator", 12),
    ("choice", "Lựa chọn\nChoice", 18),
    ("comment", "Ghi chú\nComment", 30),
    ("guidance", "Hướng dẫn\nGuidance", 50),
    ("source", "Nguồn (chỉ đọc)\nSource (read-only)", 20),
)
COL = {key: i for i, (key, _h, _w) in enumerate(COLUMNS)}
KIND_LABELS = {
    "yesno": "Có/Không",
    "number": "Số / number",
    "ratio": "Tử số/Mẫu số",
    "choice": "Lựa chọn",
    "points": "Điểm / points",
}
YES, NO = "Có", "Không"
STYLES: dict[str, dict[str, Any]] = {
    "bold": {"bold": True},
    "title": {"bold": True, "font_size": 14},
    "head": {"bold": True, "text_wrap": True, "bg_color": "#DDEBF7", "border": 1, "valign": "top"},
    "section": {"bold": True, "bg_color": "#F2F2F2"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "locked": {"text_wrap": True, "valign": "top", "font_color": "#555555"},
    "entry": {"bg_color": "#FFF2CC", "locked": False, "border": 1},
    "readonly": {"bg_color": "#E2EFDA", "border": 1},
}
# The instructions sheet, a line a row (the first is its title).
GUIDE = (
    "Hướng dẫn / Instructions",
    "1. Chỉ nhập vào các ô màu vàng. Ô màu xanh là số liệu tính tự động (chỉ đọc). "
    "Fill in the yellow cells only; green cells are computed values (read-only).",
    "2. Có/Không: chọn trong danh sách. Yes/no: pick from the list (Có = yes, Không = no).",
    "3. Tỷ lệ: nhập số thập phân 0..1 (80% = 0,8), không dùng dấu %. Rates: 0..1 (80% = 0.8), no % sign.",
    "4. Tử số/Mẫu số: số lượng không âm, tử số không lớn hơn mẫu số. "
    "Numerator/denominator: non-negative, numerator not above the denominator.",
    "5. Điểm: trong khoảng ghi ở cột Kiểu nhập; thẩm định viên sẽ xác nhận. "
    "Points: within the range shown; the assessor confirms them.",
    "6. Không đổi tên, thêm hay xóa cột; không sửa cột Mã tiêu chí. Tệp chỉ dùng cho đúng đơn vị và kỳ này. "
    "Do not rename, add or delete columns or edit the codes; the file is only valid for this agency "
    "and period.",
    "7. Tải lên lại: hệ thống kiểm tra từng dòng; nếu có dòng sai thì không lưu gì. "
    "Upload: every row is checked; if any row is wrong nothing is saved.",
    "8. Minh chứng (văn bản, tệp) được đính kèm trên trang web. Evidence files are attached on the web page.",
)


def _col_letter(index: int) -> str:
    return chr(ord("A") + index)


def _kind_hint(kind: str, low: float | None, high: float | None) -> str:
    if kind in ("number", "points") and (low is not None or high is not None):
        lo = "" if low is None else f"{low:g}"
        hi = "" if high is None else f"{high:g}"
        return f"{KIND_LABELS[kind]} [{lo}..{hi}]"
    return KIND_LABELS[kind]


def build_template(session: Session, *, period_code: str, agency_code: str, actor: Actor) -> bytes:
    """Write the agency's form as a prefilled .xlsx template with validation lists and instructions.

    A hidden sheet records the period and agency so that an upload for another agency or period is
    refused.
    """
    view = get_submission_view(session, period_code=period_code, agency_code=agency_code, actor=actor)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **XLSX_OPTIONS})
    styles = {name: book.add_format(spec) for name, spec in STYLES.items()}
    sheet = book.add_worksheet(FORM_SHEET)
    _write_form(sheet, view, styles)
    guide = book.add_worksheet(GUIDE_SHEET)
    guide.set_column(0, 0, 110)
    for i, text in enumerate(GUIDE):
        guide.write(i, 0, text, styles["title"] if i == 0 else styles["wrap"])
    meta = book.add_worksheet(META_SHEET)
    for i, (key, val) in enumerate(
        (
            ("template_version", TEMPLATE_VERSION),
            ("period_code", view.period_code),
            ("agency_code", view.agency_code),
            ("framework_id", view.framework_id),
            ("framework_version", view.framework_version),
            ("submission_id", str(view.submission_id)),
        )
    ):
        meta.write_string(i, 0, key)
        meta.write_string(i, 1, val)
    meta.hide()
    sheet.activate()
    book.close()
    return out.getvalue()


def _write_form(sheet: Any, view: SubmissionView, styles: dict[str, Any]) -> None:
    """The form sheet: a title block, then each section's criteria with their current values."""
    sheet.write(0, 0, f"Biểu mẫu tự đánh giá / Self-assessment form — {view.period_name_vi}", styles["title"])
    sheet.write(1, 0, "Đơn vị / Agency:", styles["bold"])
    sheet.write(1, 2, f"{view.agency_code} — {view.agency_name_vi}")
    sheet.write(2, 0, "Kỳ / Period:", styles["bold"])
    sheet.write(
        2,
        2,
        f"{view.period_code} ({view.framework_id} {view.framework_version}); "
        f"hạn nộp / deadline {clock.to_local(view.deadline):%d/%m/%Y %H:%M}",
    )
    for i, (_key, label, width) in enumerate(COLUMNS):
        sheet.write(HEADER_ROW - 1, i, label, styles["head"])
        sheet.set_column(i, i, width)
    sheet.set_row(HEADER_ROW - 1, 30)
    row = HEADER_ROW
    for sec in view.sections:
        sheet.write(row, 0, sec.code, styles["section"])
        sheet.merge_range(row, 1, row, len(COLUMNS) - 1, f"{sec.name_vi} / {sec.name_en}", styles["section"])
        row += 1
        for f in sec.fields:
            _write_criterion(sheet, row, f, section=sec.code, styles=styles)
            row += 1
    sheet.freeze_panes(HEADER_ROW, 1)


def _write_criterion(sheet: Any, row: int, f: FieldOut, *, section: str, styles: dict[str, Any]) -> None:
    """One criterion's row: its read-only description, then the cells its kind takes, validated."""
    cells: dict[str, Any] = {
        "code": f.code,
        "section": section,
        "name": f"{f.name_vi}\n{f.name_en}",
        "kind": _kind_hint(f.kind, f.min_value, f.max_value),
        "max_points": f.max_points,
        "guidance": f.guidance_vi,
        "source": f.source if f.computed else "",
    }
    for key, text in cells.items():
        sheet.write(row, COL[key], text, styles["locked"] if key != "name" else styles["wrap"])
    entry_fmt = styles["readonly"] if f.computed else styles["entry"]
    value: Any = ""
    if f.kind == "yesno" and f.value is not None:
        value = YES if f.value >= 0.5 else NO
    elif f.kind in ("number", "points") and f.value is not None:
        value = f.value
    for key, current in (
        ("value", value),
        ("numerator", f.numerator),
        ("denominator", f.denominator),
        ("choice", f.choice),
        ("comment", f.comment),
    ):
        used = (
            key == "comment"
            or (key == "value" and f.kind in ("yesno", "number", "points"))
            or (key in ("numerator", "denominator") and f.kind == "ratio")
            or (key == "choice" and f.kind == "choice")
        )
        if used:
            sheet.write(row, COL[key], "" if current is None else current, entry_fmt)
    if not f.computed:
        _validate(sheet, row, f.kind, f.min_value, f.max_value, list(f.choices))


def _validate(
    sheet: Any, row: int, kind: str, lo: float | None, hi: float | None, choices: list[str]
) -> None:
    msg = {"input_title": "Nhập / Enter", "error_title": "Sai giá trị / Invalid value"}
    if kind == "yesno":
        sheet.data_validation(
            row,
            COL["value"],
            row,
            COL["value"],
            {"validate": "list", "source": [YES, NO], **msg, "input_message": "Có / Không"},
        )
    elif kind == "choice" and choices:
        sheet.data_validation(
            row, COL["choice"], row, COL["choice"], {"validate": "list", "source": choices, **msg}
        )
    elif kind in ("number", "points"):
        low = -1e12 if lo is None else lo
        high = 1e12 if hi is None else hi
        sheet.data_validation(
            row,
            COL["value"],
            row,
            COL["value"],
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": low,
                "maximum": high,
                **msg,
                "input_message": f"{'' if lo is None else f'{lo:g}'} .. {'' if hi is None else f'{hi:g}'}",
            },
        )
    elif kind == "ratio":
        sheet.data_validation(
            row,
            COL["numerator"],
            row,
            COL["denominator"],
            {"validate": "decimal", "criteria": ">=", "value": 0, **msg, "input_message": ">= 0"},
        )


@dataclass
class RowReport:
    """The check of one row of an upload."""

    row: int
    indicator_code: str
    ok: bool
    messages: list[str] = field(default_factory=list)


@dataclass
class UploadReport:
    """What an upload did: one report per row, and the draft save when every row was valid."""

    rows: list[RowReport]
    saved: bool
    changed: list[str] = field(default_factory=list)


def _cell(values: Sequence[Any], key: str) -> Any:
    i = COL[key]
    value = values[i] if i < len(values) else None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


#: A form has a few hundred criteria; a template is refused long before a row count that could hurt.
TEMPLATE_LIMITS = SheetLimits(max_rows=5_000, max_columns=len(COLUMNS) + 8, max_cells=100_000)


def read_workbook(
    data: bytes, filename: str, *, names: Sequence[str] | None = None, limits: SheetLimits = TEMPLATE_LIMITS
) -> dict[str, Sheet]:
    """Read the sheets `names` (None: only the first sheet) of an uploaded .xlsx, within `limits`.

    Raises:
        InvalidInput: not an .xlsx file, damaged, or past a limit (the cell named).
    """
    if detect_file_type(data) != "xlsx":
        raise InvalidInput(
            f"Tệp {filename} không phải Excel .xlsx",
            f"The file {filename} is not an .xlsx workbook",
            [Problem("Không phải tệp .xlsx", "Not an .xlsx file", file=filename)],
        )
    return read_sheets(data, names=names, first=names is None, label=filename, limits=limits)


def read_template(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    data: bytes,
    filename: str = "template.xlsx",
    actor: Actor,
) -> tuple[dict[str, ValueInput], list[RowReport]]:
    """Parse and check an uploaded template without saving; returns the values and a report per row.

    Raises:
        InvalidInput: not a chiso template, or a template of another agency or period.
    """
    period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    book = read_workbook(data, filename, names=[META_SHEET, FORM_SHEET])
    if META_SHEET not in book or FORM_SHEET not in book:
        raise InvalidInput(
            f"Tệp {filename} không phải biểu mẫu chiso (thiếu trang {FORM_SHEET} hoặc thông tin kỳ/đơn vị)",
            f"{filename} is not a chiso form template (sheet {FORM_SHEET} or the hidden period/agency "
            "sheet is "
            "missing); download the template again",
            [Problem("Không phải biểu mẫu", "Not a template", file=filename)],
        )
    meta = {str(r[0]): str(r[1]) for r in book[META_SHEET].rows if len(r) > 1 and r[0]}
    if meta.get("period_code") != period.code or meta.get("agency_code") != agency_code:
        raise InvalidInput(
            f"Biểu mẫu này của đơn vị {meta.get('agency_code')} kỳ {meta.get('period_code')}, không phải của "
            f"{agency_code} kỳ {period.code}",
            f"This template belongs to agency {meta.get('agency_code')}, "
            f"period {meta.get('period_code')}, not to "
            f"{agency_code}, period {period.code}; download your own template",
            [Problem("Biểu mẫu của đơn vị/kỳ khác", "Template of another agency or period", file=filename)],
        )
    form = period_form(period)
    applicable = {c.code: c for c in form.criteria_for(agency_kind_of(session, submission=sub))}
    stored = values_by_code(session, submission=sub)
    values: dict[str, ValueInput] = {}
    reports: list[RowReport] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for excel_row, cells in enumerate(book[FORM_SHEET].rows[HEADER_ROW:], start=HEADER_ROW + 1):
        code = _cell(cells, "code")
        if code is None:
            continue
        code = str(code)
        if code in {s.code for s in form.sections} and _cell(cells, "kind") is None:
            continue  # a section heading
        rep = RowReport(row=excel_row, indicator_code=code, ok=True)
        reports.append(rep)

        def bad(vi: str, en: str, column: str | None, rep: RowReport = rep, code: str = code) -> None:
            rep.ok = False
            rep.messages.append(f"{vi} / {en}")
            problems.append(Problem(vi, en, file=filename, row=rep.row, column=column, field=code))

        if code in seen:
            bad(
                f"Tiêu chí {code} lặp lại (đã có ở dòng {seen[code]})",
                f"Criterion {code} repeated (first on row {seen[code]})",
                "A",
            )
            continue
        seen[code] = excel_row
        crit = applicable.get(code)
        if crit is None:
            bad(f"Mã tiêu chí {code} không có trong biểu mẫu", f"Unknown criterion code {code}", "A")
            continue
        if crit.computed or (code in stored and stored[code].is_computed):
            continue  # read-only, whatever the cell says
        raw_value = _cell(cells, "value")
        if crit.kind == "yesno" and isinstance(raw_value, str):
            raw_value = {YES.lower(): "1", NO.lower(): "0"}.get(raw_value.lower(), raw_value)
        vi = ValueInput(
            value=raw_value,
            numerator=_cell(cells, "numerator"),
            denominator=_cell(cells, "denominator"),
            choice=None if _cell(cells, "choice") is None else str(_cell(cells, "choice")),
            comment=None if _cell(cells, "comment") is None else str(_cell(cells, "comment")),
        )
        _clean, found = clean_value(crit, vi)
        for p in found:
            column = _col_letter(COL.get(p.column or "value", COL["value"]))
            bad(p.message_vi, p.message_en, column)
        if not found:
            values[code] = vi
    if problems:
        raise InvalidInput(
            f"Tệp {filename} có {sum(not r.ok for r in reports)} dòng sai; chưa lưu gì",
            f"{filename} has {sum(not r.ok for r in reports)} invalid rows; nothing was saved",
            problems,
        )
    return values, reports


def upload_template(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    data: bytes,
    filename: str = "template.xlsx",
    actor: Actor,
) -> UploadReport:
    """Check an uploaded template row by row and, when every row is valid, save the values as a draft.

    Raises:
        InvalidInput: any invalid row (all listed with row and column; nothing saved), a file that is not
            a template, or a template of another agency or period.
    """
    _period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    check_can_edit(session, actor=actor, submission=sub)
    values, reports = read_template(
        session, period_code=period_code, agency_code=agency_code, data=data, filename=filename, actor=actor
    )
    saved = save_draft(session, period_code=period_code, agency_code=agency_code, values=values, actor=actor)
    return UploadReport(rows=reports, saved=True, changed=saved.changed)
