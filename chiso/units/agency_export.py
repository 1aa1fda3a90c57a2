"""Agency export: write the agencies, their links and group memberships in the import format.

Domain service: keyword-only functions taking the SQLAlchemy session explicitly; reads only. Imports
chiso.store models and the units room's io and text; never chiso.web, chiso.cli or chiso.flows.
`chiso agencies import` reads the file back unchanged (export -> import -> export is identical).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.store.models.agencies import AGENCY_KINDS, Agency, AgencyLink, GroupMember, PeerGroup
from chiso.store.models.units import AdminUnit
from chiso.units.io import COLUMNS, LIST_SEPARATOR, PERIOD_SEPARATOR, write_table
from chiso.units.text import sort_key

__all__ = ["export_agencies", "export_rows"]


def _join_aligned(values: list[str]) -> str:
    """One value when all are equal, else the list (aligned with predecessor_codes)."""
    if not values:
        return ""
    return values[0] if len(set(values)) == 1 else LIST_SEPARATOR.join(values)


def _memberships(session: Session, ids: set[int]) -> dict[int, list[str]]:
    """agency id -> its groups as PERIOD:CODE."""
    out: dict[int, list[str]] = {}
    stmt = select(GroupMember.agency_id, PeerGroup.period, PeerGroup.code).join(
        PeerGroup, PeerGroup.id == GroupMember.group_id
    )
    for agency_id, period, code in session.execute(stmt):
        if agency_id in ids:
            out.setdefault(agency_id, []).append(f"{period}{PERIOD_SEPARATOR}{code}")
    return out


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
    memberships = _memberships(session, ids)
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
