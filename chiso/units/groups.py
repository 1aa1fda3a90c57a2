"""Peer groups (nhóm so sánh): named sets of agencies per province and period; ranks are computed within one.

Domain service: keyword-only functions taking the SQLAlchemy session explicitly; they flush, never
commit. Imports chiso.store models, the actor type and the units room's agencies, access, schemas and
text; never chiso.web, chiso.cli or chiso.flows. Writes take a required `actor`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.errors import NotFound
from chiso.store.models.agencies import Agency, GroupMember, PeerGroup
from chiso.units.access import check_can_edit_units
from chiso.units.agencies import get_agency
from chiso.units.schemas import GroupOut
from chiso.units.text import sort_key

__all__ = [
    "GROUP_NAMES",
    "agency_groups",
    "ensure_group",
    "get_group",
    "list_groups",
    "set_group_members",
]

# The usual peer groups of a province, with their names (a file may use other codes too).
GROUP_NAMES: dict[str, tuple[str, str]] = {
    "SBN": ("Sở, ban, ngành", "Departments and boards"),
    "TW": ("Cơ quan Trung ương", "Central agencies in the province"),
    "QH": ("UBND quận, huyện", "District people's committees"),
    "PX": ("UBND phường, xã", "Ward and commune people's committees"),
}


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


def _find_group(session: Session, *, province_code: str, period: str, code: str) -> PeerGroup | None:
    return session.scalar(
        select(PeerGroup).where(
            PeerGroup.province_code == province_code, PeerGroup.period == period, PeerGroup.code == code
        )
    )


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
    group = _find_group(session, province_code=province_code, period=period, code=code)
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


def ensure_group(
    session: Session,
    *,
    actor: Actor,
    province_code: str,
    period: str,
    code: str,
    name_vi: str | None = None,
    name_en: str | None = None,
) -> tuple[PeerGroup, bool]:
    """Return the peer group, creating it (named from GROUP_NAMES or the code) when missing.

    Returns:
        (group, created).

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system.
    """
    check_can_edit_units(actor, what_vi="tạo nhóm so sánh", what_en="create a peer group")
    group = _find_group(session, province_code=province_code, period=period, code=code)
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


def set_group_members(
    session: Session, *, actor: Actor, group: PeerGroup, agencies: Iterable[Agency]
) -> tuple[int, int]:
    """Make `agencies` exactly the members of `group`. Returns (added, removed).

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system.
    """
    check_can_edit_units(
        actor, what_vi="đổi thành viên nhóm so sánh", what_en="change a peer group's members"
    )
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
