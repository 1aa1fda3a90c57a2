"""Agencies service: search, detail, history (renames, merges, splits), peer groups, import and export.

Domain service: keyword-only functions taking the SQLAlchemy session explicitly; they flush, never
commit (the CLI command or web request owns the transaction). Imports chiso.store models and the
units room (text, admin, io, agency_import), never chiso.web or chiso.cli.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from chiso.errors import InvalidInput, NotFound, Problem
from chiso.store.models.agencies import AGENCY_KINDS, Agency, AgencyLink, GroupMember, PeerGroup
from chiso.store.models.audit import AuditEntry
from chiso.store.models.units import AdminUnit
from chiso.units.agency_import import LINK_KINDS, AgencyRow, ImportPlan, validate_agency_rows
from chiso.units.io import COLUMNS, LIST_SEPARATOR, PERIOD_SEPARATOR, Table, read_table, write_table
from chiso.units.text import fold, sort_key

__all__ = [
    "AGENCY_KINDS",
    "GROUP_NAMES",
    "AgencyHistory",
    "AgencyOut",
    "GroupOut",
    "HistoryLink",
    "ImportReport",
    "agency_groups",
    "create_agency",
    "describe_agency",
    "ensure_group",
    "export_agencies",
    "get_agency",
    "get_agency_history",
    "get_group",
    "import_agencies",
    "import_agency_table",
    "link_agencies",
    "list_groups",
    "search_agencies",
    "set_group_members",
]

# The usual peer groups of a province, with their names (a file may use other codes too).
GROUP_NAMES: dict[str, tuple[str, str]] = {
    "SBN": ("Sở, ban, ngành", "Departments and boards"),
    "TW": ("Cơ quan Trung ương", "Central agencies in the province"),
    "QH": ("UBND quận, huyện", "District people's committees"),
    "PX": ("UBND phường, xã", "Ward and commune people's committees"),
}


# --------------------------------------------------------------------------- output models


class AgencyOut(BaseModel):
    """An agency as pages and the JSON API show it."""

    code: str
    name_vi: str
    name_en: str | None = None
    kind: str
    province_code: str
    parent_code: str | None = None
    parent_name: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None  # exclusive end


class HistoryLink(BaseModel):
    """One step of an agency's history: `predecessor_code` became (part of) `successor_code`."""

    predecessor_code: str
    predecessor_name: str
    successor_code: str
    successor_name: str
    kind: str  # rename | merge | split
    effective_on: date
    depth: int  # 1 = a direct link of the agency, 2 = one step further, ...
    note: str = ""


class AgencyHistory(BaseModel):
    """An agency with every predecessor and successor, transitively, oldest first."""

    agency: AgencyOut
    predecessors: list[HistoryLink] = []
    successors: list[HistoryLink] = []


class GroupOut(BaseModel):
    """A peer group of one province and period, with its members' codes in Vietnamese name order."""

    province_code: str
    period: str
    code: str
    name_vi: str
    name_en: str | None = None
    member_codes: list[str] = []


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    file: str
    rows: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    links_added: int = 0
    links_removed: int = 0
    groups_created: list[str] = field(default_factory=list)
    members_added: int = 0
    members_removed: int = 0
    dry_run: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# --------------------------------------------------------------------------- reading


def describe_agency(agency: Agency) -> AgencyOut:
    """Return the output model of an agency (parent and unit included)."""
    unit: AdminUnit | None = agency.admin_unit
    return AgencyOut(
        code=agency.code,
        name_vi=agency.name_vi,
        name_en=agency.name_en,
        kind=agency.kind,
        province_code=agency.province_code,
        parent_code=agency.parent.code if agency.parent else None,
        parent_name=agency.parent.name_vi if agency.parent else None,
        unit_code=unit.code if unit else None,
        unit_name=unit.full_name if unit else None,
        valid_from=agency.valid_from,
        valid_to=agency.valid_to,
    )


def _valid_on(on: date):  # type: ignore[no-untyped-def]
    return and_(
        or_(Agency.valid_from.is_(None), Agency.valid_from <= on),
        or_(Agency.valid_to.is_(None), Agency.valid_to > on),
    )


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_agencies(
    session: Session,
    *,
    q: str | None = None,
    kind: str | None = None,
    province_code: str | None = None,
    on: date | None = None,
    group: str | None = None,
    period: str | None = None,
) -> list[Agency]:
    """Find agencies, accent-insensitively, in Vietnamese alphabetical order of their names.

    Args:
        session: an open session.
        q: words that must all appear in the name (accents and case ignored: "so khoa hoc" finds
            "Sở Khoa học và Công nghệ"), or part of the code ("DNG.SO").
        kind: department, central, district, commune or other.
        province_code: only agencies of this province ("48").
        on: only agencies valid on this date.
        group: only members of this peer group code ("SBN"), or "PERIOD:CODE" ("2024:SBN").
        period: the period of `group` (any period when None).

    Returns:
        The matching Agency rows, sorted with the Vietnamese sort key.

    Raises:
        InvalidInput: unknown kind.
    """
    if kind and kind not in AGENCY_KINDS:
        raise InvalidInput(
            f"Loại cơ quan {kind!r} không hợp lệ",
            f"Unknown agency kind {kind!r}",
            [
                Problem(
                    f"Chọn: {', '.join(AGENCY_KINDS)}", f"Use one of: {', '.join(AGENCY_KINDS)}", field="kind"
                )
            ],
        )
    query = select(Agency)
    if q and q.strip():
        words = fold(q).split()
        code_match = func.lower(Agency.code).like(_like(q.strip().lower()), escape="\\")
        name_match = and_(*(Agency.name_ascii.like(_like(w), escape="\\") for w in words))
        query = query.where(or_(name_match, code_match))
    if kind:
        query = query.where(Agency.kind == kind)
    if province_code:
        query = query.where(Agency.province_code == province_code.strip())
    if on:
        query = query.where(_valid_on(on))
    if group:
        if PERIOD_SEPARATOR in group and period is None:
            period, group = (s.strip() for s in group.split(PERIOD_SEPARATOR, 1))
        members = select(GroupMember.agency_id).join(PeerGroup, PeerGroup.id == GroupMember.group_id)
        members = members.where(PeerGroup.code == group)
        if period:
            members = members.where(PeerGroup.period == period)
        if province_code:
            members = members.where(PeerGroup.province_code == province_code.strip())
        query = query.where(Agency.id.in_(members))
    agencies = list(session.scalars(query))
    agencies.sort(key=lambda a: (sort_key(a.name_vi), a.valid_from or date.min, a.code))
    return agencies


def get_agency(session: Session, *, code: str) -> Agency:
    """Return the agency with this code.

    Raises:
        NotFound: no agency has this code.
    """
    agency = session.scalar(select(Agency).where(Agency.code == code.strip()))
    if agency is None:
        raise NotFound(
            f"Không có cơ quan, đơn vị mã {code!r}",
            f"No agency with code {code!r}; search with `chiso agencies list --q NAME`",
        )
    return agency


def get_agency_history(session: Session, *, code: str) -> AgencyHistory:
    """Trace an agency's predecessors and successors, transitively, with the dates of each change.

    Args:
        session: an open session.
        code: the agency code.

    Returns:
        The agency, its predecessors (what it came from, nearest first by depth, then by date) and
        its successors (what it became).

    Raises:
        NotFound: no agency has this code.
    """
    agency = get_agency(session, code=code)
    pred, succ = aliased(Agency), aliased(Agency)

    def walk(start: int, backward: bool) -> list[HistoryLink]:
        seen = {start}
        frontier = {start}
        out: list[HistoryLink] = []
        depth = 0
        while frontier:
            depth += 1
            end = AgencyLink.successor_id if backward else AgencyLink.predecessor_id
            stmt = (
                select(AgencyLink, pred, succ)
                .join(pred, pred.id == AgencyLink.predecessor_id)
                .join(succ, succ.id == AgencyLink.successor_id)
                .where(end.in_(frontier))
            )
            nxt: set[int] = set()
            for link, p, s in session.execute(stmt):
                out.append(
                    HistoryLink(
                        predecessor_code=p.code,
                        predecessor_name=p.name_vi,
                        successor_code=s.code,
                        successor_name=s.name_vi,
                        kind=link.kind,
                        effective_on=link.effective_on,
                        depth=depth,
                        note=link.note or "",
                    )
                )
                other = p.id if backward else s.id
                if other not in seen:
                    seen.add(other)
                    nxt.add(other)
            frontier = nxt
        out.sort(key=lambda h: (h.depth, h.effective_on, sort_key(h.predecessor_name), h.successor_code))
        return out

    return AgencyHistory(
        agency=describe_agency(agency),
        predecessors=walk(agency.id, backward=True),
        successors=walk(agency.id, backward=False),
    )


def _group_out(group: PeerGroup, members: list[Agency]) -> GroupOut:
    members = sorted(members, key=lambda a: (sort_key(a.name_vi), a.code))
    return GroupOut(
        province_code=group.province_code,
        period=group.period,
        code=group.code,
        name_vi=group.name_vi,
        name_en=group.name_en,
        member_codes=[a.code for a in members],
    )


def _groups_with_members(session: Session, groups: list[PeerGroup]) -> list[GroupOut]:
    ids = [g.id for g in groups]
    members: dict[int, list[Agency]] = {i: [] for i in ids}
    if ids:
        stmt = select(GroupMember.group_id, Agency).join(Agency, Agency.id == GroupMember.agency_id)
        for group_id, agency in session.execute(stmt.where(GroupMember.group_id.in_(ids))):
            members[group_id].append(agency)
    return [_group_out(g, members[g.id]) for g in groups]


def list_groups(
    session: Session, *, province_code: str | None = None, period: str | None = None
) -> list[GroupOut]:
    """List the peer groups (of a province, of a period) with their members, by period then code."""
    query = select(PeerGroup)
    if province_code:
        query = query.where(PeerGroup.province_code == province_code.strip())
    if period:
        query = query.where(PeerGroup.period == period.strip())
    groups = list(session.scalars(query.order_by(PeerGroup.province_code, PeerGroup.period, PeerGroup.code)))
    return _groups_with_members(session, groups)


def get_group(session: Session, *, province_code: str, period: str, code: str) -> GroupOut:
    """Return one peer group with its members.

    Raises:
        NotFound: no such group.
    """
    group = session.scalar(
        select(PeerGroup).where(
            PeerGroup.province_code == province_code, PeerGroup.period == period, PeerGroup.code == code
        )
    )
    if group is None:
        raise NotFound(
            f"Không có nhóm {code} kỳ {period} của tỉnh {province_code}",
            f"No group {code} for period {period} in province {province_code}",
        )
    return _groups_with_members(session, [group])[0]


def agency_groups(session: Session, *, code: str) -> list[GroupOut]:
    """List the peer groups an agency belongs to (members omitted), by period."""
    agency = get_agency(session, code=code)
    stmt = (
        select(PeerGroup)
        .join(GroupMember, GroupMember.group_id == PeerGroup.id)
        .where(GroupMember.agency_id == agency.id)
        .order_by(PeerGroup.period, PeerGroup.code)
    )
    return [_group_out(g, []) for g in session.scalars(stmt)]


# --------------------------------------------------------------------------- writing


def create_agency(
    session: Session,
    *,
    code: str,
    name_vi: str,
    kind: str,
    province_code: str,
    name_en: str | None = None,
    parent: Agency | None = None,
    admin_unit: AdminUnit | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Agency:
    """Add one agency (no validation beyond the kind: use `import_agencies` for user input)."""
    if kind not in AGENCY_KINDS:
        raise InvalidInput(f"Loại cơ quan {kind!r} không hợp lệ", f"Unknown agency kind {kind!r}")
    agency = Agency(
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        name_ascii=fold(name_vi),
        kind=kind,
        province_code=province_code,
        parent_id=parent.id if parent else None,
        admin_unit_id=admin_unit.id if admin_unit else None,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(agency)
    session.flush()
    return agency


def link_agencies(
    session: Session,
    *,
    predecessor: Agency,
    successor: Agency,
    kind: str,
    effective_on: date,
    note: str = "",
) -> AgencyLink:
    """Record that `predecessor` became (part of) `successor` on `effective_on`."""
    if kind not in LINK_KINDS:
        raise InvalidInput(f"Kiểu liên kết {kind!r} không hợp lệ", f"Unknown link kind {kind!r}")
    link = AgencyLink(
        predecessor_id=predecessor.id,
        successor_id=successor.id,
        kind=kind,
        effective_on=effective_on,
        note=note,
    )
    session.add(link)
    session.flush()
    return link


def ensure_group(
    session: Session,
    *,
    province_code: str,
    period: str,
    code: str,
    name_vi: str | None = None,
    name_en: str | None = None,
) -> tuple[PeerGroup, bool]:
    """Return the peer group, creating it (named from GROUP_NAMES or the code) when missing.

    Returns:
        (group, created).
    """
    group = session.scalar(
        select(PeerGroup).where(
            PeerGroup.province_code == province_code, PeerGroup.period == period, PeerGroup.code == code
        )
    )
    if group is not None:
        return group, False
    default_vi, default_en = GROUP_NAMES.get(code, (code, code))
    group = PeerGroup(
        province_code=province_code,
        period=period,
        code=code,
        name_vi=name_vi or default_vi,
        name_en=name_en or default_en,
    )
    session.add(group)
    session.flush()
    return group, True


def set_group_members(session: Session, *, group: PeerGroup, agencies: Iterable[Agency]) -> tuple[int, int]:
    """Make `agencies` exactly the members of `group`. Returns (added, removed)."""
    wanted = {a.id for a in agencies}
    current = set(session.scalars(select(GroupMember.agency_id).where(GroupMember.group_id == group.id)))
    removed = current - wanted
    if removed:
        session.execute(
            delete(GroupMember).where(GroupMember.group_id == group.id, GroupMember.agency_id.in_(removed))
        )
    for agency_id in sorted(wanted - current):
        session.add(GroupMember(group_id=group.id, agency_id=agency_id))
    session.flush()
    return len(wanted - current), len(removed)


# --------------------------------------------------------------------------- import / export

_SCALARS = ("name_vi", "name_en", "kind", "province_code", "valid_from", "valid_to", "admin_unit_id")


def _apply(session: Session, plan: ImportPlan, report: ImportReport) -> None:
    codes = [r.code for r in plan.rows]
    existing: dict[str, Agency] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        existing.update({a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(chunk)))})
    parents = {r.parent_code for r in plan.rows if r.parent_code} - set(existing)
    parents |= {link.predecessor_code for r in plan.rows for link in r.links} - set(existing)
    by_code = dict(existing)
    if parents:
        by_code.update({a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(parents)))})

    changed: set[str] = set()
    for row in plan.rows:
        agency = by_code.get(row.code)
        values = {f: getattr(row, f) for f in _SCALARS}
        if agency is None:
            agency = Agency(code=row.code, name_ascii=fold(row.name_vi), **values)
            session.add(agency)
            by_code[row.code] = agency
            report.created.append(row.code)
            continue
        if any(getattr(agency, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(agency, f, v)
            agency.name_ascii = fold(row.name_vi)
            changed.add(row.code)
    session.flush()
    for row in plan.rows:
        agency = by_code[row.code]
        parent_id = by_code[row.parent_code].id if row.parent_code else None
        if agency.parent_id != parent_id:
            agency.parent_id = parent_id
            changed.add(row.code)
    if plan.has_links:
        _sync_links(session, plan.rows, by_code, report, changed)
    if plan.has_groups:
        _sync_groups(session, plan, by_code, report, changed)
    session.flush()
    report.updated = sorted(changed - set(report.created))
    report.unchanged = len(plan.rows) - len(report.created) - len(report.updated)


def _sync_links(
    session: Session,
    rows: list[AgencyRow],
    by_code: dict[str, Agency],
    report: ImportReport,
    changed: set[str],
) -> None:
    ids = [by_code[r.code].id for r in rows]
    current: dict[tuple[int, int], AgencyLink] = {}
    for start in range(0, len(ids), 500):
        stmt = select(AgencyLink).where(AgencyLink.successor_id.in_(ids[start : start + 500]))
        current.update({(link.predecessor_id, link.successor_id): link for link in session.scalars(stmt)})
    wanted: set[tuple[int, int]] = set()
    for row in rows:
        successor = by_code[row.code]
        for spec in row.links:
            assert spec.effective_on is not None  # validated
            key = (by_code[spec.predecessor_code].id, successor.id)
            wanted.add(key)
            link = current.get(key)
            if link is None:
                session.add(
                    AgencyLink(
                        predecessor_id=key[0],
                        successor_id=key[1],
                        kind=spec.kind,
                        effective_on=spec.effective_on,
                    )
                )
                report.links_added += 1
                changed.add(row.code)
            elif link.kind != spec.kind or link.effective_on != spec.effective_on:
                link.kind, link.effective_on = spec.kind, spec.effective_on
                changed.add(row.code)
    by_id = {a.id: code for code, a in by_code.items()}
    for key, link in current.items():
        if key not in wanted:
            session.delete(link)
            report.links_removed += 1
            changed.add(by_id.get(key[1], ""))
    changed.discard("")


def _sync_groups(
    session: Session, plan: ImportPlan, by_code: dict[str, Agency], report: ImportReport, changed: set[str]
) -> None:
    """For every period the file names, the file says exactly which groups its agencies belong to."""
    wanted: dict[tuple[str, str, str], set[int]] = {}
    for row in plan.rows:
        agency = by_code[row.code]
        for period, code in row.groups:
            wanted.setdefault((agency.province_code, period, code), set()).add(agency.id)
    file_ids = {by_code[r.code].id for r in plan.rows}
    groups: dict[tuple[str, str, str], PeerGroup] = {}
    if plan.periods:
        stmt = select(PeerGroup).where(PeerGroup.period.in_(sorted(plan.periods)))
        groups = {(g.province_code, g.period, g.code): g for g in session.scalars(stmt)}
    for key in sorted(wanted):
        if key not in groups:
            groups[key], _ = ensure_group(session, province_code=key[0], period=key[1], code=key[2])
            report.groups_created.append(PERIOD_SEPARATOR.join(key[1:]))
    by_id = {a.id: code for code, a in by_code.items()}
    for key, group in groups.items():
        current = set(session.scalars(select(GroupMember.agency_id).where(GroupMember.group_id == group.id)))
        target = (current - file_ids) | wanted.get(key, set())
        for agency_id in sorted(target - current):
            session.add(GroupMember(group_id=group.id, agency_id=agency_id))
            report.members_added += 1
            changed.add(by_id[agency_id])
        gone = current - target
        if gone:
            session.execute(
                delete(GroupMember).where(GroupMember.group_id == group.id, GroupMember.agency_id.in_(gone))
            )
            report.members_removed += len(gone)
            changed.update(by_id[i] for i in gone)


def import_agencies(
    session: Session, *, path: str | Path, dry_run: bool = False, period: str | None = None
) -> ImportReport:
    """Import agencies from a CSV or .xlsx file: validate every row, then write all or nothing.

    Agencies are matched by code (created or updated; agencies absent from the file are kept). When
    the file has a predecessor_codes column, it states each listed agency's predecessors exactly;
    when it has a groups column, it states the memberships of its agencies for every period it names.
    Importing the same file twice changes nothing the second time.

    Args:
        session: the SQLAlchemy session (flushed, not committed; roll back to undo).
        path: the file (.csv in UTF-8, UTF-8 with BOM, UTF-16 or Windows-1258; or .xlsx).
        dry_run: validate and count, but write nothing.
        period: the period of group codes written without one ("2026").

    Returns:
        An ImportReport of what was (or would be) created and updated.

    Raises:
        InvalidInput: the file cannot be read or any row is wrong; every problem is listed with its
            file, row and column, and nothing is written.
    """
    return import_agency_table(session, table=read_table(path), dry_run=dry_run, period=period)


def import_agency_table(
    session: Session, *, table: Table, dry_run: bool = False, period: str | None = None
) -> ImportReport:
    """Import agencies from rows already read (a file, or rows built by the demo); see `import_agencies`.

    Raises:
        InvalidInput: any row is wrong (every problem listed; nothing written).
    """
    plan = validate_agency_rows(session, table, period=period)
    report = ImportReport(file=table.file, rows=len(table.rows), dry_run=dry_run)
    if dry_run:
        nested = session.begin_nested()
        try:
            _apply(session, plan, report)
        finally:
            nested.rollback()
        return report
    _apply(session, plan, report)
    session.add(
        AuditEntry(
            at=datetime.now(UTC),
            action="agency.import",
            object_type="agency_file",
            object_id=table.file[:80],
            new_value=json.dumps(
                {k: v for k, v in report.to_dict().items() if k not in ("created", "updated")}
                | {"created": len(report.created), "updated": len(report.updated)},
                ensure_ascii=False,
            ),
        )
    )
    session.flush()
    return report


def _join_aligned(values: list[str]) -> str:
    """One value when all are equal, else the list (aligned with predecessor_codes)."""
    if not values:
        return ""
    return values[0] if len(set(values)) == 1 else LIST_SEPARATOR.join(values)


def export_rows(session: Session, *, province_code: str | None = None) -> list[dict[str, str]]:
    """Return the agencies as rows of the import format, in Vietnamese order by kind and name."""
    query = select(Agency)
    if province_code:
        query = query.where(Agency.province_code == province_code.strip())
    agencies = list(session.scalars(query))
    ids = {a.id for a in agencies}
    codes = {a.id: a.code for a in session.execute(select(Agency.id, Agency.code))}
    units = {u.id: u.code for u in session.execute(select(AdminUnit.id, AdminUnit.code).where(
        AdminUnit.id.in_({a.admin_unit_id for a in agencies if a.admin_unit_id})))}  # fmt: skip
    links: dict[int, list[AgencyLink]] = {}
    for link in session.scalars(select(AgencyLink)):
        if link.successor_id in ids:
            links.setdefault(link.successor_id, []).append(link)
    memberships: dict[int, list[str]] = {}
    stmt = select(GroupMember.agency_id, PeerGroup.period, PeerGroup.code).join(
        PeerGroup, PeerGroup.id == GroupMember.group_id
    )
    for agency_id, period, code in session.execute(stmt):
        if agency_id in ids:
            memberships.setdefault(agency_id, []).append(f"{period}{PERIOD_SEPARATOR}{code}")
    kind_rank = {k: i for i, k in enumerate(AGENCY_KINDS)}
    agencies.sort(key=lambda a: (a.province_code, kind_rank.get(a.kind, 9), sort_key(a.name_vi), a.code))
    rows = []
    for a in agencies:
        preds = sorted(links.get(a.id, []), key=lambda link: codes[link.predecessor_id])
        rows.append(
            {
                "code": a.code,
                "name_vi": a.name_vi,
                "name_en": a.name_en or "",
                "kind": a.kind,
                "parent_code": codes.get(a.parent_id, "") if a.parent_id else "",
                "unit_code": units.get(a.admin_unit_id, "") if a.admin_unit_id else "",
                "province_code": a.province_code,
                "valid_from": a.valid_from.isoformat() if a.valid_from else "",
                "valid_to": a.valid_to.isoformat() if a.valid_to else "",
                "predecessor_codes": LIST_SEPARATOR.join(codes[link.predecessor_id] for link in preds),
                "link_kind": _join_aligned([link.kind for link in preds]),
                "link_date": _join_aligned([link.effective_on.isoformat() for link in preds]),
                "groups": LIST_SEPARATOR.join(sorted(memberships.get(a.id, []))),
                "period": "",
            }
        )
    return rows


def export_agencies(session: Session, *, path: str | Path, province_code: str | None = None) -> int:
    """Write the agencies to a CSV (UTF-8 with BOM) or .xlsx file that `import_agencies` reads back.

    Args:
        session: an open session.
        path: the target file; .csv or .xlsx.
        province_code: only this province's agencies.

    Returns:
        The number of agencies written.

    Raises:
        InvalidInput: unsupported extension.
    """
    rows = export_rows(session, province_code=province_code)
    write_table(path, COLUMNS, rows)
    return len(rows)
