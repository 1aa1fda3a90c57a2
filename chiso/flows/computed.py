"""Monitoring feeds the yearly index: each sourced leaf's value, computed per agency, written into the forms.

Flows layer: the one bridge from chiso.monitoring (runner.compute_from_store / recompute_affected, the
metric registry) to chiso.assessment.computed (ComputedValue, set_computed_values, the freeze). A
framework leaf with `source: {metric: TIMELINESS, aggregate: year}` gets, for every agency of an open
period, the metric over the period's dates written as a computed, read-only value with its lineage
("tính từ 12.345 hồ sơ, 01/2026-12/2026, lúc 14:02"). Called when a period opens, after every ingest
and recompute, and when the secretariat freezes the values at a cut-off. Idempotent: a second run with
the same records changes nothing (not even the lineage's time).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.assessment import computed, periods
from chiso.assessment.form import load_form
from chiso.assessment.periods import get_period
from chiso.clock import LocalDatetime
from chiso.config import get_settings
from chiso.errors import ChisoError, InvalidInput, Problem
from chiso.flows.followup_eval import CUSTOM_FILE
from chiso.frameworks.schema import Framework, MonitoringSource
from chiso.monitoring.custom import load_custom_metrics
from chiso.monitoring.metrics import Metric, builtin_metrics
from chiso.monitoring.periods import Period, parse_period
from chiso.monitoring.reconcile import percent
from chiso.monitoring.runner import compute_from_store, recompute_affected
from chiso.store.models import Agency
from chiso.store.models.assessment import AssessmentPeriod, Submission, SubmissionValue

log = logging.getLogger("chiso.computed")


@dataclass
class ComputedReport:
    """What one refresh of a period did."""

    period_code: str
    leaves: list[str] = field(default_factory=list)
    written: int = 0
    values: int = 0
    frozen_at: date | None = None
    skipped: str = ""  # why nothing was computed, when so


def sourced_leaves(framework: Framework) -> dict[str, MonitoringSource]:
    """Return the framework's leaves that monitoring measures, by code, in framework order."""
    return {leaf.code: leaf.source for leaf in framework.leaves() if leaf.source is not None}


def _metrics(data_dir: Path) -> dict[str, Metric]:
    custom = data_dir / CUSTOM_FILE
    found = [*builtin_metrics(), *(load_custom_metrics(custom) if custom.exists() else [])]
    return {m.code: m for m in found}


def source_span(period_label: str, source: MonitoringSource) -> Period:
    """Return the dates a source adds up over: the assessment period's label, or its calendar year."""
    whole = parse_period(period_label)
    return parse_period(str(whole.start.year)) if source.aggregate == "year" else whole


def _clip(span: Period, cutoff: date | None, today: date) -> tuple[Period, datetime]:
    """Return the span up to the cut-off (or today) and the as-of moment for still-open records."""
    last = min(span.last_day, cutoff or span.last_day, max(today, span.start))
    clipped = span if last == span.last_day else parse_period(f"{span.start}..{last}")
    return clipped, datetime.combine(last, time(23, 59, 59))


def _period_agencies(session: Session, period: AssessmentPeriod) -> dict[str, str]:
    rows = session.execute(
        select(Agency.code, Agency.kind)
        .join(Submission, Submission.agency_id == Agency.id)
        .where(Submission.period_id == period.id)
    )
    return {code: kind for code, kind in rows}


def compute_period_values(
    session: Session,
    *,
    period_code: str,
    data_dir: Path | None = None,
    cutoff: date | None = None,
    now: datetime | None = None,
) -> tuple[list[computed.ComputedValue], list[str]]:
    """Compute every agency's value of every sourced leaf of the period from the record store.

    Returns the values (with lineage) and the sourced leaf codes.

    Raises:
        InvalidInput: a leaf names a metric that is neither built in nor in the province's custom file.
    """
    data_dir = data_dir or get_settings().data_dir
    now = now or clock.now()
    period = get_period(session, code=period_code)
    framework, form = load_form(period.framework_id)
    leaves = sourced_leaves(framework)
    if not leaves:
        return [], []
    metrics = _metrics(data_dir)
    unknown = sorted(f"{c} -> {s.metric}" for c, s in leaves.items() if s.metric not in metrics)
    if unknown:
        raise InvalidInput(
            f"Bộ chỉ số {period.framework_id} dùng chỉ số giám sát không có: {', '.join(unknown)}",
            f"Framework {period.framework_id} uses unknown monitoring metrics: {', '.join(unknown)}",
            [
                Problem(
                    f"Thêm chỉ số {u} vào {CUSTOM_FILE} hoặc sửa source",
                    f"Add {u} to {CUSTOM_FILE} or fix the source",
                    field=u.split(" ")[0],
                )
                for u in unknown
            ],  # fmt: skip
        )
    agencies = _period_agencies(session, period)
    out: list[computed.ComputedValue] = []
    today = clock.to_local(now).date()
    for src, codes in _by_source(leaves).items():
        span, as_of = _clip(source_span(period.period, src), cutoff, today)
        metric = metrics[src.metric]
        table = compute_from_store(
            span, data_dir=data_dir, metrics=[metric], only_agencies=sorted(agencies), as_of=as_of
        )
        lineage = computed.Lineage(
            src.metric, src.aggregate, 0, metric.source, f"{span.start:%Y-%m}", f"{span.last_day:%Y-%m}",
            now, cutoff,
        )  # fmt: skip
        for agency, num, den in _figures(table, src.metric, agencies):
            source = computed.lineage_source(replace(lineage, count=int(den)))
            for code in codes:
                if form.criterion(code).applies_to(agencies[agency]):
                    ratio = percent(num, den)  # the rate as the portal publishes it: 2 decimals of %
                    value = None if ratio is None else ratio / 100
                    out.append(computed.ComputedValue(agency, code, value, float(num), float(den), source))
    return out, list(leaves)


def _by_source(leaves: dict[str, MonitoringSource]) -> dict[MonitoringSource, list[str]]:
    """Group leaves by source: each is computed once however many leaves read it."""
    groups: dict[MonitoringSource, list[str]] = {}
    for code, source in leaves.items():
        groups.setdefault(source, []).append(code)
    return groups


def _figures(
    table: pd.DataFrame, metric: str, agencies: dict[str, str]
) -> Iterable[tuple[str, float, float]]:
    rows = table[table["indicator_code"] == metric]
    found: dict[str, tuple[float, float]] = {}
    for agency, num, den in zip(rows["agency_code"], rows["numerator"], rows["denominator"], strict=True):
        n, d = found.get(str(agency), (0.0, 0.0))
        found[str(agency)] = (n + float(num or 0), d + float(den or 0))
    for agency in sorted(agencies):  # an agency without records is computed from 0 records, not skipped
        num, den = found.get(agency, (0.0, 0.0))
        yield agency, num, den


def refresh_computed_values(
    session: Session,
    *,
    period_code: str,
    actor: Actor,
    data_dir: Path | None = None,
    now: datetime | None = None,
    force_cutoff: date | None = None,
) -> ComputedReport:
    """Compute and write the period's computed values, unless the period is frozen or published.

    Args:
        force_cutoff: compute up to this day even if frozen (the freeze itself uses it).
    """
    now = now or clock.now()
    period = get_period(session, code=period_code)
    report = ComputedReport(period_code=period_code)
    freeze = computed.get_freeze(session, period_code=period_code)
    if force_cutoff is None and freeze is not None:
        report.frozen_at, report.skipped = freeze.cutoff, "frozen"
        return report
    if period.status == "published":
        report.skipped = "published"
        return report
    values, report.leaves = compute_period_values(
        session, period_code=period_code, data_dir=data_dir, cutoff=force_cutoff, now=now
    )
    report.values = len(values)
    if values:
        report.written = computed.set_computed_values(
            session, period_code=period_code, values=values, actor=actor, now=now
        )
    report.frozen_at = force_cutoff
    return report


def freeze_computed_values(
    session: Session, *, period_code: str, cutoff: date, actor: Actor, data_dir: Path | None = None,
    now: datetime | None = None,
) -> ComputedReport:  # fmt: skip
    """Freeze the period's computed values at a cut-off: compute them up to that day once, then keep them.

    Raises:
        PermissionDenied: the actor is not the secretariat (nothing is written).
        InvalidInput: the cut-off is in the future.
    """
    computed.freeze_computed(session, period_code=period_code, cutoff=cutoff, actor=actor, now=now)
    return refresh_computed_values(
        session, period_code=period_code, actor=actor, data_dir=data_dir, now=now, force_cutoff=cutoff
    )


def unfreeze_computed_values(
    session: Session, *, period_code: str, actor: Actor, data_dir: Path | None = None
) -> ComputedReport:
    """Lift the freeze and bring the values up to date with the record store again."""
    computed.unfreeze_computed(session, period_code=period_code, actor=actor)
    return refresh_computed_values(session, period_code=period_code, actor=actor, data_dir=data_dir)


def _touches(period: AssessmentPeriod, months: set[str] | None) -> bool:
    if months is None:
        return True
    framework = load_form(period.framework_id)[0]
    spans = [source_span(period.period, s) for s in sourced_leaves(framework).values()]
    return any(s.start <= date.fromisoformat(f"{m}-01") < s.end for s in spans for m in months)


def refresh_open_periods(
    session: Session, *, actor: Actor, months: Iterable[str] | None = None, data_dir: Path | None = None
) -> list[ComputedReport]:
    """Refresh the computed values of every open or in-review period (only those touching `months`).

    The job run after every ingest or recompute; frozen and published periods are left alone.
    """
    wanted = None if months is None else {m for m in months if m and m != "all"}
    reports = []
    for period in session.scalars(
        select(AssessmentPeriod).where(AssessmentPeriod.status != "published").order_by(AssessmentPeriod.code)
    ):
        if not (sourced_leaves(load_form(period.framework_id)[0]) and _touches(period, wanted)):
            continue
        try:
            with session.begin_nested():  # one period's refusal (an unknown metric) spares the others
                reports.append(
                    refresh_computed_values(session, period_code=period.code, actor=actor, data_dir=data_dir)
                )
        except ChisoError as exc:
            log.warning("computed values of %s not refreshed: %s", period.code, exc)
            reports.append(ComputedReport(period_code=period.code, skipped=f"error: {exc}"))
    return reports


def recompute_after_ingest(
    session: Session,
    affected: Iterable[tuple[str | None, str]],
    *,
    actor: Actor,
    data_dir: Path | None = None,
) -> tuple[pd.DataFrame, list[ComputedReport]]:
    """Recompute the agency-months an ingest touched, then refresh the computed values they feed.

    Returns the recomputed metric rows (``runner.recompute_affected``) and a report per period refreshed.
    """
    data_dir = data_dir or get_settings().data_dir
    pairs = list(affected)
    values = recompute_affected(pairs, data_dir=data_dir)
    months = {month for _, month in pairs}
    if any(m == "all" for m in months):  # the catalogue changed: every month may move
        return values, refresh_open_periods(session, actor=actor, data_dir=data_dir)
    return values, refresh_open_periods(session, actor=actor, months=months, data_dir=data_dir)


def open_period(session: Session, *, actor: Actor, **fields: Any) -> AssessmentPeriod:
    """Open an assessment period (chiso.assessment.periods.open_period) and fill its computed values."""
    period = periods.open_period(session, actor=actor, **fields)
    refresh_computed_values(session, period_code=period.code, actor=actor, now=fields.get("now"))
    return period


class SourcedLeaf(BaseModel):
    """A leaf of the period's framework that monitoring measures, and how many forms hold its value."""

    code: str
    metric: str
    aggregate: str
    first_month: str
    last_month: str
    values: int


class ComputedStatus(BaseModel):
    """The computed values of one period: which leaves, frozen or following the records (page + JSON)."""

    period_code: str
    period_status: str
    framework_id: str
    leaves: list[SourcedLeaf]
    frozen_cutoff: date | None = None
    frozen_at: LocalDatetime | None = None
    last_computed_at: LocalDatetime | None = None


def get_computed_status(session: Session, *, period_code: str, actor: Actor) -> ComputedStatus:
    """Return the period's sourced leaves, how many computed values each has, and the freeze.

    Raises:
        NotFound: no such period.
    """
    period = get_period(session, code=period_code)
    leaves = sourced_leaves(load_form(period.framework_id)[0])
    counts = dict(
        session.execute(
            select(SubmissionValue.indicator_code, func.count())
            .join(Submission, Submission.id == SubmissionValue.submission_id)
            .where(Submission.period_id == period.id, SubmissionValue.is_computed.is_(True))
            .group_by(SubmissionValue.indicator_code)
        ).all()
    )
    last = session.scalar(
        select(func.max(SubmissionValue.updated_at))
        .join(Submission, Submission.id == SubmissionValue.submission_id)
        .where(Submission.period_id == period.id, SubmissionValue.is_computed.is_(True))
    )
    freeze = computed.get_freeze(session, period_code=period_code)
    rows = []
    for code, src in leaves.items():
        span = source_span(period.period, src)
        rows.append(SourcedLeaf(code=code, metric=src.metric, aggregate=src.aggregate,
                                first_month=f"{span.start:%m/%Y}", last_month=f"{span.last_day:%m/%Y}",
                                values=int(counts.get(code, 0))))  # fmt: skip
    return ComputedStatus(
        period_code=period.code,
        period_status=period.status,
        framework_id=period.framework_id,
        leaves=rows,
        frozen_cutoff=freeze.cutoff if freeze else None,
        frozen_at=freeze.frozen_at if freeze else None,
        last_computed_at=last,
    )
