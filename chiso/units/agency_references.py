"""Agency import, step 2b: check what the rows of an agency file point at: parents, units, predecessors.

Domain helper of the units room under chiso.units.agency_checks; imports chiso.store models and the
units room's admin (unit look-up) and agency_parse; never chiso.web or chiso.cli. Reads the database,
never writes; every problem goes to the file's ProblemCollector with its row and column.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from chiso.errors import NotFound
from chiso.store.models.agencies import Agency, AgencyLink
from chiso.store.models.units import AdminUnit
from chiso.units.admin import get_unit
from chiso.units.agency_parse import AgencyRow, LinkSpec, ProblemCollector

__all__ = ["KnownAgency", "check_links", "check_parents", "check_units", "format_day", "load_known"]

_CHUNK = 500  # codes per IN (...) query


@dataclass
class KnownAgency:
    """An agency as the rules see it: from the file, or from the database when the file omits it."""

    code: str
    name_vi: str
    parent_code: str | None
    province_code: str | None
    valid_from: date | None
    valid_to: date | None
    row: int | None


def format_day(day: date | None, open_end: str) -> str:
    """Return the ISO date, or `open_end` ("…", "no end date") for an open end."""
    return day.isoformat() if day else open_end


def _same_text(written: str, actual: str) -> bool:
    """Compare two names as a person reads them (Unicode form and runs of spaces ignored)."""
    return " ".join(unicodedata.normalize("NFC", written).split()) == " ".join(
        unicodedata.normalize("NFC", actual).split()
    )


def _name_without_code(
    out: ProblemCollector, row: int, column: str, name: str | None, code_column: str, what_vi: str
) -> None:
    """A descriptive name column filled while its code column is empty describes nothing: say so."""
    if name:
        out.add(
            row,
            column,
            f"Có {column} {name!r} nhưng không có {code_column}; cột tên chỉ để đọc, "
            f"hãy điền mã {what_vi} vào {code_column}",
            f"{column} {name!r} is given without {code_column}; the name is only descriptive, "
            f"put the code in {code_column}",
        )


def load_known(session: Session, codes: set[str]) -> dict[str, KnownAgency]:
    """Load the database agencies with these codes (and their parents' codes)."""
    parent = aliased(Agency)
    known: dict[str, KnownAgency] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), _CHUNK):
        stmt = (
            select(
                Agency.code,
                Agency.name_vi,
                parent.code,
                Agency.province_code,
                Agency.valid_from,
                Agency.valid_to,
            )
            .outerjoin(parent, Agency.parent_id == parent.id)
            .where(Agency.code.in_(ordered[start : start + _CHUNK]))
        )
        for code, name_vi, parent_code, province, valid_from, valid_to in session.execute(stmt):
            known[code] = KnownAgency(code, name_vi, parent_code, province, valid_from, valid_to, None)
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


def check_parents(
    session: Session, by_code: dict[str, AgencyRow], known: dict[str, KnownAgency], out: ProblemCollector
) -> dict[str, str]:
    """Parents must be known, form no cycle and match parent_name; return child -> parent code after it."""
    parent_map = _db_parent_map(session)
    for code, row in by_code.items():
        if row.parent_code:
            parent_map[code] = row.parent_code
        else:
            parent_map.pop(code, None)
    parent_steps = {c: [p] for c, p in parent_map.items()}
    for row in by_code.values():
        if not row.parent_code:
            _name_without_code(
                out, row.row, "parent_name", row.parent_name, "parent_code", "cơ quan cấp trên"
            )
            continue
        parent = known.get(row.parent_code)
        if parent is None:
            out.add(
                row.row,
                "parent_code",
                f"Không có cơ quan cấp trên mã {row.parent_code!r} (trong tệp hay cơ sở dữ liệu)",
                f"Unknown parent code {row.parent_code!r} (not in the file nor in the database)",
            )
            continue
        if row.parent_name and not _same_text(row.parent_name, parent.name_vi):
            out.add(
                row.row,
                "parent_name",
                f"parent_name {row.parent_name!r} không khớp tên cơ quan mã {parent.code} "
                f"({parent.name_vi!r}); cột tên chỉ để đọc: đổi cấp trên bằng parent_code, "
                "đổi tên ở cột name_vi của cơ quan đó",
                f"parent_name {row.parent_name!r} does not match agency {parent.code} "
                f"({parent.name_vi!r}); the name is only descriptive: change parent_code to change "
                "the parent, or that agency's name_vi to rename it",
            )
        cycle = _find_cycle(row.code, parent_steps)
        if cycle:
            out.add(
                row.row,
                "parent_code",
                f"Vòng lặp cơ quan cấp trên: {' -> '.join(cycle)}",
                f"Cycle in parents: {' -> '.join(cycle)}",
            )
    return parent_map


def _resolve_unit(session: Session, code: str, on: date | None) -> AdminUnit | None:
    candidates = [code]
    if code.isdigit():
        candidates += [code.zfill(n) for n in (2, 3, 5) if len(code) < n]
    for candidate in candidates:
        try:
            return get_unit(session, code=candidate, on=on)
        except NotFound:
            continue
    return None


def check_units(session: Session, by_code: dict[str, AgencyRow], out: ProblemCollector) -> None:
    """Resolve unit codes to the unit valid on the agency's dates; unit_name must name that unit."""
    for row in by_code.values():
        if not row.unit_code:
            _name_without_code(out, row.row, "unit_name", row.unit_name, "unit_code", "đơn vị hành chính")
            continue
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
            continue
        row.admin_unit_id = unit.id
        row.province_code = row.province_code or unit.province_code
        if row.unit_name and not _same_text(row.unit_name, unit.full_name):
            out.add(
                row.row,
                "unit_name",
                f"unit_name {row.unit_name!r} không khớp tên đơn vị mã {unit.code} ({unit.full_name!r}); "
                "cột tên chỉ để đọc: đổi đơn vị bằng unit_code",
                f"unit_name {row.unit_name!r} does not match unit {unit.code} ({unit.full_name!r}); "
                "the name is only descriptive: change unit_code to change the unit",
            )


def check_links(
    session: Session, by_code: dict[str, AgencyRow], known: dict[str, KnownAgency], out: ProblemCollector
) -> None:
    """Predecessors must be known, dated and consistent with both validities; links form no cycle."""
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
            elif pred is None:
                out.add(
                    row.row,
                    "predecessor_codes",
                    f"Không có cơ quan tiền thân mã {link.predecessor_code!r} (trong tệp hay cơ sở dữ liệu)",
                    f"Unknown predecessor code {link.predecessor_code!r} "
                    "(not in the file nor in the database)",
                )
            else:
                _check_link_dates(row, link, pred, out)
        cycle = _find_cycle(row.code, link_map) if row.links else None
        if cycle:
            out.add(
                row.row,
                "predecessor_codes",
                f"Vòng lặp tiền thân - kế thừa: {' <- '.join(cycle)}",
                f"Cycle in predecessor links: {' <- '.join(cycle)}",
            )


def _check_link_dates(row: AgencyRow, link: LinkSpec, pred: KnownAgency, out: ProblemCollector) -> None:
    """Set the link's effective date and check it against the predecessor's and the row's validity."""
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
        return
    link.effective_on = effective
    if pred.valid_from and pred.valid_from >= effective:
        out.add(
            row.row,
            "link_date",
            f"Cơ quan tiền thân {pred.code} bắt đầu {pred.valid_from}, không trước ngày liên kết {effective}",
            f"Predecessor {pred.code} starts on {pred.valid_from}, not before the link date {effective}",
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
            f"{format_day(pred.valid_to, 'không thời hạn')}, sau ngày {link.kind} {effective}; "
            f"đặt valid_to của {pred.code} là {effective}",
            f"Overlapping validity: predecessor {pred.code} is valid until "
            f"{format_day(pred.valid_to, 'no end date')}, after the {link.kind} date {effective}; "
            f"set its valid_to to {effective}",
        )
    elif link.kind == "rename" and row.valid_from and pred.valid_to and row.valid_from < pred.valid_to:
        out.add(
            row.row,
            "valid_from",
            f"Hiệu lực chồng lấn: đổi tên từ {pred.code} (hết hiệu lực {pred.valid_to}) "
            f"nhưng cơ quan bắt đầu {row.valid_from}",
            f"Overlapping validity: renamed from {pred.code} (ends {pred.valid_to}) but this agency "
            f"starts on {row.valid_from}",
        )
