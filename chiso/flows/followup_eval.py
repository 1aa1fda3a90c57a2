"""Evaluate targets and alert rules over the monitoring results, submissions and plans; raise the alerts.

Flows layer: composes chiso.monitoring (the public entry points `runner.compute_from_store`,
`score766.score_values`, `custom.load_custom_metrics`, `metrics.builtin_metrics`), chiso.assessment
(periods, submissions, published rankings) and chiso.followup (targets, alerts, plans). Run by the worker
after every ingest (the record store's manifest changed) and once a day; `chiso followup evaluate` too.
The rule checks themselves (`rule_candidates`) are vectorised over a table of every agency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.assessment import publication
from chiso.flows.followup_evidence import late_dossiers
from chiso.flows.indicator_alerts import indicator_target_candidates
from chiso.followup import alerts, plans, targets
from chiso.followup.alerts import Candidate
from chiso.monitoring.custom import load_custom_metrics
from chiso.monitoring.metrics import builtin_metrics
from chiso.monitoring.periods import PeriodKind
from chiso.monitoring.runner import compute_from_store
from chiso.monitoring.score766 import score_values
from chiso.store.models.agencies import Agency
from chiso.store.models.assessment import AssessmentPeriod, Submission
from chiso.store.models.followup import Target

TREND_MONTHS = 6
CUSTOM_FILE = "custom_metrics.yaml"


@dataclass
class EvaluationReport:
    """What one evaluation did: statuses per target, alerts raised per rule, seconds."""

    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    raised: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def month_label(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def period_label(day: date, period_type: str) -> str:
    """Return the label of the month, quarter or year containing `day` (as the monitoring room names them)."""
    if period_type == "month":
        return month_label(day)
    if period_type == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def months_left(day: date, period_type: str) -> int:
    """Return the whole months after this one until the period's end."""
    if period_type == "quarter":
        return 2 - (day.month - 1) % 3
    return 12 - day.month if period_type == "year" else 0


def _months_back(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def agency_frame(session: Session, *, on: date) -> pd.DataFrame:
    """Return the agencies valid on a date as the monitoring room wants them (code, name, parent, level)."""
    live = (Agency.valid_from.is_(None) | (Agency.valid_from <= on)) & (
        Agency.valid_to.is_(None) | (Agency.valid_to > on)
    )
    rows = session.execute(
        select(Agency.id, Agency.code, Agency.name_vi, Agency.parent_id, Agency.kind).where(live)
    ).all()
    codes = {r.id: r.code for r in rows}
    return pd.DataFrame(
        {
            "agency_code": [r.code for r in rows],
            "name": [r.name_vi for r in rows],
            "parent_code": [codes.get(r.parent_id) for r in rows],
            "level": [r.kind for r in rows],
        }
    )


def _metrics(data_dir: Path) -> list:  # type: ignore[type-arg]
    custom = data_dir / CUSTOM_FILE
    return [*builtin_metrics(), *(load_custom_metrics(custom) if custom.exists() else [])]


def compute(
    data_dir: Path, period: str, *, by: PeriodKind, as_of: datetime, agencies: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the metric values and the scored 766 table of a period split `by` month/quarter/year."""
    values = compute_from_store(
        period,
        data_dir=data_dir,
        by=by,
        as_of=as_of,
        agencies=agencies,
        metrics=_metrics(data_dir),
    )
    if values.empty:
        return values, pd.DataFrame(columns=["agency_code", "period", "node_code", "published"])
    table = score_values(values, agencies=agencies).table
    return values, table.assign(
        period=table["period"].astype(str), agency_code=table["agency_code"].astype(str)
    )


def indicator_series(values: pd.DataFrame, table: pd.DataFrame, indicator: str) -> pd.Series:
    """Return the indicator per (agency_code, period): rates in percent, points for groups and totals.

    No data is NaN, never 0: a rate with no denominator, a score of an agency that received no dossiers.
    """
    kind, _, code = indicator.partition(":")
    if kind in ("metric", "custom"):
        rows = values[values["indicator_code"] == code]
        den = rows["denominator"].astype(float)
        rate = np.where(den > 0, 100.0 * rows["numerator"].astype(float) / den.where(den > 0, 1.0), np.nan)
        return pd.Series(
            rate,
            index=pd.MultiIndex.from_arrays([rows["agency_code"].astype(str), rows["period"].astype(str)]),
        )
    node = "TOTAL" if indicator == "total766" else code
    rows = table[table["node_code"] == node]
    series = pd.Series(
        rows["published"].astype(float).to_numpy(),
        index=pd.MultiIndex.from_arrays([rows["agency_code"], rows["period"]]),
    )
    received = values[values["indicator_code"] == "TIMELINESS"]
    has = pd.Series(
        received["denominator"].astype(float).to_numpy() > 0,
        index=pd.MultiIndex.from_arrays(
            [received["agency_code"].astype(str), received["period"].astype(str)]
        ),
    )
    return series.where(has.reindex(series.index).fillna(False).astype(bool))


def _node_values(session: Session, indicator: str) -> tuple[str, dict[str, float]]:
    """Return the latest published period of a framework and each agency's points on a node."""
    framework, _, node = indicator.partition(":")[2].partition("/")
    stmt = select(AssessmentPeriod).where(
        AssessmentPeriod.framework_id == framework, AssessmentPeriod.status == "published"
    )
    for period in session.scalars(stmt.order_by(AssessmentPeriod.review_deadline.desc())):
        pub = publication.latest_publication(session, period=period)
        if pub is None:
            continue
        if node == "TOTAL":
            ranking = publication.get_ranking(session, period_code=period.code)
            return period.code, {r.agency_code: r.total for r in ranking.rows}
        return period.code, {
            str(r["agency_code"]): float(cast(float, r["published"]))
            for r in pub.rows
            if str(r.get("node_code")) == node and r.get("published") is not None
        }
    return "", {}


def evaluate_target(
    session: Session,
    target: Target,
    monthly: tuple[pd.DataFrame, pd.DataFrame],
    current: tuple[pd.DataFrame, pd.DataFrame],
    today: date,
) -> list[dict[str, object]]:
    """Return the status rows of one target for every agency in its scope."""
    agencies = [a.code for a in targets.agencies_in_scope(session, target=target, on=today)]
    wanted = targets.value_in_force(target, today)
    if target.indicator.startswith("node:"):
        label, points = _node_values(session, target.indicator)
        return [
            {
                "agency_code": code,
                "period": label,
                "value": points.get(code),
                "target_value": wanted,
                "trend": [],
                "status": targets.judge(points.get(code), comparison=target.comparison, target_value=wanted),
            }
            for code in agencies
        ]
    label = period_label(today, target.period_type)
    now_values = indicator_series(*current, target.indicator)
    history = indicator_series(*monthly, target.indicator)
    months = [month_label(_months_back(today, n)) for n in range(TREND_MONTHS - 1, -1, -1)]
    rows: list[dict[str, object]] = []
    for code in agencies:
        value = now_values.get((code, label))
        value = None if value is None or pd.isna(value) else float(value)
        trend = [None if pd.isna(v := history.get((code, m), np.nan)) else round(float(v), 2) for m in months]
        status = targets.judge(
            value,
            comparison=target.comparison,
            target_value=wanted,
            trend=trend,
            steps_left=months_left(today, target.period_type),
        )
        rows.append(
            {
                "agency_code": code,
                "period": label,
                "value": value,
                "target_value": wanted,
                "trend": trend,
                "status": status,
            }
        )
    return rows


def rule_candidates(
    values: pd.DataFrame,
    table: pd.DataFrame,
    *,
    month: str,
    previous: str,
    drop_points: float | None,
    ontime_below: float | None,
) -> list[Candidate]:
    """Return the score-drop and on-time-rate alerts of a month, vectorised over every agency.

    Agencies without dossiers in the month are no data: they raise neither alert.
    """
    out: list[Candidate] = []
    timely = values[(values["indicator_code"] == "TIMELINESS") & (values["period"].astype(str) == month)]
    timely = timely[timely["denominator"].astype(float) > 0]
    if ontime_below is not None and len(timely):
        rate = timely["numerator"].astype(float) / timely["denominator"].astype(float)
        low = timely[rate < ontime_below].assign(rate=rate[rate < ontime_below])
        for code, num, den, r in zip(
            low["agency_code"].astype(str), low["numerator"], low["denominator"], low["rate"], strict=True
        ):
            late = int(den - num)
            out.append(
                Candidate(
                    "ontime_below",
                    code,
                    month,
                    f"Tỷ lệ đúng hạn {r:.1%} < {ontime_below:.0%} ({late} hồ sơ trễ hạn)",
                    f"On-time rate {r:.1%} < {ontime_below:.0%} ({late} late dossiers)",
                    {
                        "received": int(den),
                        "on_time": int(num),
                        "late": late,
                        "rate": round(float(r), 4),
                        "threshold": ontime_below,
                    },
                )
            )
    if drop_points is not None and len(table):
        totals = table[table["node_code"] == "TOTAL"].pivot_table(
            index="agency_code", columns="period", values="published"
        )
        if month in totals and previous in totals:
            active = totals.index.isin(timely["agency_code"].astype(str).unique())
            before, now = totals[previous].to_numpy(float), totals[month].to_numpy(float)
            fell = active & (now - before < -drop_points)  # NaN (no score either month) never falls
            for agency, was, score in zip(totals.index[fell], before[fell], now[fell], strict=True):
                out.append(_score_drop(str(agency), month, previous, float(was), float(score), drop_points))
    return out


def _score_drop(agency: str, month: str, previous: str, before: float, now: float, limit: float) -> Candidate:
    delta = now - before
    return Candidate(
        "score_drop",
        agency,
        month,
        f"Điểm 766 giảm {-delta:.2f} điểm ({before:.2f} → {now:.2f})",
        f"766 score fell {-delta:.2f} points ({before:.2f} → {now:.2f})",
        {
            "previous_month": previous,
            "previous": before,
            "current": now,
            "change": round(delta, 2),
            "threshold": limit,
        },
    )


def submission_candidates(session: Session, *, now: datetime) -> list[Candidate]:
    """Return an alert per submission still not sent after its deadline (the period's or its extension)."""
    stmt = (
        select(Submission, AssessmentPeriod, Agency)
        .join(AssessmentPeriod, Submission.period_id == AssessmentPeriod.id)
        .join(Agency, Submission.agency_id == Agency.id)
        .where(AssessmentPeriod.status == "open", Submission.status.in_(["draft", "returned"]))
    )
    out = []
    for sub, period, agency in session.execute(stmt):
        deadline = sub.extended_until or period.submission_deadline
        if sub.status == "returned":
            deadline = max(deadline, period.review_deadline)
        if deadline < now:
            when = clock.to_local(deadline).strftime("%d/%m/%Y %H:%M")
            out.append(
                Candidate(
                    "submission_overdue",
                    agency.code,
                    period.code,
                    f"Quá hạn nộp kỳ {period.code} (hạn {when})",
                    f"Self-assessment of {period.code} overdue (due {when})",
                    {"period": period.code, "status": sub.status, "deadline": deadline.isoformat()},
                )
            )
    return out


def save_plan_trends(session: Session, monthly: tuple[pd.DataFrame, pd.DataFrame], today: date) -> None:
    """Keep on each open plan item its linked indicator's last 6 months for its agency (the /plans trend)."""
    codes = dict(session.execute(select(Agency.id, Agency.code)).all())
    months = [month_label(_months_back(today, n)) for n in range(TREND_MONTHS - 1, -1, -1)]
    series: dict[str, pd.Series] = {}
    for item in plans.list_items(session):
        wanted = item.indicator or ""
        if item.status == "verified" or not wanted.startswith(("metric:", "custom:", "group:", "total766")):
            continue
        if wanted not in series:
            series[wanted] = indicator_series(*monthly, wanted)
        values = series[wanted]
        trend = [_rounded(values.get((codes.get(item.agency_id), m), np.nan)) for m in months]
        item.trend = trend if any(v is not None for v in trend) else None
    session.flush()


def _rounded(value: float | None) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)


def plan_candidates(session: Session, *, today: date) -> list[Candidate]:
    """Return an alert per action-plan item past its due date and not done."""
    codes = dict(session.execute(select(Agency.id, Agency.code)).all())
    return [
        Candidate(
            "plan_overdue",
            codes[i.agency_id],
            f"plan:{i.id}",
            f"Quá hạn kế hoạch: {i.title}",
            f"Plan item overdue: {i.title}",
            {"item": i.id, "due_on": i.due_on.isoformat(), "status": i.status, "progress": i.progress},
        )
        for i in plans.overdue_items(session, on=today)
    ]


def evaluate_followup(session: Session, *, data_dir: Path, now: datetime | None = None) -> EvaluationReport:
    """Evaluate every target valid today and every enabled rule; store statuses, raise new alerts, notify.

    Args:
        session: the open session (flushed; the caller commits).
        data_dir: the data directory holding the record store.
        now: the moment (defaults to the clock); records are cut off at that moment, province time.

    Returns:
        The statuses per target and the new alerts per rule.
    """
    started = clock.now()
    moment = now or clock.now()
    local = clock.to_local(moment)
    today, as_of = local.date(), local.replace(tzinfo=None)
    frame = agency_frame(session, on=today)
    first = _months_back(today, TREND_MONTHS - 1)
    # Whole months (cut off at `as_of`): a range ending today would label this month "05-01..05-28", not
    # "2026-05", and the month's rules would never find it.
    last = _months_back(today, -1) - timedelta(days=1)
    monthly = compute(
        data_dir, f"{first.isoformat()}..{last.isoformat()}", by="month", as_of=as_of, agencies=frame
    )
    report = EvaluationReport()
    found: list[Candidate] = []
    rules = alerts.rule_settings(session)
    currents: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {"month": monthly}
    for target in targets.list_targets(session, on=today):
        if target.period_type not in currents and not target.indicator.startswith("node:"):
            label = period_label(today, target.period_type)
            currents[target.period_type] = compute(
                data_dir, label, by=cast(PeriodKind, target.period_type), as_of=as_of, agencies=frame
            )
        rows = evaluate_target(session, target, monthly, currents.get(target.period_type, monthly), today)
        targets.save_statuses(session, target=target, rows=rows)
        counts: dict[str, int] = {}
        for row in rows:
            counts[str(row["status"])] = counts.get(str(row["status"]), 0) + 1
        report.statuses[target.code] = counts
        if rules["target_missed"][0]:
            found.extend(_missed(target, rows))
    month, previous = month_label(today), month_label(_months_back(today, 1))
    found.extend(
        rule_candidates(
            monthly[0],
            monthly[1],
            month=month,
            previous=previous,
            drop_points=rules["score_drop"][1] if rules["score_drop"][0] else None,
            ontime_below=rules["ontime_below"][1] if rules["ontime_below"][0] else None,
        )
    )
    if rules["submission_overdue"][0]:
        found.extend(submission_candidates(session, now=moment))
    if rules["plan_overdue"][0]:
        found.extend(plan_candidates(session, today=today))
    if rules["target_missed"][0]:  # the province's own indicators (catalogue) and their yearly targets
        found.extend(indicator_target_candidates(session, today=today))
    save_plan_trends(session, monthly, today)
    fresh = alerts.new_candidates(session, candidates=found)
    _add_late_dossiers(fresh, data_dir=data_dir, month=month, as_of=as_of)
    for c in alerts.raise_alerts(session, candidates=fresh, now=moment):
        rule = c.rule.split(":")[0]
        report.raised[rule] = report.raised.get(rule, 0) + 1
    report.seconds = round((clock.now() - started).total_seconds(), 3)
    return report


def _add_late_dossiers(fresh: list[Candidate], *, data_dir: Path, month: str, as_of: datetime) -> None:
    """Put the late dossiers themselves into the evidence of the new on-time-rate alerts of the month."""
    low = {c.agency_code: c for c in fresh if c.rule == "ontime_below" and c.period == month}
    found = late_dossiers(data_dir, month=month, agency_codes=list(low), as_of=as_of)
    for code, candidate in low.items():
        candidate.evidence["late_dossiers"] = found.get(code, [])


def _missed(target: Target, rows: list[dict[str, object]]) -> list[Candidate]:
    unit = "%" if target.indicator.startswith(("metric:", "custom:")) else ""
    return [
        Candidate(
            f"target:{target.code}",
            str(r["agency_code"]),
            str(r["period"]),
            f"Không đạt chỉ tiêu {target.name_vi}: {r['value']:.2f}{unit} (chỉ tiêu {target.comparison} "
            f"{r['target_value']:g}{unit})",
            f"Target missed, {target.name_en or target.name_vi}: {r['value']:.2f}{unit} "
            f"(target {target.comparison} {r['target_value']:g}{unit})",
            {
                "target": target.code,
                "indicator": target.indicator,
                "value": r["value"],
                "target_value": r["target_value"],
                "comparison": target.comparison,
                "trend": r["trend"],
            },
        )
        for r in rows
        if r["status"] == "missed"
    ]
