"""Agency import, step 2: check the rows of an agency file against each other and the database.

Domain helper of the units room; imports chiso.errors and the units room's io, agency_parse and
agency_references (parents, units and predecessors); never chiso.web or chiso.cli. Nothing here
writes: `validate_agency_rows` returns a plan for a fully valid file or raises one InvalidInput listing
every problem (file, row, column); chiso.units.agency_import applies the plan in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from chiso.errors import InvalidInput, Problem
from chiso.units.agency_parse import AgencyRow, ProblemCollector, check_header, parse_row
from chiso.units.agency_references import (
    KnownAgency,
    check_links,
    check_parents,
    check_units,
    format_day,
    load_known,
)
from chiso.units.io import Table

__all__ = ["ImportPlan", "validate_agency_rows"]


@dataclass
class ImportPlan:
    """What a valid file asks for; `has_links`/`has_groups` say whether those columns were present."""

    file: str
    rows: list[AgencyRow]
    has_links: bool
    has_groups: bool
    periods: set[str]


def validate_agency_rows(session: Session, table: Table, *, period: str | None = None) -> ImportPlan:
    """Check every row of an agency table against the file and the database; write nothing.

    Checks: missing or unknown columns; missing or malformed code, name, kind and dates; duplicate
    codes and overlapping validity of one code; unknown parent, administrative unit and predecessor
    codes; cycles in parents and in predecessor links; predecessor/successor validity that overlaps
    or contradicts the link date; groups without a period or outside the agency's validity; the
    descriptive parent_name and unit_name columns (when present) naming another parent or unit.

    Args:
        session: the SQLAlchemy session (read only).
        table: the rows read by `read_table`.
        period: the period of group codes written without one (the `--period` option).

    Returns:
        The ImportPlan of a fully valid file.

    Raises:
        InvalidInput: one or more problems, every one listed with file, row and column.
    """
    out = ProblemCollector(table.file)
    _check_table(table, out)
    by_code = _check_duplicates([parse_row(number, raw, period, out) for number, raw in table.rows], out)
    known = load_known(session, _referenced(by_code) | set(by_code))
    for code, row in by_code.items():
        known[code] = KnownAgency(
            code, row.name_vi, row.parent_code, row.province_code, row.valid_from, row.valid_to, row.row
        )
    parent_map = check_parents(session, by_code, known, out)
    check_units(session, by_code, out)
    _derive_provinces(by_code, known, parent_map, out)
    check_links(session, by_code, known, out)
    periods = _check_groups(by_code, table, period, out)
    if out.problems:
        raise InvalidInput(
            f"Tệp {table.file} có {len(out.problems)} lỗi; không có gì được ghi",
            f"The file {table.file} has {len(out.problems)} problem(s); nothing was written",
            out.problems,
        )
    return ImportPlan(
        file=table.file,
        rows=list(by_code.values()),
        has_links="predecessor_codes" in table.columns,
        has_groups="groups" in table.columns,
        periods=periods,
    )


def _check_table(table: Table, out: ProblemCollector) -> None:
    """Stop at once on a wrong header or a file without rows: nothing else can be checked."""
    check_header(table, out)
    if out.problems:
        raise InvalidInput(
            f"Tệp {table.file} sai tiêu đề cột",
            f"The header of {table.file} is wrong",
            out.problems,
        )
    if not table.rows:
        raise InvalidInput(
            f"Tệp {table.file} không có dòng dữ liệu nào",
            f"The file {table.file} has no data rows",
            [Problem("Tệp rỗng", "Empty file", file=table.file)],
        )


def _span(row: AgencyRow) -> str:
    """The row's validity as written in messages: "(2024-01-01 - …)"."""
    return f"({format_day(row.valid_from, '…')} - {format_day(row.valid_to, '…')})"


def _overlaps(a_from: date | None, a_to: date | None, b_from: date | None, b_to: date | None) -> bool:
    lo_a, hi_a = a_from or date.min, a_to or date.max
    lo_b, hi_b = b_from or date.min, b_to or date.max
    return lo_a < hi_b and lo_b < hi_a


def _check_duplicates(rows: list[AgencyRow], out: ProblemCollector) -> dict[str, AgencyRow]:
    """One row per agency: a second row for a code is a duplicate or an overlapping interval."""
    by_code: dict[str, AgencyRow] = {}
    for row in rows:
        if not row.code:
            continue
        first = by_code.get(row.code)
        if first is None:
            by_code[row.code] = row
            continue
        if _overlaps(first.valid_from, first.valid_to, row.valid_from, row.valid_to):
            out.add(
                row.row,
                "valid_from",
                f"Mã {row.code!r} đã có ở dòng {first.row} với hiệu lực chồng lấn {_span(first)}",
                f"Code {row.code!r} is already on row {first.row} with an overlapping validity "
                f"{_span(first)}",
            )
        else:
            out.add(
                row.row,
                "code",
                f"Mã {row.code!r} trùng với dòng {first.row}; mỗi cơ quan một dòng, "
                "cơ quan tái lập cần mã mới",
                f"Code {row.code!r} duplicates row {first.row}; one row per agency, "
                "a re-established agency needs a new code",
            )
    return by_code


def _referenced(by_code: dict[str, AgencyRow]) -> set[str]:
    """The codes the rows point at: parents and predecessors."""
    rows = by_code.values()
    return {r.parent_code for r in rows if r.parent_code} | {
        link.predecessor_code for r in rows for link in r.links
    }


def _derive_provinces(
    by_code: dict[str, AgencyRow],
    known: dict[str, KnownAgency],
    parent_map: dict[str, str],
    out: ProblemCollector,
) -> None:
    """Fill a missing province from the nearest ancestor that has one; refuse rows left without."""
    for row in by_code.values():
        ancestor: str | None = row.code
        steps = 0
        while not row.province_code and ancestor and steps < 50:
            ancestor = parent_map.get(ancestor)
            steps += 1
            if ancestor and ancestor in known and known[ancestor].province_code:
                row.province_code = known[ancestor].province_code
        if not row.province_code:
            out.add(
                row.row,
                "province_code",
                "Thiếu mã tỉnh (province_code) và không suy ra được từ đơn vị hành chính "
                "hay cơ quan cấp trên",
                "province_code is missing and cannot be derived from the unit or the parent",
            )
        elif len(row.province_code) > 10:
            out.add(row.row, "province_code", "Mã tỉnh quá dài", "The province code is too long")


def _year_bounds(period: str) -> tuple[date, date] | None:
    if re.fullmatch(r"\d{4}", period):
        year = int(period)
        return date(year, 1, 1), date(year + 1, 1, 1)
    return None


def _check_groups(
    by_code: dict[str, AgencyRow], table: Table, period: str | None, out: ProblemCollector
) -> set[str]:
    """Group codes must be short and, in a year-period, the agency must be valid that year."""
    periods: set[str] = set()
    if period:
        periods.add(period)
    for _, raw in table.rows:
        if raw.get("period"):
            periods.add(raw["period"].strip())
    for row in by_code.values():
        for group_period, group_code in row.groups:
            periods.add(group_period)
            if len(group_code) > 40 or len(group_period) > 20:
                out.add(row.row, "groups", "Mã nhóm hoặc kỳ quá dài", "Group code or period too long")
                continue
            bounds = _year_bounds(group_period)
            if bounds and not _overlaps(row.valid_from, row.valid_to, *bounds):
                out.add(
                    row.row,
                    "groups",
                    f"Cơ quan không còn hiệu lực trong kỳ {group_period} {_span(row)} nên không thể "
                    f"thuộc nhóm {group_code}",
                    f"The agency is not valid in period {group_period} {_span(row)}, so it cannot be in "
                    f"group {group_code}",
                )
    return periods
