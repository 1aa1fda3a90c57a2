"""Agency import, step 1: read each row of an agency file on its own (cells, formats, lists, dates).

Domain helper of the units room; imports chiso.errors, chiso.store's agency kinds and the units room's
io and agency_history (the link kinds); never chiso.web or chiso.cli. Nothing here looks at the
database or at other rows: chiso.units.agency_checks does that, then chiso.units.agency_import writes.
Every problem is collected with its file, row and column; nothing is raised here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from chiso.errors import Problem
from chiso.store.models.agencies import AGENCY_KINDS
from chiso.units.agency_history import LINK_KINDS
from chiso.units.io import (
    COLUMNS,
    DESCRIPTIVE_COLUMNS,
    LIST_SEPARATOR,
    PERIOD_SEPARATOR,
    REQUIRED_COLUMNS,
    Table,
)

CODE_MAX, NAME_MAX = 40, 300
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
_VN_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

# A cell of the row being read, stripped ("" when the column is absent).
Cell = Callable[[str], str]


@dataclass
class LinkSpec:
    """One predecessor of a row: its code, the kind of change and the date written (if any)."""

    predecessor_code: str
    kind: str
    written_date: date | None
    effective_on: date | None = None


@dataclass
class AgencyRow:
    """One row of an agency file, as read; agency_checks resolves its codes against the database."""

    row: int
    code: str
    name_vi: str
    name_en: str | None
    kind: str
    parent_code: str | None
    unit_code: str | None
    province_code: str | None
    valid_from: date | None
    valid_to: date | None
    links: list[LinkSpec] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=list)  # (period, group code)
    admin_unit_id: int | None = None
    # What the descriptive columns say (None when absent or empty); checked, never written.
    parent_name: str | None = None
    unit_name: str | None = None


class ProblemCollector:
    """Collects the problems of one file, each located by row and column."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, row: int | None, column: str | None, vi: str, en: str) -> None:
        self.problems.append(Problem(vi, en, file=self.file, row=row, column=column))


def parse_date(text: str) -> date | None:
    """Parse an ISO date (2025-07-01) or a Vietnamese one (01/07/2025); empty gives None.

    Raises:
        ValueError: the text is not a date.
    """
    text = text.strip()
    if not text:
        return None
    match = _VN_DATE_RE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    if "T" in text or " " in text:
        text = text.replace("T", " ").split(" ", 1)[0]
    return date.fromisoformat(text)


def split_list(value: str) -> list[str]:
    """Split a `;`-separated cell into its non-empty, stripped items."""
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def check_header(table: Table, out: ProblemCollector) -> None:
    """Report repeated and unknown columns, and missing required ones (all on row 1)."""
    known = COLUMNS + DESCRIPTIVE_COLUMNS
    seen: set[str] = set()
    for col in table.columns:
        if not col:
            continue
        if col in seen:
            out.add(1, col, f"Cột {col!r} xuất hiện hai lần", f"Column {col!r} appears twice")
        seen.add(col)
        if col not in known:
            out.add(
                1,
                col,
                f"Cột {col!r} không được biết; các cột hợp lệ: {', '.join(known)}",
                f"Unknown column {col!r}; valid columns: {', '.join(known)}",
            )
    for col in REQUIRED_COLUMNS:
        if col not in seen:
            out.add(
                1,
                col,
                f"Thiếu cột bắt buộc {col!r} (cần: {', '.join(REQUIRED_COLUMNS)})",
                f"Missing required column {col!r} (required: {', '.join(REQUIRED_COLUMNS)})",
            )


def parse_row(
    number: int, raw: dict[str, str], period_option: str | None, out: ProblemCollector
) -> AgencyRow:
    """Read one data row; every problem found is added to `out` (the row is returned anyway).

    Args:
        number: the spreadsheet row number (the header is row 1).
        raw: the row's cells by column.
        period_option: the period of bare group codes when the row's `period` cell is empty.
        out: where problems go.
    """

    def get(col: str) -> str:
        return raw.get(col, "").strip()

    extra = raw.get("\0extra")
    if extra:
        out.add(
            number,
            None,
            f"Dòng có nhiều ô hơn tiêu đề: {extra!r}",
            f"The row has more cells than the header: {extra!r}",
        )
    # Problems are reported in column order: code, names, kind, dates, links, groups.
    code = _parse_code(number, get("code"), out)
    name_vi, name_en = _parse_names(number, get, out)
    kind = _parse_kind(number, get("kind"), out)
    valid_from, valid_to = _parse_validity(number, get, out)
    links = parse_links(number, get("predecessor_codes"), get("link_kind"), get("link_date"), out)
    return AgencyRow(
        row=number,
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        kind=kind,
        parent_code=get("parent_code") or None,
        unit_code=get("unit_code") or None,
        province_code=get("province_code") or None,
        valid_from=valid_from,
        valid_to=valid_to,
        links=links,
        groups=_parse_groups(number, get("groups"), get("period") or period_option, out),
        parent_name=get("parent_name") or None,
        unit_name=get("unit_name") or None,
    )


def _parse_code(number: int, code: str, out: ProblemCollector) -> str:
    if not code:
        out.add(number, "code", "Thiếu mã cơ quan", "The agency code is missing")
    elif len(code) > CODE_MAX or not _CODE_RE.match(code):
        out.add(
            number,
            "code",
            f"Mã {code!r} không hợp lệ: tối đa {CODE_MAX} ký tự chữ, số, '.', '_' hoặc '-'",
            f"Invalid code {code!r}: at most {CODE_MAX} letters, digits, '.', '_' or '-'",
        )
    return code


def _parse_names(number: int, get: Cell, out: ProblemCollector) -> tuple[str, str | None]:
    name_vi = get("name_vi")
    if not name_vi:
        out.add(number, "name_vi", "Thiếu tên tiếng Việt", "The Vietnamese name is missing")
    elif len(name_vi) > NAME_MAX:
        out.add(number, "name_vi", f"Tên dài quá {NAME_MAX} ký tự", f"The name is over {NAME_MAX} characters")
    name_en = get("name_en") or None
    if name_en and len(name_en) > NAME_MAX:
        out.add(number, "name_en", f"Tên dài quá {NAME_MAX} ký tự", f"The name is over {NAME_MAX} characters")
    return name_vi, name_en


def _parse_kind(number: int, text: str, out: ProblemCollector) -> str:
    kind = text.lower()
    if kind not in AGENCY_KINDS:
        out.add(
            number,
            "kind",
            f"Loại {kind!r} không hợp lệ; chọn một trong: {', '.join(AGENCY_KINDS)}",
            f"Unknown kind {kind!r}; expected one of: {', '.join(AGENCY_KINDS)}",
        )
    return kind


def _parse_validity(number: int, get: Cell, out: ProblemCollector) -> tuple[date | None, date | None]:
    dates: dict[str, date | None] = {}
    for col in ("valid_from", "valid_to"):
        try:
            dates[col] = parse_date(get(col))
        except ValueError:
            dates[col] = None
            out.add(
                number,
                col,
                f"Ngày {get(col)!r} không hợp lệ; viết dạng 2025-07-01 hoặc 01/07/2025",
                f"Bad date {get(col)!r}; write 2025-07-01 or 01/07/2025",
            )
    valid_from, valid_to = dates["valid_from"], dates["valid_to"]
    if valid_from and valid_to and valid_to <= valid_from:
        out.add(
            number,
            "valid_to",
            f"Ngày hết hiệu lực {valid_to} phải sau ngày bắt đầu {valid_from}",
            f"valid_to {valid_to} must be after valid_from {valid_from} (the end is exclusive)",
        )
    return valid_from, valid_to


def _parse_groups(number: int, text: str, period: str | None, out: ProblemCollector) -> list[tuple[str, str]]:
    groups: list[tuple[str, str]] = []
    for item in split_list(text):
        if PERIOD_SEPARATOR in item:
            group_period, group_code = (s.strip() for s in item.split(PERIOD_SEPARATOR, 1))
        else:
            group_period, group_code = period or "", item
        if not group_period or not group_code:
            out.add(
                number,
                "groups",
                f"Nhóm {item!r} thiếu kỳ đánh giá: ghi '2026{PERIOD_SEPARATOR}{item}', điền cột period "
                "hoặc dùng --period",
                f"Group {item!r} has no period: write '2026{PERIOD_SEPARATOR}{item}', fill the period "
                "column or pass --period",
            )
            continue
        if (group_period, group_code) not in groups:
            groups.append((group_period, group_code))
    return groups


def parse_links(
    number: int, codes_text: str, kinds_text: str, dates_text: str, out: ProblemCollector
) -> list[LinkSpec]:
    """Read the predecessor_codes, link_kind and link_date cells of one row into LinkSpecs."""
    codes = split_list(codes_text)
    kinds = [k.lower() for k in split_list(kinds_text)]
    date_texts = split_list(dates_text)
    if not codes:
        if kinds or date_texts:
            out.add(
                number,
                "predecessor_codes",
                "Có link_kind/link_date nhưng không có predecessor_codes",
                "link_kind/link_date given without predecessor_codes",
            )
        return []
    if not kinds:
        kinds = ["rename" if len(codes) == 1 else "merge"]
    for col, values in (("link_kind", kinds), ("link_date", date_texts)):
        if len(values) not in (0, 1, len(codes)):
            out.add(
                number,
                col,
                f"Cần 1 giá trị hoặc {len(codes)} giá trị (mỗi cơ quan tiền thân một), có {len(values)}",
                f"Expected 1 value or {len(codes)} (one per predecessor), got {len(values)}",
            )
            return []
    for kind in kinds:
        if kind not in LINK_KINDS:
            out.add(
                number,
                "link_kind",
                f"Kiểu liên kết {kind!r} không hợp lệ; chọn: {', '.join(LINK_KINDS)}",
                f"Unknown link kind {kind!r}; expected one of: {', '.join(LINK_KINDS)}",
            )
    parsed_dates = _parse_link_dates(number, date_texts, out)
    links = []
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            out.add(
                number,
                "predecessor_codes",
                f"Cơ quan tiền thân {code!r} được ghi hai lần",
                f"Predecessor {code!r} is listed twice",
            )
            continue
        seen.add(code)
        kind = kinds[i] if len(kinds) > 1 else kinds[0]
        written = (parsed_dates[i] if len(parsed_dates) > 1 else parsed_dates[0]) if parsed_dates else None
        links.append(LinkSpec(code, kind, written))
    return links


def _parse_link_dates(number: int, texts: list[str], out: ProblemCollector) -> list[date | None]:
    parsed: list[date | None] = []
    for text in texts:
        try:
            parsed.append(parse_date(text))
        except ValueError:
            parsed.append(None)
            out.add(
                number,
                "link_date",
                f"Ngày {text!r} không hợp lệ; viết dạng 2025-07-01",
                f"Bad date {text!r}; write 2025-07-01",
            )
    return parsed
