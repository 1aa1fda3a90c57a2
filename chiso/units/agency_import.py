"""Agency import, step 3: read a file, have every row checked, then write all rows or none.

Domain service: keyword-only functions taking the SQLAlchemy session explicitly; they flush, never
commit (the CLI command or web request owns the transaction). Imports chiso.store models, chiso.clock,
the actor type and the units room's io, agency_checks, groups and access; never chiso.web, chiso.cli
or chiso.flows. Reading rows is agency_parse's job, checking them agency_checks'; this module applies
the checked plan: agencies created or updated by code, links and group memberships restated, an audit
entry naming the actor.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chiso import clock, faults
from chiso.accounts.actors import Actor
from chiso.store.models.agencies import Agency, AgencyLink, GroupMember, PeerGroup
from chiso.store.models.audit import AuditEntry
from chiso.units.access import check_can_edit_units
from chiso.units.agency_checks import ImportPlan, validate_agency_rows
from chiso.units.agency_parse import AgencyRow
from chiso.units.groups import ensure_group
from chiso.units.io import PERIOD_SEPARATOR, Table, read_table
from chiso.units.text import fold

__all__ = ["ImportReport", "import_agencies", "import_agency_table"]

_SCALARS = ("name_vi", "name_en", "kind", "province_code", "valid_from", "valid_to", "admin_unit_id")
_CHUNK = 500  # ids or codes per IN (...) query
_WHAT_VI, _WHAT_EN = "nhập danh sách cơ quan, đơn vị", "import agencies"


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


def import_agencies(
    session: Session, *, actor: Actor, path: str | Path, dry_run: bool = False, period: str | None = None
) -> ImportReport:
    """Import agencies from a CSV or .xlsx file: validate every row, then write all or nothing.

    Agencies are matched by code (created or updated; agencies absent from the file are kept). When
    the file has a predecessor_codes column, it states each listed agency's predecessors exactly;
    when it has a groups column, it states the memberships of its agencies for every period it names.
    Importing the same file twice changes nothing the second time.

    Args:
        session: the SQLAlchemy session (flushed, not committed; roll back to undo).
        actor: who imports (the secretariat or SYSTEM); checked before the file is read.
        path: the file (.csv in UTF-8, UTF-8 with BOM, UTF-16 or Windows-1258; or .xlsx).
        dry_run: validate and count, but write nothing.
        period: the period of group codes written without one ("2026").

    Returns:
        An ImportReport of what was (or would be) created and updated.

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system.
        InvalidInput: the file cannot be read or any row is wrong; every problem is listed with its
            file, row and column, and nothing is written.
    """
    check_can_edit_units(actor, what_vi=_WHAT_VI, what_en=_WHAT_EN)
    return import_agency_table(session, actor=actor, table=read_table(path), dry_run=dry_run, period=period)


def import_agency_table(
    session: Session, *, actor: Actor, table: Table, dry_run: bool = False, period: str | None = None
) -> ImportReport:
    """Import agencies from rows already read (a file, or rows built by the demo); see `import_agencies`.

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system.
        InvalidInput: any row is wrong (every problem listed; nothing written).
    """
    check_can_edit_units(actor, what_vi=_WHAT_VI, what_en=_WHAT_EN)
    plan = validate_agency_rows(session, table, period=period)
    report = ImportReport(file=table.file, rows=len(table.rows), dry_run=dry_run)
    if dry_run:
        nested = session.begin_nested()
        try:
            _apply(session, plan, report, actor)
        finally:
            nested.rollback()
        return report
    _apply(session, plan, report, actor)
    counts = {k: v for k, v in report.to_dict().items() if k not in ("created", "updated")}
    session.add(
        AuditEntry(
            at=clock.now(),
            user_id=actor.id,
            action="agency.import",
            object_type="agency_file",
            object_id=table.file[:80],
            new_value=json.dumps(
                counts | {"created": len(report.created), "updated": len(report.updated)}, ensure_ascii=False
            ),
        )
    )
    session.flush()
    faults.reach("agencies.import.applied")
    return report


def _by_code(session: Session, codes: list[str]) -> dict[str, Agency]:
    found: dict[str, Agency] = {}
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        found.update({a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(chunk)))})
    return found


def _apply(session: Session, plan: ImportPlan, report: ImportReport, actor: Actor) -> None:
    """Write a checked plan: agencies, then parents (all rows exist by then), links and groups."""
    existing = _by_code(session, [r.code for r in plan.rows])
    referenced = {r.parent_code for r in plan.rows if r.parent_code}
    referenced |= {link.predecessor_code for r in plan.rows for link in r.links}
    by_code = existing | _by_code(session, sorted(referenced - set(existing)))
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
        _sync_groups(session, plan, by_code, report, changed, actor)
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
    """Make each row's predecessors exactly those it lists (an empty cell removes its links)."""
    ids = [by_code[r.code].id for r in rows]
    current: dict[tuple[int, int], AgencyLink] = {}
    for start in range(0, len(ids), _CHUNK):
        stmt = select(AgencyLink).where(AgencyLink.successor_id.in_(ids[start : start + _CHUNK]))
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
    session: Session,
    plan: ImportPlan,
    by_code: dict[str, Agency],
    report: ImportReport,
    changed: set[str],
    actor: Actor,
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
            groups[key], _ = ensure_group(
                session, actor=actor, province_code=key[0], period=key[1], code=key[2]
            )
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
