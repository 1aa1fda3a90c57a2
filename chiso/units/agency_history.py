"""Agency history: the links between agencies (renames, merges, splits) and tracing them.

Domain service: keyword-only functions taking the SQLAlchemy session explicitly; they flush, never
commit. Imports chiso.store models, the actor type and the units room's agencies, access, schemas and
text; never chiso.web, chiso.cli or chiso.flows. Writes take a required `actor`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from chiso.accounts.actors import Actor
from chiso.errors import InvalidInput
from chiso.store.models.agencies import Agency, AgencyLink
from chiso.units.access import check_can_edit_units
from chiso.units.agencies import describe_agency, get_agency
from chiso.units.schemas import AgencyHistory, HistoryLink
from chiso.units.text import sort_key

__all__ = ["LINK_KINDS", "get_agency_history", "link_agencies"]

LINK_KINDS = ("rename", "merge", "split")


def link_agencies(
    session: Session,
    *,
    actor: Actor,
    predecessor: Agency,
    successor: Agency,
    kind: str,
    effective_on: date,
    note: str = "",
) -> AgencyLink:
    """Record that `predecessor` became (part of) `successor` on `effective_on`.

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system.
        InvalidInput: unknown link kind.
    """
    check_can_edit_units(actor, what_vi="liên kết hai cơ quan", what_en="link two agencies")
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
    return AgencyHistory(
        agency=describe_agency(agency),
        predecessors=_walk(session, agency.id, backward=True),
        successors=_walk(session, agency.id, backward=False),
    )


def _walk(session: Session, start: int, *, backward: bool) -> list[HistoryLink]:
    """Follow the links from agency `start`, one step (depth) at a time, each agency once."""
    pred, succ = aliased(Agency), aliased(Agency)
    near_end = AgencyLink.successor_id if backward else AgencyLink.predecessor_id
    seen = {start}
    frontier = {start}
    out: list[HistoryLink] = []
    depth = 0
    while frontier:
        depth += 1
        stmt = (
            select(AgencyLink, pred, succ)
            .join(pred, pred.id == AgencyLink.predecessor_id)
            .join(succ, succ.id == AgencyLink.successor_id)
            .where(near_end.in_(frontier))
        )
        found: set[int] = set()
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
                found.add(other)
        frontier = found
    out.sort(key=lambda h: (h.depth, h.effective_on, sort_key(h.predecessor_name), h.successor_code))
    return out
