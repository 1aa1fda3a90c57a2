"""The agency register: describe, look up, search and add agencies.

Domain service: keyword-only functions taking the SQLAlchemy session explicitly; they flush, never
commit (the CLI command or web request owns the transaction). Imports chiso.store models, the actor
type and the units room's text, schemas and access; never chiso.web, chiso.cli or chiso.flows.
Writes take a required `actor` and refuse anyone but the secretariat and the system.

The rest of the agencies service: history and links in agency_history, peer groups in groups, file
import in agency_import (rules in agency_parse and agency_checks), export in agency_export.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.errors import InvalidInput, NotFound, Problem
from chiso.store.models.agencies import AGENCY_KINDS, Agency, GroupMember, PeerGroup
from chiso.store.models.units import AdminUnit
from chiso.units.access import check_can_edit_units
from chiso.units.io import PERIOD_SEPARATOR
from chiso.units.schemas import AgencyOut
from chiso.units.text import fold, sort_key

__all__ = [
    "create_agency",
    "describe_agency",
    "get_agency",
    "has_agencies",
    "search_agencies",
]


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


def has_agencies(session: Session) -> bool:
    """Return True when the database already holds at least one agency (`chiso demo --if-empty`)."""
    return bool(session.scalar(select(exists().where(Agency.id.is_not(None)))))


def _valid_on(on: date) -> ColumnElement[bool]:
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


def create_agency(
    session: Session,
    *,
    actor: Actor,
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
    """Add one agency (no validation beyond the kind: use `import_agencies` for user input).

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system.
        InvalidInput: unknown kind.
    """
    check_can_edit_units(actor, what_vi="thêm cơ quan, đơn vị", what_en="add an agency")
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
