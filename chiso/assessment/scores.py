"""From stored submissions to the scoring engine's input tables: values, peer groups, lineage.

Domain layer: store models; nothing from flows, web or cli (chiso.flows.scoring runs the engine). All
points come from the engine: an assessor's changed points are handed to it as the equivalent input
value of the criterion's rule (assessor and bonus/penalty: the points; capped linear and ratio:
target x points / max; fraction: points / max; yes/no and step bands: a value reaching that step), so
totals, ranks and bands are never computed twice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from chiso.assessment.form import Criterion, Form
from chiso.errors import InvalidInput, Problem
from chiso.store.models import Agency, AgencyLink, PeerGroup
from chiso.store.models.assessment import AssessmentPeriod, Submission, SubmissionValue

SELF_ASSESSED = "tự đánh giá / self-assessed"
VALUE_COLUMNS = ["agency_code", "period", "indicator_code", "value", "numerator", "denominator", "comment"]


def allowed_points(criterion: Criterion) -> list[float] | None:
    """Return the only points an assessor can give for this rule, or None when any in range is fine.

    Raises:
        InvalidInput: the rule's points follow from the peer group (min-max, percentile) or it is not
            scored (monitoring), so they cannot be set by hand; return the criterion instead.
    """
    rule = criterion.params.get("type", criterion.rule)
    if rule == "yes_no":
        return sorted({0.0, criterion.max_points})
    if rule == "step_bands":
        return sorted({0.0, *(float(s["points"]) for s in criterion.params.get("steps", []))})
    if rule in ("minmax", "percentile", "monitoring"):
        raise InvalidInput(
            f"Điểm của {criterion.code} tính theo quy tắc {rule}, không sửa tay được; "
            "hãy trả lại để đơn vị sửa "
            "số liệu",
            f"{criterion.code}'s points follow from rule {rule} and cannot be set by hand; return it so the "
            "agency corrects the value",
            [Problem("Không sửa điểm được", "Points cannot be set", field="points")],
        )
    return None


def override_as_value(criterion: Criterion, points: float) -> float:
    """Return the input value for which the criterion's rule gives exactly `points`."""
    rule = criterion.params.get("type", criterion.rule)
    top = criterion.max_points
    if rule in ("assessor", "bonus_penalty"):
        return points
    if rule == "yes_no":
        return 1.0 if points >= top and top > 0 else 0.0
    if rule == "step_bands":
        reaching = [
            float(s["min"]) for s in criterion.params.get("steps", []) if float(s["points"]) == points
        ]
        if reaching:
            return min(reaching)
        low = criterion.params.get("value_min")
        first = min(float(s["min"]) for s in criterion.params["steps"])
        return float(low) if low is not None and float(low) < first else first - 1.0
    share = 0.0 if top == 0 else points / top
    if rule == "fraction":
        return share
    target = float(criterion.params.get("target", 1.0))
    return share * target


def _value_row(crit: Criterion, row: SubmissionValue) -> dict[str, Any] | None:
    nan = math.nan
    if row.points_override is not None:
        return {
            "value": override_as_value(crit, row.points_override),
            "numerator": nan,
            "denominator": nan,
            "comment": row.review_comment or "thẩm định / reviewed",
        }
    if crit.kind == "ratio":
        if row.numerator is None or row.denominator is None:
            if row.value is None:
                return None
            return {"value": row.value, "numerator": nan, "denominator": nan, "comment": row.comment}
        return {
            "value": nan,
            "numerator": row.numerator,
            "denominator": row.denominator,
            "comment": row.comment,
        }
    if crit.kind == "choice":
        return None  # no built-in rule scores a choice yet; the value is kept for the assessor
    if row.value is None:
        return None
    comment = row.comment
    if crit.params.get("type") == "assessor" and not comment:
        comment = SELF_ASSESSED
    return {"value": row.value, "numerator": nan, "denominator": nan, "comment": comment}


def values_frame(
    session: Session, *, period: AssessmentPeriod, form: Form, submission_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """Return the long values table of a period's submissions for chiso.scoring.score."""
    stmt = (
        select(SubmissionValue, Agency.code, Agency.kind)
        .join(Submission, Submission.id == SubmissionValue.submission_id)
        .join(Agency, Agency.id == Submission.agency_id)
        .where(Submission.period_id == period.id)
    )
    if submission_ids is not None:
        stmt = stmt.where(Submission.id.in_(list(submission_ids)))
    crits = {c.code: c for c in form.criteria}
    records = []
    for row, agency_code, kind in session.execute(stmt.order_by(Agency.code, SubmissionValue.indicator_code)):
        crit = crits.get(row.indicator_code)
        if crit is None or not crit.applies_to(kind):
            continue
        data = _value_row(crit, row)
        if data is None:
            continue
        records.append(
            {
                "agency_code": agency_code,
                "period": period.period,
                "indicator_code": row.indicator_code,
                **data,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=VALUE_COLUMNS)
    return frame.astype({"value": "float64", "numerator": "float64", "denominator": "float64"})


def groups_frame(
    session: Session, *, period: AssessmentPeriod, submission_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """Return agency_code, group, kind for the period's agencies (the engine ranks within groups)."""
    stmt = (
        select(Agency.code, PeerGroup.code, Agency.kind)
        .join(Submission, Submission.agency_id == Agency.id)
        .outerjoin(PeerGroup, PeerGroup.id == Submission.group_id)
        .where(Submission.period_id == period.id)
    )
    if submission_ids is not None:
        stmt = stmt.where(Submission.id.in_(list(submission_ids)))
    rows = session.execute(stmt.order_by(Agency.code)).all()
    return pd.DataFrame(
        [{"agency_code": a, "group": g or "ALL", "kind": k} for a, g, k in rows],
        columns=["agency_code", "group", "kind"],
    )


def lineage_frame(session: Session) -> pd.DataFrame | None:
    """Return every predecessor -> successor pair of agencies (renames, merges, splits)."""
    pred, succ = aliased(Agency), aliased(Agency)
    rows = session.execute(
        select(pred.code, succ.code)
        .join(AgencyLink, AgencyLink.predecessor_id == pred.id)
        .join(succ, succ.id == AgencyLink.successor_id)
    ).all()
    if not rows:
        return None
    return pd.DataFrame(rows, columns=["predecessor_code", "successor_code"])
