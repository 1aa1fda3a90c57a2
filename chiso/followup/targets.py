"""Targets (chỉ tiêu): define, list and judge them; the status of an agency against a target.

Domain layer; imports chiso.store, chiso.accounts, chiso.units and the monitoring room's metric list. A
target names an indicator (`metric:ONLINE_FULL_DOSSIER_RATE`, `group:TIMELINESS_GROUP`, `total766`,
`node:<framework>/<code>` of a published ranking, `custom:<code>`), a scope (province, group, agency kind,
one agency), a period type and validity, a comparison and a value, and optional milestones (the value in
force until each date). `judge` decides met / at risk / missed / no data; no data is never zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.errors import InvalidInput, NotFound, PermissionDenied, Problem
from chiso.monitoring.metrics import builtin_metrics
from chiso.store.models.agencies import AGENCY_KINDS, Agency, GroupMember, PeerGroup
from chiso.store.models.followup import COMPARISONS, PERIOD_TYPES, TARGET_SCOPES, Target, TargetStatus

GROUP_NODES = ("TRANSPARENCY", "TIMELINESS_GROUP", "ONLINE", "DIGITISATION", "SATISFACTION", "PAYMENT")
FIELDS = (
    "code",
    "name_vi",
    "name_en",
    "indicator",
    "scope",
    "scope_code",
    "period_type",
    "valid_from",
    "valid_to",
    "comparison",
    "value",
    "milestones",
)


class Milestone(BaseModel):
    """The value in force until (and on) a date."""

    on: date
    value: float


class TargetIn(BaseModel):
    """A target as typed in the form, the API or one row of the Excel file."""

    code: str = Field(min_length=1, max_length=60)
    name_vi: str = Field(min_length=1, max_length=300)
    name_en: str | None = None
    indicator: str
    scope: str = "province"
    scope_code: str | None = None
    period_type: str = "year"
    valid_from: clock.TypedDay
    valid_to: clock.TypedDay | None = None
    comparison: str = ">="
    value: float
    milestones: list[Milestone] = []


def _can_edit(actor: Actor) -> None:
    if not is_system(actor) and actor.role != "secretariat":
        raise PermissionDenied("Chỉ văn phòng sửa được chỉ tiêu", "Only the secretariat edits targets")


def indicator_problems(indicator: str) -> list[Problem]:
    """Return what is wrong with an indicator reference (empty when it is valid)."""
    kind, _, code = indicator.partition(":")
    metrics = {m.code for m in builtin_metrics()}
    if indicator == "total766":
        return []
    if kind == "metric" and code in metrics:
        return []
    if kind == "group" and code in GROUP_NODES:
        return []
    if kind == "node" and "/" in code and all(code.split("/", 1)):
        return []
    if kind == "custom" and code:
        return []
    return [
        Problem(
            f"Chỉ số '{indicator}' không hợp lệ; dùng total766, metric:<mã 766>, group:<nhóm>, "
            "node:<bộ chỉ số>/<mã>, custom:<mã>",
            f"Unknown indicator '{indicator}'; use total766, metric:<766 code>, group:<group>, "
            "node:<framework>/<code> or custom:<code>",
            field="indicator",
        )
    ]


def check_target(data: TargetIn) -> list[Problem]:
    """Return every problem of a target (empty when valid)."""
    problems = indicator_problems(data.indicator)
    if data.scope not in TARGET_SCOPES:
        problems.append(
            Problem(
                f"Phạm vi '{data.scope}' không hợp lệ ({', '.join(TARGET_SCOPES)})",
                f"Unknown scope '{data.scope}' ({', '.join(TARGET_SCOPES)})",
                field="scope",
            )
        )
    elif data.scope != "province" and not data.scope_code:
        problems.append(
            Problem(
                "Cần mã nhóm, loại hoặc cơ quan của phạm vi",
                "The scope needs a group, kind or agency code",
                field="scope_code",
            )
        )
    elif data.scope == "kind" and data.scope_code not in AGENCY_KINDS:
        problems.append(
            Problem(
                f"Loại cơ quan '{data.scope_code}' không có",
                f"No agency kind '{data.scope_code}' ({', '.join(AGENCY_KINDS)})",
                field="scope_code",
            )
        )
    if data.period_type not in PERIOD_TYPES:
        problems.append(
            Problem(
                f"Kỳ '{data.period_type}' không hợp lệ",
                f"Unknown period type '{data.period_type}' ({', '.join(PERIOD_TYPES)})",
                field="period_type",
            )
        )
    if data.comparison not in COMPARISONS:
        problems.append(
            Problem("So sánh phải là >= hoặc <=", "The comparison must be >= or <=", field="comparison")
        )
    if not math.isfinite(data.value):
        problems.append(
            Problem("Giá trị chỉ tiêu phải là số", "The target value must be a number", field="value")
        )
    if data.valid_to is not None and data.valid_to < data.valid_from:
        problems.append(
            Problem(
                "Ngày kết thúc trước ngày bắt đầu", "The validity ends before it starts", field="valid_to"
            )
        )
    return problems


def save_target(session: Session, *, data: TargetIn, province_code: str, actor: Actor) -> Target:
    """Create a target or update the one with the same code (audited, old -> new).

    Raises:
        PermissionDenied: not the secretariat.
        InvalidInput: every problem of the target, by field.
    """
    _can_edit(actor)
    problems = check_target(data)
    if problems:
        raise InvalidInput(f"Chỉ tiêu {data.code} không hợp lệ", f"Target {data.code} is not valid", problems)
    moment = clock.now()
    row = session.scalar(select(Target).where(Target.code == data.code))
    new = data.model_dump(mode="json")
    old = target_dict(row) if row is not None else None
    if row is None:
        row = Target(code=data.code, province_code=province_code, created_at=moment)
        session.add(row)
    elif old == new:
        return row
    for name in FIELDS[1:]:
        value = getattr(data, name)
        setattr(row, name, [m.model_dump(mode="json") for m in value] if name == "milestones" else value)
    row.updated_at, row.updated_by = moment, actor.id
    session.flush()
    record_change(
        session,
        action="target.create" if old is None else "target.update",
        object_type="target",
        object_id=data.code,
        actor=actor,
        old=old,
        new=new,
    )
    return row


def target_dict(row: Target) -> dict[str, Any]:
    """Return a target as the JSON of its fields (audit, export)."""
    return TargetIn(**{name: getattr(row, name) for name in FIELDS}).model_dump(mode="json")


def delete_target(session: Session, *, code: str, actor: Actor, reason: str = "") -> None:
    """Delete a target and its statuses (audited)."""
    _can_edit(actor)
    row = get_target(session, code=code)
    old = target_dict(row)
    session.delete(row)
    session.flush()
    record_change(
        session,
        action="target.delete",
        object_type="target",
        object_id=code,
        actor=actor,
        old=old,
        reason=reason or None,
    )


def get_target(session: Session, *, code: str) -> Target:
    """Return a target by code.

    Raises:
        NotFound: no such target.
    """
    row = session.scalar(select(Target).where(Target.code == code))
    if row is None:
        raise NotFound(f"Không có chỉ tiêu mã '{code}'", f"No target with code '{code}'")
    return row


def list_targets(session: Session, *, on: date | None = None) -> list[Target]:
    """Return the targets (those valid on `on`, if given), by code."""
    stmt = select(Target).order_by(Target.code)
    if on is not None:
        stmt = stmt.where(Target.valid_from <= on, (Target.valid_to.is_(None)) | (Target.valid_to >= on))
    return list(session.scalars(stmt))


def value_in_force(target: Target, on: date) -> float:
    """Return the target's value on a date: the first milestone not yet past, else the final value."""
    for milestone in sorted(target.milestones or [], key=lambda m: str(m["on"])):
        if date.fromisoformat(str(milestone["on"])) >= on:
            return float(milestone["value"])
    return float(target.value)


def holds(value: float, comparison: str, target_value: float) -> bool:
    """Return True when `value comparison target_value` (>= or <=)."""
    return value >= target_value - 1e-9 if comparison == ">=" else value <= target_value + 1e-9


def project(trend: Sequence[float | None], steps_left: int) -> float | None:
    """Return the trend's value `steps_left` months ahead (least-squares line over the known months)."""
    points = [(i, v) for i, v in enumerate(trend) if v is not None and math.isfinite(v)]
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(i for i, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((i - mx) ** 2 for i, _ in points)
    slope = sum((i - mx) * (v - my) for i, v in points) / var if var else 0.0
    return my + slope * (len(trend) - 1 + steps_left - mx)


def judge(
    value: float | None,
    *,
    comparison: str,
    target_value: float,
    trend: Sequence[float | None] = (),
    steps_left: int = 0,
) -> str:
    """Return the status of a value against a target.

    - "no_data": no value (an agency without dossiers), never judged as zero;
    - "missed": the value does not meet the target;
    - "at_risk": it meets it now, but the monthly trend projected to the period's end does not;
    - "met": it meets it and the trend does not say otherwise.
    """
    if value is None or not math.isfinite(value):
        return "no_data"
    if not holds(value, comparison, target_value):
        return "missed"
    if steps_left > 0:
        ahead = project(trend, steps_left)
        if ahead is not None and not holds(ahead, comparison, target_value):
            return "at_risk"
    return "met"


def agencies_in_scope(session: Session, *, target: Target, on: date) -> list[Agency]:
    """Return the agencies a target applies to on a date (valid that day), by code."""
    live = (Agency.valid_from.is_(None) | (Agency.valid_from <= on)) & (
        Agency.valid_to.is_(None) | (Agency.valid_to > on)
    )
    stmt = select(Agency).where(Agency.province_code == target.province_code, live)
    if target.scope == "agency":
        stmt = stmt.where(Agency.code == target.scope_code)
    elif target.scope == "kind":
        stmt = stmt.where(Agency.kind == target.scope_code)
    elif target.scope == "group":
        label, _, code = str(target.scope_code).rpartition(":")
        groups = select(PeerGroup.id).where(
            PeerGroup.province_code == target.province_code, PeerGroup.code == code
        )
        if label:
            groups = groups.where(PeerGroup.period == label)
        members = select(GroupMember.agency_id).where(GroupMember.group_id.in_(groups))
        stmt = stmt.where(Agency.id.in_(members))
    return list(session.scalars(stmt.order_by(Agency.code)))


def save_statuses(session: Session, *, target: Target, rows: Sequence[dict[str, Any]]) -> None:
    """Replace a target's statuses by a fresh evaluation (agency_code, period, value, target_value, status,
    trend)."""
    existing = {
        s.agency_code: s
        for s in session.scalars(select(TargetStatus).where(TargetStatus.target_id == target.id))
    }
    moment = clock.now()
    seen = set()
    for row in rows:
        seen.add(row["agency_code"])
        status = existing.get(row["agency_code"])
        if status is None:
            status = TargetStatus(target_id=target.id, agency_code=row["agency_code"])
            session.add(status)
        status.period, status.value, status.target_value = row["period"], row["value"], row["target_value"]
        status.status, status.trend, status.evaluated_at = row["status"], list(row["trend"]), moment
    for code, status in existing.items():
        if code not in seen:
            session.delete(status)
    session.flush()


def statuses_of(
    session: Session, *, target_ids: Sequence[int] | None = None, agency_code: str | None = None
) -> list[TargetStatus]:
    """Return the stored statuses (of some targets or one agency), worst first (missed, at risk, no data)."""
    stmt = select(TargetStatus)
    if target_ids is not None:
        stmt = stmt.where(TargetStatus.target_id.in_(list(target_ids)))
    if agency_code is not None:
        stmt = stmt.where(TargetStatus.agency_code == agency_code)
    order = {"missed": 0, "at_risk": 1, "no_data": 2, "met": 3}
    rows = list(session.scalars(stmt))
    return sorted(rows, key=lambda s: (order.get(s.status, 9), s.target_id, s.agency_code))
