"""Approving entered values of indicators whose catalogue entry asks for it (the owner's head signs off).

Indicators room; imports chiso.accounts (actors, audit), chiso.store, chiso.clock and chiso.errors.
The secretariat and leaders approve; a flagged value must be confirmed first; changing an approved
value (values.py) sends it back to "entered".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.errors import InvalidInput, NotFound, PermissionDenied, Problem
from chiso.indicators.periods import label_vi
from chiso.store.models.indicators import Indicator, IndicatorValue

APPROVE_ROLES = ("secretariat", "leader")
OBJECT_TYPE = "indicator_value"


def _approvable(session: Session, actor: Actor) -> None:
    if is_system(actor):
        return
    if getattr(actor, "role", None) not in APPROVE_ROLES or not getattr(actor, "is_active", False):
        raise PermissionDenied(
            f"Người dùng {actor.username} không được phê duyệt số liệu chỉ tiêu",
            f"The user {actor.username} may not approve indicator values",
        )


def approve_values(session: Session, *, ids: Sequence[int], actor: Actor) -> int:
    """Approve entered or confirmed values of indicators that need approval; return how many.

    Raises:
        PermissionDenied: the actor is not the secretariat, a leader or the system.
        NotFound: an id that is not a stored value.
        InvalidInput: a value whose indicator needs no approval, or a flagged value not yet confirmed.
    """
    _approvable(session, actor)
    rows = list(session.scalars(select(IndicatorValue).where(IndicatorValue.id.in_(list(ids)))))
    missing = sorted(set(ids) - {r.id for r in rows})
    if missing:
        raise NotFound(
            f"Không có giá trị số {', '.join(map(str, missing))}", f"No values {', '.join(map(str, missing))}"
        )
    needs = {
        i.code: i.needs_approval
        for i in session.scalars(
            select(Indicator).where(Indicator.code.in_({r.indicator_code for r in rows}))
        )
    }
    problems = [
        Problem(
            f"{r.indicator_code}/{r.unit_code}/{r.period}: "
            + (
                "chưa xác nhận giá trị bất thường"
                if r.status == "flagged"
                else "chỉ tiêu không cần phê duyệt"
            ),
            f"{r.indicator_code}/{r.unit_code}/{r.period}: "
            + ("the unusual value is not confirmed yet" if r.status == "flagged" else "needs no approval"),
            field="ids",
        )
        for r in rows
        if r.status == "flagged" or not needs.get(r.indicator_code)
    ]
    if problems:
        raise InvalidInput("Chưa phê duyệt giá trị nào", "Nothing approved", problems)
    count = 0
    for row in rows:
        if row.status == "approved":
            continue
        row.status, row.approved_by, row.approved_at = "approved", actor.username, clock.now()
        record_change(
            session, action="indicator_value.approve", object_type=OBJECT_TYPE,
            object_id=f"{row.indicator_code}/{row.unit_code}/{row.period}", actor=actor, field="status",
            old="entered", new="approved", flush=False,
        )  # fmt: skip
        count += 1
    session.flush()
    return count


def pending_approvals(
    session: Session, *, period: str | None = None
) -> list[tuple[IndicatorValue, Indicator]]:
    """List values awaiting approval (entered or confirmed, of indicators that need it), by period."""
    query = (
        select(IndicatorValue, Indicator)
        .join(Indicator, Indicator.code == IndicatorValue.indicator_code)
        .where(Indicator.needs_approval.is_(True), IndicatorValue.status.in_(("entered", "confirmed")))
        .order_by(
            IndicatorValue.period.desc(),
            Indicator.owner_agency_code,
            Indicator.code,
            IndicatorValue.unit_code,
        )
    )
    if period:
        query = query.where(IndicatorValue.period == period)
    return [(value, indicator) for value, indicator in session.execute(query)]


class PendingValue(BaseModel):
    """A value waiting for approval."""

    id: int
    indicator_code: str
    indicator_name_vi: str
    indicator_name_en: str | None
    owner_agency_code: str | None
    unit_code: str
    period: str
    period_label: str
    value: float
    status: str
    note: str | None
    entered_by: str
    entered_at: datetime


class PendingPage(BaseModel):
    """The approvers' page: what waits, newest period first."""

    period: str | None
    values: list[PendingValue]


def get_pending_page(session: Session, *, period: str | None = None) -> PendingPage:
    """Return the values waiting for approval (of one period if given)."""
    rows = [
        PendingValue(
            id=v.id, indicator_code=i.code, indicator_name_vi=i.name_vi, indicator_name_en=i.name_en,
            owner_agency_code=i.owner_agency_code, unit_code=v.unit_code, period=v.period,
            period_label=label_vi(v.period), value=v.value, status=v.status, note=v.note,
            entered_by=v.entered_by, entered_at=v.entered_at,
        )
        for v, i in pending_approvals(session, period=period)
    ]  # fmt: skip
    return PendingPage(period=period, values=rows)
