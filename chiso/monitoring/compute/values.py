"""Compute metric values from record tables: counts, roll-up, zero policies; the from-tables entry point.

`compute_metrics` runs every metric over `RecordTables` (`compute.backend.tables_from_arrow` for
in-memory tables, `tables_from_files` for Parquet files) for a set of periods; the record store's
entry point, `chiso.monitoring.runner.compute_from_store`, reads the store and its derived caches
and calls it. Monitoring compute layer: never imports the caches or the runner.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chiso.monitoring.compute.backend import RecordTables, put_table
from chiso.monitoring.compute.counts import COUNT_COLUMNS, CountCube, compute_counts
from chiso.monitoring.compute.rollup import ancestry, roll_up_cube
from chiso.monitoring.compute.sources import prepare_sources
from chiso.monitoring.metrics import Metric, builtin_metrics
from chiso.monitoring.metrics.base import PROVINCE_SOURCES
from chiso.monitoring.periods import Period

VALUE_COLUMNS = [*COUNT_COLUMNS, "value"]


def cube_values(cube: CountCube, metrics: Sequence[Metric]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Return numerator / denominator, or each metric's zero policy where the denominator is 0.

    A metric with ``times_rate_of`` is multiplied by that metric's value (null stays null).
    """
    policy = {m.code: {"zero": 0.0, "full": 1.0, "null": np.nan}[m.zero_policy] for m in metrics}
    zero_value = np.array([policy[c] for c in cube.metric_codes], dtype=np.float64)
    num = cube.numerator.astype(np.float64)
    den = cube.denominator.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = num / np.where(den > 0, den, 1.0)
    values = np.where(den > 0, rate, np.broadcast_to(zero_value, den.shape))
    for metric in metrics:
        if metric.times_rate_of and metric.times_rate_of in cube.metric_codes:
            mi = cube.metric_codes.index(metric.code)
            values[..., mi] *= values[..., cube.metric_codes.index(metric.times_rate_of)]
    return values


def compute_metrics(
    records: RecordTables,
    periods: Sequence[Period],
    *,
    metrics: Sequence[Metric] | None = None,
    agencies: pd.DataFrame | None = None,
    only_agencies: Collection[str] | None = None,
    as_of: datetime | None = None,
    rollup: bool = True,
    data_dir: Path | None = None,
    dossier_counts: pa.Table | None = None,
) -> pd.DataFrame:
    """Compute every metric per agency and period: counts, roll-up to parents, values.

    Args:
        records: raw record tables on one backend (see `tables_from_files`, `tables_from_arrow`).
        periods: disjoint periods (see `parse_period`, `split_period`).
        metrics: the metrics to run (default: every built-in 766 metric).
        agencies: optional table with ``agency_code`` and ``parent_code`` (and any other columns):
            every listed agency gets a row even without records, and parents get rolled-up rows.
        only_agencies: compute these agencies' records only (each gets a row); the other agencies'
            records and ``dossier_counts`` rows are left out.
        as_of: cut-off for still-open records when earlier than the period end.
        rollup: add parents' rolled-up counts (when ``agencies`` has ``parent_code``).
        data_dir: where the province's holiday overrides live (default: CHISO_DATA_DIR).
        dossier_counts: the dossier metrics' counts already added up (see `compute_counts`).

    Returns:
        One row per agency x period x metric: agency_code, period, indicator_code, numerator,
        denominator, value; sorted by agency, period and the metric order.
    """
    chosen = list(metrics) if metrics is not None else builtin_metrics()
    sources = prepare_sources(records, periods, as_of=as_of, data_dir=data_dir, only_agencies=only_agencies)
    listed: list[str] = []
    if agencies is not None:
        listed = list(agencies["agency_code"].astype(str))
    if only_agencies is not None:
        listed.extend(only_agencies)
        if dossier_counts is not None:  # counts of every agency of the files: keep the chosen ones
            chosen_codes = pa.array(sorted(only_agencies), pa.string())
            keep = pc.is_in(dossier_counts.column("agency_code"), value_set=chosen_codes)
            dossier_counts = dossier_counts.filter(keep)
    tree = rollup and agencies is not None and "parent_code" in agencies
    if tree:
        # procedure counts at a parent are the distinct procedures of its subtree, not sums
        assert agencies is not None
        sources.ancestry = put_table(sources.con, ancestry(agencies), "ancestry")
    cube = compute_counts(
        sources, chosen, periods=periods, agency_codes=listed, dossier_counts=dossier_counts
    )
    if tree:
        assert agencies is not None
        summed = [m for m in chosen if m.source not in ("procedures", *PROVINCE_SOURCES)]
        cube = roll_up_cube(cube, agencies, metric_codes=[m.code for m in summed])
    frame = cube.to_frame()
    frame["value"] = cube_values(cube, chosen).reshape(-1)
    return frame[VALUE_COLUMNS]
