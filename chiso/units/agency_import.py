"""Agency import rules: check every row of an agency file against the file and the database.

A domain helper under chiso.units.agencies: imports chiso.store models, chiso.units.admin/io and
chiso.errors; never chiso.web or chiso.cli. Nothing here writes: `validate_agency_rows` returns a
plan for a fully valid file or raises one InvalidInput listing every problem (file, row, column);
chiso.units.agencies applies the plan in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from chiso.errors import InvalidInput, NotFound, Problem
from chiso.store.models.agencies import AGENCY_KINDS, Agency, AgencyLink
from chiso.store.models.units import AdminUnit
from chiso.units.io import COLUMNS, LIST_SEPARATOR, PERIOD_SEPARATOR, REQUIRED_COLUMNS, Table

LINK_KINDS = ("rename", "merge", "split")
CODE_MAX, NAME_MAX = 40, 300
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
_VN_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


# --------------------------------------------------------------------------- validation


@dataclass
class LinkSpec:
    """One predecessor of a row: its code, the kind of change and the date written (if any)."""

    predecessor_code: str
    kind: str
    written_date: date | None
    effective_on: date | None = None


@dataclass
class AgencyRow:
    """One valid row of an agency file, with codes resolved against the database."""

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


@dataclass
class ImportPlan:
    """What a valid file asks for; `has_links`/`has_groups` say whether those columns were present."""

    file: str
    rows: list[AgencyRow]
    has_links: bool
    has_groups: bool
    periods: set[str]


@dataclass
class _Known:
    """An agency as the rules see it: from the file, or from the database when the file omits it."""

    code: str
    parent_code: str | None
    province_code: str | None
    valid_from: date | None
    valid_to: date | None
    row: int | None


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


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


class _Collector:
    """Collects problems for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, row: int | None, column: str | None, vi: str, en: str) -> None:
        self.problems.append(Problem(vi, en, file=self.file, row=row, column=column))


def _check_header(table: Table, out: _Collector) -> None:
    seen: set[str] = set()
    for col in table.columns:
        if not col:
            continue
        if col in seen:
            out.add(1, col, f"Cột {col!r} xuất hiện hai lần", f"Column {col!r} appears twice")
        seen.add(col)
        if col not in COLUMNS:
            out.add(
                1,
                col,
                f"Cột {col!r} không được biết; các cột hợp lệ: {', '.join(COLUMNS)}",
                f"Unknown column {col!r}; valid columns: {', '.join(COLUMNS)}",
            )
    for col in REQUIRED_COLUMNS:
        if col not in seen:
            out.add(
                1,
                col,
                f"Thiếu cột bắt buộc {col!r} (cần: {', '.join(REQUIRED_COLUMNS)})",
                f"Missing required column {col!r} (required: {', '.join(REQUIRED_COLUMNS)})",
            )


def _parse_row(number: int, raw: dict[str, str], period_option: str | None, out: _Collector) -> AgencyRow:
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
    code = get("code")
    if not code:
        out.add(number, "code", "Thiếu mã cơ quan", "The agency code is missing")
    elif len(code) > CODE_MAX or not _CODE_RE.match(code):
        out.add(
            number,
            "code",
            f"Mã {code!r} không hợp lệ: tối đa {CODE_MAX} ký tự chữ, số, '.', '_' hoặc '-'",
            f"Invalid code {code!r}: at most {CODE_MAX} letters, digits, '.', '_' or '-'",
        )
    name_vi = get("name_vi")
    if not name_vi:
        out.add(number, "name_vi", "Thiếu tên tiếng Việt", "The Vietnamese name is missing")
    elif len(name_vi) > NAME_MAX:
        out.add(number, "name_vi", f"Tên dài quá {NAME_MAX} ký tự", f"The name is over {NAME_MAX} characters")
    name_en = get("name_en") or None
    if name_en and len(name_en) > NAME_MAX:
        out.add(number, "name_en", f"Tên dài quá {NAME_MAX} ký tự", f"The name is over {NAME_MAX} characters")
    kind = get("kind").lower()
    if kind not in AGENCY_KINDS:
        out.add(
            number,
            "kind",
            f"Loại {kind!r} không hợp lệ; chọn một trong: {', '.join(AGENCY_KINDS)}",
            f"Unknown kind {kind!r}; expected one of: {', '.join(AGENCY_KINDS)}",
        )
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
    links = _parse_links(number, get("predecessor_codes"), get("link_kind"), get("link_date"), out)
    period = get("period") or period_option
    groups: list[tuple[str, str]] = []
    for item in _split(get("groups")):
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
        groups=groups,
    )


def _parse_links(
    number: int, codes_text: str, kinds_text: str, dates_text: str, out: _Collector
) -> list[LinkSpec]:
    codes = _split(codes_text)
    kinds = [k.lower() for k in _split(kinds_text)]
    date_texts = _split(dates_text)
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
    parsed_dates: list[date | None] = []
    for text in date_texts:
        try:
            parsed_dates.append(parse_date(text))
        except ValueError:
            parsed_dates.append(None)
            out.add(
                number,
                "link_date",
                f"Ngày {text!r} không hợp lệ; viết dạng 2025-07-01",
                f"Bad date {text!r}; write 2025-07-01",
            )
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


def _overlaps(a_from: date | None, a_to: date | None, b_from: date | None, b_to: date | None) -> bool:
    lo_a, hi_a = a_from or date.min, a_to or date.max
    lo_b, hi_b = b_from or date.min, b_to or date.max
    return lo_a < hi_b and lo_b < hi_a


def _fmt(day: date | None, open_end: str) -> str:
    return day.isoformat() if day else open_end


def _find_cycle(start: str, step: dict[str, list[str]]) -> list[str] | None:
    """Return a cycle through `start` in the graph `step` (code -> next codes), or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in step.get(node, []):
            if nxt == start:
                return path + [start]
            if nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def _load_known(session: Session, codes: set[str]) -> dict[str, _Known]:
    """Load the database agencies with these codes (and their parents' codes)."""
    parent = aliased(Agency)
    known: dict[str, _Known] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        stmt = (
            select(Agency.code, parent.code, Agency.province_code, Agency.valid_from, Agency.valid_to)
            .outerjoin(parent, Agency.parent_id == parent.id)
            .where(Agency.code.in_(chunk))
        )
        for code, parent_code, province, valid_from, valid_to in session.execute(stmt):
            known[code] = _Known(code, parent_code, province, valid_from, valid_to, None)
    return known


def _db_parent_map(session: Session) -> dict[str, str]:
    parent = aliased(Agency)
    stmt = select(Agency.code, parent.code).join(parent, Agency.parent_id == parent.id)
    return {child: par for child, par in session.execute(stmt)}


def _db_link_map(session: Session) -> dict[str, list[str]]:
    """successor code -> predecessor codes, as stored."""
    pred, succ = aliased(Agency), aliased(Agency)
    stmt = (
        select(succ.code, pred.code)
        .select_from(AgencyLink)
        .join(pred, AgencyLink.predecessor_id == pred.id)
        .join(succ, AgencyLink.successor_id == succ.id)
    )
    out: dict[str, list[str]] = {}
    for successor, predecessor in session.execute(stmt):
        out.setdefault(successor, []).append(predecessor)
    return out


def _resolve_unit(session: Session, code: str, on: date | None) -> AdminUnit | None:
    from chiso.units.admin import get_unit

    candidates = [code]
    if code.isdigit():
        candidates += [code.zfill(n) for n in (2, 3, 5) if len(code) < n]
    for candidate in candidates:
        try:
            return get_unit(session, code=candidate, on=on)
        except NotFound:
            continue
    return None


def _year_bounds(period: str) -> tuple[date, date] | None:
    if re.fullmatch(r"\d{4}", period):
        year = int(period)
        return date(year, 1, 1), date(year + 1, 1, 1)
    return None


def validate_agency_rows(session: Session, table: Table, *, period: str | None = None) -> ImportPlan:
    """Check every row of an agency table against the file and the database; write nothing.

    Checks: missing or unknown columns; missing or malformed code, name, kind and dates; duplicate
    codes and overlapping validity of one code; unknown parent, administrative unit and predecessor
    codes; cycles in parents and in predecessor links; predecessor/successor validity that overlaps
    or contradicts the link date; groups without a period or outside the agency's validity.

    Args:
        session: the SQLAlchemy session (read only).
        table: the rows read by `read_table`.
        period: the period of group codes written without one (the `--period` option).

    Returns:
        The ImportPlan of a fully valid file.

    Raises:
        InvalidInput: one or more problems, every one listed with file, row and column.
    """
    out = _Collector(table.file)
    _check_header(table, out)
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
    rows = [_parse_row(number, raw, period, out) for number, raw in table.rows]

    # Duplicate codes: one row per agency; a second row is a duplicate or an overlapping interval.
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
                f"Mã {row.code!r} đã có ở dòng {first.row} với hiệu lực chồng lấn "
                f"({_fmt(first.valid_from, '…')} - {_fmt(first.valid_to, '…')})",
                f"Code {row.code!r} is already on row {first.row} with an overlapping validity "
                f"({_fmt(first.valid_from, '…')} - {_fmt(first.valid_to, '…')})",
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

    referenced = {r.parent_code for r in rows if r.parent_code} | {
        link.predecessor_code for r in rows for link in r.links
    }
    known = _load_known(session, referenced | set(by_code))
    for code, row in by_code.items():
        known[code] = _Known(code, row.parent_code, row.province_code, row.valid_from, row.valid_to, row.row)

    # Parents: known, no cycles.
    parent_map = _db_parent_map(session)
    for code, row in by_code.items():
        if row.parent_code:
            parent_map[code] = row.parent_code
        else:
            parent_map.pop(code, None)
    parent_steps = {c: [p] for c, p in parent_map.items()}
    for row in by_code.values():
        if not row.parent_code:
            continue
        if row.parent_code not in known:
            out.add(
                row.row,
                "parent_code",
                f"Không có cơ quan cấp trên mã {row.parent_code!r} (trong tệp hay cơ sở dữ liệu)",
                f"Unknown parent code {row.parent_code!r} (not in the file nor in the database)",
            )
            continue
        cycle = _find_cycle(row.code, parent_steps)
        if cycle:
            out.add(
                row.row,
                "parent_code",
                f"Vòng lặp cơ quan cấp trên: {' -> '.join(cycle)}",
                f"Cycle in parents: {' -> '.join(cycle)}",
            )

    # Administrative units, valid on the agency's dates; province from the unit or the parent.
    for row in by_code.values():
        if row.unit_code:
            on = row.valid_from or (date.fromordinal(row.valid_to.toordinal() - 1) if row.valid_to else None)
            unit = _resolve_unit(session, row.unit_code, on)
            if unit is None:
                when = f" hiệu lực ngày {on}" if on else ""
                when_en = f" valid on {on}" if on else ""
                out.add(
                    row.row,
                    "unit_code",
                    f"Không có đơn vị hành chính mã {row.unit_code!r}{when}",
                    f"Unknown administrative unit code {row.unit_code!r}{when_en}",
                )
            else:
                row.admin_unit_id = unit.id
                row.province_code = row.province_code or unit.province_code
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

    _check_links(session, by_code, known, out)
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


def _check_links(
    session: Session, by_code: dict[str, AgencyRow], known: dict[str, _Known], out: _Collector
) -> None:
    link_map = _db_link_map(session)
    for code, row in by_code.items():
        link_map[code] = [link.predecessor_code for link in row.links]
    for row in by_code.values():
        for link in row.links:
            pred = known.get(link.predecessor_code)
            if link.predecessor_code == row.code:
                out.add(
                    row.row,
                    "predecessor_codes",
                    "Cơ quan không thể là tiền thân của chính nó",
                    "An agency cannot be its own predecessor",
                )
                continue
            if pred is None:
                out.add(
                    row.row,
                    "predecessor_codes",
                    f"Không có cơ quan tiền thân mã {link.predecessor_code!r} (trong tệp hay cơ sở dữ liệu)",
                    f"Unknown predecessor code {link.predecessor_code!r} "
                    "(not in the file nor in the database)",
                )
                continue
            effective = link.written_date or row.valid_from or pred.valid_to
            if effective is None:
                out.add(
                    row.row,
                    "link_date",
                    f"Không xác định được ngày hiệu lực của liên kết từ {pred.code}: điền link_date, "
                    "valid_from của cơ quan này hoặc valid_to của cơ quan tiền thân",
                    f"No effective date for the link from {pred.code}: fill link_date, this agency's "
                    "valid_from or the predecessor's valid_to",
                )
                continue
            link.effective_on = effective
            if pred.valid_from and pred.valid_from >= effective:
                out.add(
                    row.row,
                    "link_date",
                    f"Cơ quan tiền thân {pred.code} bắt đầu {pred.valid_from}, "
                    f"không trước ngày liên kết {effective}",
                    f"Predecessor {pred.code} starts on {pred.valid_from}, "
                    f"not before the link date {effective}",
                )
            if row.valid_from and row.valid_from > effective:
                out.add(
                    row.row,
                    "valid_from",
                    f"Cơ quan bắt đầu {row.valid_from}, sau ngày liên kết {effective}",
                    f"The agency starts on {row.valid_from}, after the link date {effective}",
                )
            if row.valid_to and row.valid_to <= effective:
                out.add(
                    row.row,
                    "valid_to",
                    f"Cơ quan hết hiệu lực {row.valid_to}, không sau ngày liên kết {effective}",
                    f"The agency ends on {row.valid_to}, not after the link date {effective}",
                )
            if link.kind in ("rename", "merge") and (pred.valid_to is None or pred.valid_to > effective):
                out.add(
                    row.row,
                    "predecessor_codes",
                    f"Hiệu lực chồng lấn: cơ quan tiền thân {pred.code} còn hiệu lực đến "
                    f"{_fmt(pred.valid_to, 'không thời hạn')}, sau ngày {link.kind} {effective}; "
                    f"đặt valid_to của {pred.code} là {effective}",
                    f"Overlapping validity: predecessor {pred.code} is valid until "
                    f"{_fmt(pred.valid_to, 'no end date')}, after the {link.kind} date {effective}; "
                    f"set its valid_to to {effective}",
                )
            elif (
                link.kind == "rename" and row.valid_from and pred.valid_to and row.valid_from < pred.valid_to
            ):
                out.add(
                    row.row,
                    "valid_from",
                    f"Hiệu lực chồng lấn: đổi tên từ {pred.code} (hết hiệu lực {pred.valid_to}) "
                    f"nhưng cơ quan bắt đầu {row.valid_from}",
                    f"Overlapping validity: renamed from {pred.code} (ends {pred.valid_to}) but this agency "
                    f"starts on {row.valid_from}",
                )
        cycle = _find_cycle(row.code, link_map) if row.links else None
        if cycle:
            out.add(
                row.row,
                "predecessor_codes",
                f"Vòng lặp tiền thân - kế thừa: {' <- '.join(cycle)}",
                f"Cycle in predecessor links: {' <- '.join(cycle)}",
            )


def _check_groups(
    by_code: dict[str, AgencyRow], table: Table, period: str | None, out: _Collector
) -> set[str]:
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
                    f"Cơ quan không còn hiệu lực trong kỳ {group_period} "
                    f"({_fmt(row.valid_from, '…')} - {_fmt(row.valid_to, '…')}) nên không thể thuộc nhóm "
                    f"{group_code}",
                    f"The agency is not valid in period {group_period} "
                    f"({_fmt(row.valid_from, '…')} - {_fmt(row.valid_to, '…')}), so it cannot be in group "
                    f"{group_code}",
                )
    return periods
