"""The red-first part of the leader's dashboard: targets of the key figures, agencies below their targets,
agencies falling fastest, agencies late in the open assessment period.

Flows layer: reads the targets and their stored statuses (chiso.followup.targets: the follow-up job's
last evaluation, never a new one), the submissions (chiso.flows.followup_eval's overdue rule) and the
dashboard's own movers. Worst first: indicators missed, agencies missed, at risk, falling, late.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from chiso.flows.dashboard_models import KeyFigure, Mover, RedItem
from chiso.flows.followup_eval import submission_candidates
from chiso.followup.targets import holds, list_targets, value_in_force
from chiso.store.models.agencies import Agency
from chiso.store.models.followup import Target, TargetStatus

SHOWN = 25  # lines of each kind on the page; the CSV has them all


def figure_code(indicator: str) -> str | None:
    """Return the key figure a target's indicator names (total766, group:X, metric:X), or None."""
    if indicator == "total766":
        return "TOTAL"
    kind, _, code = indicator.partition(":")
    return code if kind in ("group", "metric") and code else None


def with_targets(session: Session, figures: list[KeyFigure], *, on: date) -> list[KeyFigure]:
    """Return the figures with the province-wide target in force on `on` (if any) and its status."""
    chosen: dict[str, Target] = {}
    for target in list_targets(session, on=on):
        code = figure_code(target.indicator)
        if target.scope == "province" and code is not None:
            chosen.setdefault(code, target)
    out = []
    for f in figures:
        found = chosen.get(f.code)
        if found is None:
            out.append(f)
            continue
        target = found
        wanted = value_in_force(target, on)
        status = (
            "no_data"
            if f.value is None
            else ("met" if holds(f.value, target.comparison, wanted) else "missed")
        )
        out.append(
            f.model_copy(
                update={
                    "target": wanted,
                    "comparison": target.comparison,
                    "target_code": target.code,
                    "status": status,
                }
            )
        )
    return out


def _names(session: Session, codes: set[str], known: dict[str, str]) -> dict[str, str]:
    missing = codes - set(known)
    if not missing:
        return known
    rows = session.execute(select(Agency.code, Agency.name_vi).where(Agency.code.in_(sorted(missing))))
    return {**known, **{str(c): str(n) for c, n in rows}}


def status_counts(session: Session) -> dict[str, int]:
    """Return how many agency x target statuses are missed and at risk (the follow-up job's last ones)."""
    rows = session.execute(
        select(TargetStatus.status, func.count())
        .where(TargetStatus.status.in_(["missed", "at_risk"]))
        .group_by(TargetStatus.status)
    ).all()
    found = {str(k): int(n) for k, n in rows}
    return {"missed": found.get("missed", 0), "at_risk": found.get("at_risk", 0)}


def below_target(session: Session, *, names: dict[str, str], top: int | None = SHOWN) -> list[RedItem]:
    """Return the agencies missing (then at risk of missing) a target, the largest gap first (`top` of them;
    None: all). The database sorts and cuts, so a province of thousands reads `top` rows."""
    gap = func.abs(func.coalesce(TargetStatus.value, TargetStatus.target_value) - TargetStatus.target_value)
    stmt = (
        select(
            TargetStatus.agency_code, TargetStatus.period, TargetStatus.value, TargetStatus.target_value,
            TargetStatus.status, Target.name_vi, Target.name_en, Target.comparison,
        )
        .join(Target, Target.id == TargetStatus.target_id)
        .where(TargetStatus.status.in_(["missed", "at_risk"]))
        .order_by(case((TargetStatus.status == "missed", 0), else_=1), gap.desc(), TargetStatus.agency_code)
    )  # fmt: skip
    rows = session.execute(stmt if top is None else stmt.limit(top)).all()
    named = _names(session, {str(r[0]) for r in rows}, names)
    return [
        RedItem(
            kind="missed" if status == "missed" else "at_risk",
            agency_code=code,
            name=named.get(code, code),
            what_vi=name_vi,
            what_en=name_en or name_vi,
            value=value,
            target=target,
            comparison=comparison,
            change=None if value is None else round(value - target, 2),
            period=period,
        )
        for code, period, value, target, status, name_vi, name_en, comparison in rows
    ]


def falling(fallers: list[Mover], *, month: str) -> list[RedItem]:
    """Return the agencies whose 766 total fell since last month, the largest fall first."""
    return [
        RedItem(
            kind="falling",
            agency_code=m.agency_code,
            name=m.name,
            what_vi="Điểm Bộ chỉ số 766 giảm so với tháng trước",
            what_en="766 score fell since last month",
            value=m.total,
            change=m.change_month,
            period=month,
        )
        for m in fallers
    ]


def late(session: Session, *, now: datetime, names: dict[str, str]) -> list[RedItem]:
    """Return the agencies whose self-assessment of an open period is past its deadline."""
    found = submission_candidates(session, now=now)
    named = _names(session, {c.agency_code for c in found}, names)
    items = [
        RedItem(
            kind="late",
            agency_code=c.agency_code,
            name=named.get(c.agency_code, c.agency_code),
            what_vi=c.title_vi,
            what_en=c.title_en,
            period=c.period,
        )
        for c in found
    ]
    return sorted(items, key=lambda i: (i.period or "", i.agency_code or ""))


def indicators_missed(figures: list[KeyFigure]) -> list[RedItem]:
    """Return the key figures that miss their province-wide target."""
    return [
        RedItem(
            kind="indicator",
            name=f.name_vi,
            what_vi=f.name_vi,
            what_en=f.name_en,
            value=f.value,
            target=f.target,
            comparison=f.comparison,
            change=None if f.value is None or f.target is None else round(f.value - f.target, 2),
        )
        for f in figures
        if f.status == "missed"
    ]
