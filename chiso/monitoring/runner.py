"""Compute the metrics of periods from the Parquet record store; the monitoring room's runner.

Monitoring layer, above compute and cache: lists the store's live files of the months a period
touches (`records.store.record_files`), reads or builds their derived results
(`cache.derived.derived_results`) and computes with `compute.values.compute_metrics`. Imports
nothing from chiso.store, web or cli.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chiso.monitoring.cache.derived import derived_results
from chiso.monitoring.compute.backend import Engine, connect, tables_from_files
from chiso.monitoring.compute.values import VALUE_COLUMNS, compute_metrics
from chiso.monitoring.metrics import Metric, builtin_metrics
from chiso.monitoring.periods import Period, PeriodKind, bucket_of, parse_period, split_period
from chiso.monitoring.records.store import record_files


def compute_from_store(
    period: str | Period,
    *,
    data_dir: Path,
    engine: Engine = "duckdb",
    by: PeriodKind | None = None,
    metrics: Sequence[Metric] | None = None,
    agencies: pd.DataFrame | None = None,
    only_agencies: Collection[str] | None = None,
    as_of: datetime | None = None,
    spark_master: str | None = None,
    con: Any = None,
) -> pd.DataFrame:
    """Compute the metrics of a period, split ``by`` week, month, ..., from the record store.

    The one way to compute from the store under ``data_dir``: only the month partitions
    overlapping the period are read, with their derived results (built first where missing,
    see `cache.derived`).

    Args:
        period: a period label (see `parse_period`) or a `Period`.
        only_agencies: compute these agencies' records only (an ingest's affected agencies);
            each gets a row, and no parent is rolled up unless ``agencies`` is given too.
        Others: see `compute.values.compute_metrics`.
    """
    whole = parse_period(period) if isinstance(period, str) else period
    periods = split_period(whole, by)
    months = sorted({bucket_of(part.start, "month").label for part in split_period(whole, "month")})
    con = con if con is not None else connect(engine, spark_master=spark_master)
    chosen = list(metrics) if metrics is not None else builtin_metrics()
    dossier_files = record_files("dossiers", data_dir=data_dir, months=months)
    procedure_files = record_files("procedures", data_dir=data_dir)
    flag_files, counts = derived_results(
        con, data_dir, months, dossier_files, procedure_files, periods, chosen, as_of
    )
    records = tables_from_files(
        con,
        dossiers=dossier_files,
        petitions=record_files("petitions", data_dir=data_dir, months=months),
        procedures=procedure_files,
        procedure_flags=flag_files,
    )
    return compute_metrics(records, periods, metrics=chosen, agencies=agencies, only_agencies=only_agencies,
                           as_of=as_of, data_dir=data_dir, dossier_counts=counts)  # fmt: skip


def recompute_affected(
    affected: Iterable[tuple[str | None, str]],
    *,
    data_dir: Path,
    metrics: Sequence[Metric] | None = None,
    as_of: datetime | None = None,
    con: Any = None,
) -> pd.DataFrame:
    """Recompute the metrics of the agency-months an ingest touched (``IngestReport.affected``).

    Each affected month is computed from the store for its affected agencies only
    (`compute_from_store` with ``only_agencies``; no roll-up: callers re-add the parents from
    their cached leaf counts). Returns the long value table of those rows.
    """
    by_month: dict[str, set[str]] = {}
    for agency, month in affected:
        if agency and month and month != "all":
            by_month.setdefault(month, set()).add(agency)
    con = con if con is not None else connect("duckdb")
    frames = [
        compute_from_store(
            month, data_dir=data_dir, metrics=metrics, only_agencies=agencies, as_of=as_of, con=con
        )
        for month, agencies in sorted(by_month.items())
    ]
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    return pd.concat(frames, ignore_index=True)
