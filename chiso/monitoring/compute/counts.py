"""Run the metrics into a dense count cube: one fused aggregation per source; monitoring compute layer.

`compute_counts` aggregates every metric of a source in one query over its prepared table (or takes
the dossier counts already added up by the per-file cache) and returns a `CountCube`: numerators and
denominators as (agency x period x metric) int64 arrays, without records 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from chiso.monitoring.compute.sources import PreparedSources
from chiso.monitoring.metrics import KEYS, Metric, builtin_metrics
from chiso.monitoring.metrics.base import PROVINCE_SOURCES, SOURCES
from chiso.monitoring.periods import Period

COUNT_COLUMNS = ["agency_code", "period", "indicator_code", "numerator", "denominator"]


def _fused(table: ir.Table, metrics: Sequence[Metric]) -> ir.Table:
    aggs: dict[str, Any] = {}
    for metric in metrics:
        aggs.update(metric.aggregates(table))
    return table.group_by(list(KEYS)).aggregate(**aggs)


def _execute(expr: ir.Table) -> pa.Table:
    table: pa.Table = expr.to_pyarrow()
    return table


def _texts(column: pa.ChunkedArray | pa.Array) -> np.ndarray[Any, Any]:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object).astype(str)


@dataclass
class CountCube:
    """Numerators and denominators as dense (agency x period x metric) int64 arrays."""

    agency_codes: list[str]
    periods: list[str]
    metric_codes: list[str]
    numerator: np.ndarray[Any, np.dtype[np.int64]]
    denominator: np.ndarray[Any, np.dtype[np.int64]]

    @classmethod
    def zeros(
        cls, agency_codes: Sequence[str], periods: Sequence[str], metric_codes: Sequence[str]
    ) -> CountCube:
        shape = (len(agency_codes), len(periods), len(metric_codes))
        return cls(list(agency_codes), list(periods), list(metric_codes),
                   np.zeros(shape, np.int64), np.zeros(shape, np.int64))  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        """Return the long table agency_code, period, indicator_code, numerator, denominator."""
        n_a, n_p, n_m = self.numerator.shape
        return pd.DataFrame(
            {
                "agency_code": np.repeat(np.asarray(self.agency_codes, dtype=object), n_p * n_m),
                "period": np.tile(np.repeat(np.asarray(self.periods, dtype=object), n_m), n_a),
                "indicator_code": np.tile(np.asarray(self.metric_codes, dtype=object), n_a * n_p),
                "numerator": self.numerator.reshape(-1),
                "denominator": self.denominator.reshape(-1),
            }
        )

    def set_province_wide(self, figures: dict[str, tuple[int, int]]) -> None:
        """Put each province-wide metric's one figure in every agency and period (never summed)."""
        for code, (num, den) in figures.items():
            mi = self.metric_codes.index(code)
            self.numerator[:, :, mi] = num
            self.denominator[:, :, mi] = den

    @classmethod
    def from_frame(cls, counts: pd.DataFrame) -> CountCube:
        """Build a cube from a long count table (missing cells are 0)."""
        agencies = sorted(set(counts["agency_code"].astype(str)))
        periods = sorted(set(counts["period"].astype(str)))
        metrics = list(dict.fromkeys(counts["indicator_code"].astype(str)))
        cube = cls.zeros(agencies, periods, metrics)
        ai = pd.Index(agencies).get_indexer(pd.Index(counts["agency_code"].astype(str)))
        pi = pd.Index(periods).get_indexer(pd.Index(counts["period"].astype(str)))
        mi = pd.Index(metrics).get_indexer(pd.Index(counts["indicator_code"].astype(str)))
        np.add.at(cube.numerator, (ai, pi, mi), counts["numerator"].to_numpy(dtype=np.int64))
        np.add.at(cube.denominator, (ai, pi, mi), counts["denominator"].to_numpy(dtype=np.int64))
        return cube


def compute_counts(
    sources: PreparedSources,
    metrics: Sequence[Metric] | None = None,
    *,
    periods: Sequence[Period] = (),
    agency_codes: Iterable[str] = (),
    dossier_counts: pa.Table | None = None,
) -> CountCube:
    """Run the metrics, one fused aggregation per source, into a dense count cube.

    Every agency with records or listed in ``agency_codes`` gets a row; every period of
    ``periods`` (plus any found) a column; counts without records are 0. ``dossier_counts``, if
    given, are the dossier metrics' counts already added up (`chiso.monitoring.cache.counts`).
    """
    chosen = list(metrics) if metrics is not None else builtin_metrics()
    wides: list[tuple[list[Metric], pa.Table]] = []
    for source in SOURCES:
        group = [m for m in chosen if m.source == source]
        if group and source == "dossiers" and dossier_counts is not None:
            wides.append((group, dossier_counts))
        elif group:
            wides.append((group, _execute(_fused(sources.get(source), group))))
    codes = set(agency_codes)
    labels = [p.label for p in periods]
    for _, wide in wides:
        codes.update(_texts(wide.column("agency_code")))
        labels.extend(sorted(set(_texts(wide.column("period"))) - set(labels)))
    cube = CountCube.zeros(sorted(codes), labels, [m.code for m in chosen])
    agency_index, period_index = pd.Index(cube.agency_codes), pd.Index(cube.periods)
    metric_index = {code: i for i, code in enumerate(cube.metric_codes)}
    for group, wide in wides:
        ai = agency_index.get_indexer(pd.Index(_texts(wide.column("agency_code"))))
        pi = period_index.get_indexer(pd.Index(_texts(wide.column("period"))))
        for metric in group:
            mi = metric_index[metric.code]
            cube.numerator[ai, pi, mi] = wide.column(f"{metric.code}__num").to_numpy().astype(np.int64)
            cube.denominator[ai, pi, mi] = wide.column(f"{metric.code}__den").to_numpy().astype(np.int64)
    _subtract_complaints(cube, sources, chosen)
    cube.set_province_wide(province_wide_counts(sources, chosen))
    return cube


def province_wide_counts(sources: PreparedSources, metrics: Sequence[Metric]) -> dict[str, tuple[int, int]]:
    """Return numerator and denominator of each province-wide metric (one figure over its whole source)."""
    group = [m for m in metrics if m.source in PROVINCE_SOURCES]
    if not group:
        return {}
    aggs: dict[str, Any] = {}
    for metric in group:
        aggs.update(metric.aggregates(sources.get(metric.source)))
    row = sources.get(group[0].source).aggregate(**aggs).to_pyarrow().to_pylist()[0]
    return {m.code: (int(row[f"{m.code}__num"] or 0), int(row[f"{m.code}__den"] or 0)) for m in group}


def _subtract_complaints(cube: CountCube, sources: PreparedSources, metrics: Sequence[Metric]) -> None:
    """Leave out of ``minus_complained`` numerators the dossiers they counted that a petition names."""
    group = [m for m in metrics if m.minus_complained and m.source == "dossiers"]
    if not group or sources.complaints is None:
        return
    d = sources.dossiers
    named = d.semi_join(sources.complaints, d.dossier_id == sources.complaints._complained_id)
    aggs: dict[str, Any] = {}
    for metric in group:
        aggs.update(metric.partial_aggregates(named))
    wide = _execute(named.group_by(list(KEYS)).aggregate(**aggs))
    if wide.num_rows == 0:
        return
    ai = pd.Index(cube.agency_codes).get_indexer(pd.Index(_texts(wide.column("agency_code"))))
    pi = pd.Index(cube.periods).get_indexer(pd.Index(_texts(wide.column("period"))))
    keep = (ai >= 0) & (pi >= 0)
    for metric in group:
        mi = cube.metric_codes.index(metric.code)
        counted = wide.column(f"{metric.code}__num").to_numpy().astype(np.int64)[keep]
        cube.numerator[ai[keep], pi[keep], mi] -= counted
