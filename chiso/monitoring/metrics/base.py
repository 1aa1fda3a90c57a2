"""What a metric is and the registry of metrics; monitoring layer, imports only ibis and chiso.errors.

A metric is defined once as two row-level Ibis expressions (numerator and denominator, each summed
per agency and period) over one prepared source table, plus its zero-denominator policy. The same
definition runs on every Ibis backend (DuckDB, Spark). `Metric.expr` returns the per-agency,
per-period table for one metric; the runner fuses all metrics of a source into one aggregation.

Sources (prepared by chiso.monitoring.compute.sources, one row per ...):
- ``dossiers``: dossier received in the period, with ``period``, ``cutoff``, working-day columns
  and the catalogue's ``full_online_eligible`` (false when the procedure is not catalogued);
- ``petitions``: petition received in the period, with ``period`` and ``cutoff``;
- ``procedures``: (agency_code, period, procedure_code) for every procedure of the agency in the
  period - one with at least one dossier of the agency in the period, or assigned to the agency by
  the catalogue's ``agency_code`` - with the catalogue columns (false/null when the procedure is
  missing from the catalogue), working-day ordinals ``w_announced``, ``w_effective``,
  ``w_published`` and whether any of the agency's dossiers of the period for the procedure was
  online (``has_online``), paid online (``has_paid_online``), had a fee (``has_fee_required``),
  used population data (``has_population_data``), and ``announced_in_period`` (the catalogue's
  ``announced_on`` falls in the period);
- ``catalogue``: one row per catalogue procedure, no agency or period: a metric over it is one
  province-wide figure, shown on every unit and period (never summed in a roll-up).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from chiso.errors import InvalidInput, Problem

Source = Literal["dossiers", "petitions", "procedures", "catalogue"]
ZeroPolicy = Literal["zero", "full", "null"]
RowExpr = Callable[[ir.Table], ir.Value]

SOURCES: tuple[Source, ...] = ("dossiers", "petitions", "procedures")
#: Sources of province-wide metrics: one figure over the whole table, the same on every unit.
PROVINCE_SOURCES: tuple[Source, ...] = ("catalogue",)
FAMILIES = ("transparency", "timeliness", "online", "digitisation", "satisfaction", "payment")
KEYS = ("agency_code", "period")


@dataclass(frozen=True)
class Metric:
    """One named indicator: numerator / denominator per agency and period.

    Attributes:
        code: the indicator code (qd766 leaf code for built-in metrics).
        family: transparency, timeliness, online, digitisation, satisfaction, payment or custom.
        source: the prepared table the row expressions read.
        numerator: row-level expression; summed per agency and period (booleans count as 1).
        denominator: row-level expression; summed per agency and period.
        zero_policy: the value when the denominator is 0: ``zero`` -> 0, ``full`` -> 1 (full
            marks), ``null`` -> missing.
        name_vi / name_en: what the metric measures, for pages and docs.
        rule: one line saying how the value is computed, for docs and "why this score".
        clamp_at_zero: the numerator's per-agency sum is floored at 0 (row contributions may be
            negative).
        times_rate_of: the value is multiplied by this other metric's value (e.g. the online
            submission share times the sync rate); null when either is null.
        minus_complained: (dossier metrics) the numerator leaves out the dossiers it counted that a
            petition complains about (``dossier_id`` of a petition), each dossier once.
    """

    code: str
    family: str
    source: Source
    numerator: RowExpr
    denominator: RowExpr
    zero_policy: ZeroPolicy
    name_vi: str
    name_en: str
    rule: str = ""
    clamp_at_zero: bool = False
    times_rate_of: str | None = None
    minus_complained: bool = False

    def aggregates(self, table: ir.Table) -> dict[str, ir.Scalar]:
        """Return the per-group reductions ``<code>__num`` and ``<code>__den`` over a prepared source."""
        num = _total(table, self.numerator(table))
        if self.clamp_at_zero:
            num = ibis.greatest(num, 0)
        return {f"{self.code}__num": num, f"{self.code}__den": _total(table, self.denominator(table))}

    def partial_aggregates(self, table: ir.Table) -> dict[str, ir.Scalar]:
        """Return the unclamped sums ``<code>__num`` and ``<code>__den`` of a part of the rows.

        Sums are additive: the sums over disjoint parts of the rows (e.g. one per stored file)
        add up to `aggregates` over all of them once the numerator is clamped (`clamp`).
        """
        return {
            f"{self.code}__num": _total(table, self.numerator(table)),
            f"{self.code}__den": _total(table, self.denominator(table)),
        }

    def expr(self, table: ir.Table) -> ir.Table:
        """Return agency_code, period, numerator, denominator for this metric over a prepared source."""
        aggs = self.aggregates(table)
        return table.group_by(list(KEYS)).aggregate(
            numerator=aggs[f"{self.code}__num"], denominator=aggs[f"{self.code}__den"]
        )


def _total(table: ir.Table, value: ir.Value) -> ir.Scalar:
    """Sum a row-level count per group (a constant c sums to c x rows)."""
    if isinstance(value, ir.Scalar):
        return table.count().cast("int64") * _as_count(value)
    if value.type().is_boolean():
        # SUM(CAST(b AS INT)) is the cheapest count on DuckDB (a CASE per row doubles the cost);
        # a null boolean adds nothing.
        return value.cast("int32").sum().coalesce(0).cast("int64")
    return _as_count(value).sum().coalesce(0).cast("int64")


def _as_count(value: ir.Value) -> ir.NumericValue:
    """Turn a row-level boolean or number into an int64 count (null counts as 0)."""
    if value.type().is_boolean():
        return ibis.ifelse(value.fill_null(False), 1, 0).cast("int64")
    return value.cast("int64").fill_null(0)


def one(table: ir.Table) -> ir.Value:
    """Count every row (the usual denominator)."""
    return ibis.literal(1, type="int64")


def flag(*columns: str) -> RowExpr:
    """Return the row expression that counts the rows whose boolean `columns` are all true."""

    def expr(table: ir.Table) -> ir.Value:
        return functools.reduce(operator.and_, (table[c] for c in columns))

    return expr


_REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Add a built-in metric to the registry (codes are unique)."""
    if metric.code in _REGISTRY:
        raise ValueError(f"metric {metric.code} registered twice")
    _REGISTRY[metric.code] = metric
    return metric


def builtin_metrics() -> list[Metric]:
    """Return every built-in metric, family by family in the order of Decision 766."""
    return sorted(_REGISTRY.values(), key=lambda m: FAMILIES.index(m.family))


def get_metric(code: str) -> Metric:
    """Return the built-in metric with this code.

    Raises:
        InvalidInput: no metric has that code.
    """
    try:
        return _REGISTRY[code]
    except KeyError:
        known = ", ".join(_REGISTRY)
        raise InvalidInput(
            f"Không có chỉ số '{code}'",
            f"No metric '{code}'",
            [Problem(f"Các mã hợp lệ: {known}", f"Known codes: {known}", field="indicator_code")],
        ) from None
