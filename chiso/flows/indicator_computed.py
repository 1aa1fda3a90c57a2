"""Monitoring feeds the indicator catalogue: a computed indicator's monthly province value from the dossiers.

Flows layer: the one bridge from chiso.monitoring (runner.compute_from_store, the metric registry and
the province's custom metrics) to the indicators' values (chiso.store indicator tables). An indicator
with source "computed" and a `metric_code` (DVC_TL_DUNG_HAN <- TIMELINESS) gets, for every finished
month the record store holds, the metric over the province: every agency's numerator and denominator
added up, 100 x numerator / denominator rounded as the portal publishes rates (chiso.monitoring.
reconcile.percent). Written on the province's code with channel "computed". A month without records
for the metric's denominator has no value (no row), never zero. Only metrics counted per record
(dossiers, petitions) add up across agencies; a procedure-catalogue metric is skipped and said so.
Idempotent: a rerun with the same records changes nothing, not even the time a value was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.config import get_settings
from chiso.flows.followup_eval import CUSTOM_FILE
from chiso.indicators.periods import period_of
from chiso.monitoring.custom import load_custom_metrics
from chiso.monitoring.metrics import Metric, builtin_metrics
from chiso.monitoring.reconcile import percent
from chiso.monitoring.records.store import stored_months
from chiso.monitoring.runner import compute_from_store
from chiso.store.models.indicators import Indicator, IndicatorValue
from chiso.units.access import check_can_edit_units

CHANNEL = "computed"
SUMMABLE_SOURCES = ("dossiers", "petitions")  # counted per record, so agencies add up to the province


@dataclass
class IndicatorComputedReport:
    """What one refresh did: indicators and months computed, values written, unchanged, removed."""

    indicators: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # indicator code -> why


def _metrics(data_dir: Path) -> dict[str, Metric]:
    custom = data_dir / CUSTOM_FILE
    found = [*builtin_metrics(), *(load_custom_metrics(custom) if custom.exists() else [])]
    return {metric.code: metric for metric in found}


def computed_indicators(session: Session) -> list[Indicator]:
    """Return the active catalogue indicators computed from a monitoring metric, by code."""
    return list(
        session.scalars(
            select(Indicator)
            .where(
                Indicator.active.is_(True), Indicator.source == "computed", Indicator.metric_code.is_not(None)
            )
            .order_by(Indicator.code)
        )
    )


def finished_months(data_dir: Path, *, today: date) -> list[str]:
    """Return the months the record store holds dossiers for that ended before `today`."""
    current = period_of(today, "month")
    return [month for month in stored_months("dossiers", data_dir=data_dir) if month < current]


def compute_province_rates(
    metrics: Sequence[Metric], months: Sequence[str], *, data_dir: Path
) -> dict[tuple[str, str], float | None]:
    """Return each metric's province rate per month, in percent: (metric code, month) -> rate or None.

    Every agency's numerator and denominator are summed (each record belongs to one agency, so nothing
    counts twice); a month with a zero denominator gives None.
    """
    if not metrics or not months:
        return {}
    whole = f"{months[0]}-01..{_last_day(months[-1])}"
    table = compute_from_store(whole, data_dir=data_dir, by="month", metrics=list(metrics))
    table = table.assign(period=table["period"].astype(str))
    sums = table.groupby(["indicator_code", "period"], as_index=False)[["numerator", "denominator"]].sum()
    wanted = set(months)
    return {
        (str(code), period): percent(num, den)
        for code, period, num, den in zip(
            sums["indicator_code"], sums["period"], sums["numerator"], sums["denominator"], strict=True
        )
        if period in wanted
    }


def _last_day(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    following = date(year + number // 12, number % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1).isoformat()


def _usable(
    indicators: Iterable[Indicator], metrics: dict[str, Metric], report: IndicatorComputedReport
) -> dict[str, Metric]:
    """Pick each indicator's metric; say why an indicator is left out."""
    chosen: dict[str, Metric] = {}
    for indicator in indicators:
        metric = metrics.get(str(indicator.metric_code))
        if metric is None:
            report.skipped[indicator.code] = f"unknown metric {indicator.metric_code}"
        elif metric.source not in SUMMABLE_SOURCES:
            report.skipped[indicator.code] = f"metric {metric.code} counts {metric.source}, not records"
        elif indicator.period_type != "month":
            report.skipped[indicator.code] = f"period type {indicator.period_type}, only month is computed"
        else:
            chosen[indicator.code] = metric
    return chosen


def _write(
    session: Session,
    figures: dict[tuple[str, str], float | None],
    *,
    province_code: str,
    actor: Actor,
    report: IndicatorComputedReport,
) -> None:
    """Write (indicator, month) -> value on the province; a None removes a computed value."""
    codes = sorted({code for code, _ in figures})
    existing = {
        (row.indicator_code, row.period): row
        for row in session.scalars(
            select(IndicatorValue).where(
                IndicatorValue.indicator_code.in_(codes),
                IndicatorValue.unit_code == province_code,
                IndicatorValue.period.in_(sorted({month for _, month in figures})),
            )
        )
    }
    now = clock.now()
    for key, value in sorted(figures.items()):
        row = existing.get(key)
        if value is None:
            if row is not None and row.channel == CHANNEL:
                session.delete(row)
                report.removed += 1
            continue
        if row is not None and row.value == value and row.channel == CHANNEL:
            report.unchanged += 1
            continue
        if row is None:
            row = IndicatorValue(indicator_code=key[0], unit_code=province_code, period=key[1])
            session.add(row)
        row.value, row.status, row.channel, row.note = value, "entered", CHANNEL, None
        row.entered_by, row.entered_at, row.approved_by, row.approved_at = actor.username, now, None, None
        report.written += 1
    session.flush()


def refresh_computed_indicators(
    session: Session,
    *,
    actor: Actor,
    province_code: str,
    today: date | None = None,
    data_dir: Path | None = None,
    months: Sequence[str] | None = None,
) -> IndicatorComputedReport:
    """Compute every computed indicator's monthly province value from the record store and write it.

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        actor: who computes (SYSTEM from the demo and jobs, or a secretariat user).
        province_code: the unit the values are written on ("48").
        today: months up to the one before `today` (default: the province's today).
        data_dir: the record store's data dir (default: CHISO_DATA_DIR).
        months: only these months ("2026-03"), default every finished month the store holds.

    Returns:
        What was written, left unchanged, removed, and the indicators skipped with the reason.

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system (nothing is written).
    """
    check_can_edit_units(actor, what_vi="tính chỉ tiêu từ dữ liệu hồ sơ", what_en="compute indicators")
    data_dir = data_dir or get_settings().data_dir
    report = IndicatorComputedReport()
    chosen = _usable(computed_indicators(session), _metrics(data_dir), report)
    finished = finished_months(data_dir, today=today or clock.today())
    report.months = [m for m in finished if months is None or m in set(months)]
    report.indicators = sorted(chosen)
    if not chosen or not report.months:
        return report
    distinct = {metric.code: metric for metric in chosen.values()}
    rates = compute_province_rates(list(distinct.values()), report.months, data_dir=data_dir)
    figures = {
        (code, month): rates.get((metric.code, month))
        for code, metric in chosen.items()
        for month in report.months
    }
    _write(session, figures, province_code=province_code, actor=actor, report=report)
    return report
