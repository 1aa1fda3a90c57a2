"""Computed values: what monitoring measured for an agency and criterion, stored read-only in its form.

Domain layer: store models and the submission services; nothing from monitoring, flows, web or cli (the
bridge in chiso.flows turns metric values into ComputedValues). A computed value carries its source and
is never typed over by the reporter; an approved submission keeps the values it was approved with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.assessment.periods import get_period
from chiso.assessment.submissions import period_form, values_by_code
from chiso.errors import InvalidInput, Problem
from chiso.store.models import Agency
from chiso.store.models.assessment import Submission, SubmissionValue


@dataclass(frozen=True)
class ComputedValue:
    """A value computed elsewhere (monitoring) for one agency and criterion."""

    agency_code: str
    indicator_code: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None


def set_computed_values(
    session: Session,
    *,
    period_code: str,
    values: Iterable[ComputedValue],
    source: str = "monitoring",
    actor: Actor,
    now: datetime | None = None,
) -> int:
    """Store computed (monitoring) values read-only with their source; returns how many changed.

    Values are upserted per agency and criterion whatever the submission's status, except approved
    ones, which are frozen. Nothing is written if an agency or criterion is unknown.
    """
    now = now or clock.now()
    period = get_period(session, code=period_code)
    form = period_form(period)
    rows = list(values)
    subs = {
        code: sub
        for sub, code in session.execute(
            select(Submission, Agency.code)
            .join(Agency, Agency.id == Submission.agency_id)
            .where(Submission.period_id == period.id)
        )
    }
    problems = []
    for i, r in enumerate(rows, start=1):
        if r.agency_code not in subs:
            problems.append(
                Problem(
                    f"Đơn vị {r.agency_code} không tham gia kỳ {period.code}",
                    f"Agency {r.agency_code} is not in period {period.code}",
                    row=i,
                )
            )
        if r.indicator_code not in form.codes():
            problems.append(
                Problem(
                    f"Tiêu chí {r.indicator_code} không có trong bộ chỉ số",
                    f"Unknown criterion {r.indicator_code}",
                    row=i,
                )
            )
    if problems:
        raise InvalidInput(
            "Giá trị tính toán không hợp lệ; chưa lưu gì",
            "Computed values refused; nothing was saved",
            problems,
        )
    changed = 0
    cache: dict[int, dict[str, SubmissionValue]] = {}
    for r in rows:
        sub = subs[r.agency_code]
        if sub.status == "approved":
            continue
        stored = cache.setdefault(sub.id, values_by_code(session, submission=sub))
        row = stored.get(r.indicator_code)
        new = {"value": r.value, "numerator": r.numerator, "denominator": r.denominator}
        if row is not None and {k: getattr(row, k) for k in new} == new and row.source == source:
            continue
        old = {k: getattr(row, k) for k in new} if row is not None else None
        if row is None:
            row = SubmissionValue(
                submission_id=sub.id,
                indicator_code=r.indicator_code,
                kind=form.criterion(r.indicator_code).kind,
                review_state="pending",
            )
            session.add(row)
            stored[r.indicator_code] = row
        for k, v in new.items():
            setattr(row, k, v)
        row.source, row.is_computed, row.updated_at = source, True, now
        row.updated_by = actor.id
        session.flush()
        record_change(
            session,
            action="value.compute",
            object_type="submission_value",
            object_id=row.id,
            field=r.indicator_code,
            old=old,
            new=new,
            reason=f"source: {source}",
            actor=actor,
            at=now,
        )
        changed += 1
    return changed
