"""Compute the metrics of periods from the Parquet record store; the monitoring room's runner.

Monitoring layer, above compute and cache: lists the store's live files of the months a period
touches (`records.store.record_files`), reads or builds their derived results
(`cache.derived.derived_results`) and computes with `compute.values.compute_metrics`. Imports
nothing from chiso.store, web or cli.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chiso.monitoring.cache.derived import derived_results
from chiso.monitoring.compute.backend import Engine, connect, tables_from_files
from chiso.monitoring.compute.counts import compute_counts
from chiso.monitoring.compute.sources import prepare_sources
from chiso.monitoring.compute.values import VALUE_COLUMNS, compute_metrics, cube_values
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
    as_of: datetime | None = None,
    spark_master: str | None = None,
    con: Any = None,
) -> pd.DataFrame:
    """Compute the metrics for a period from the Parquet record store under ``data_dir``.

    Only the month partitions overlapping the period are read. See `compute_metrics`.
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
    return compute_metrics(records, periods, metrics=chosen, agencies=agencies, as_of=as_of,
                           data_dir=data_dir, dossier_counts=counts)  # fmt: skip


def recompute_affected(
    affected: Iterable[tuple[str | None, str]],
    *,
    data_dir: Path,
    metrics: Sequence[Metric] | None = None,
    as_of: datetime | None = None,
    con: Any = None,
) -> pd.DataFrame:
    """Recompute the metrics of the agency-months an ingest touched (``IngestReport.affected``).

    Each affected month is computed for its affected agencies only (no roll-up: callers re-add
    the parents from their cached leaf counts). Returns the long value table of those rows.
    """
    by_month: dict[str, set[str]] = {}
    for agency, month in affected:
        if agency and month and month != "all":
            by_month.setdefault(month, set()).add(agency)
    con = con if con is not None else connect("duckdb")
    frames = []
    for month, agencies in sorted(by_month.items()):
        period = parse_period(month)
        dossier_files = record_files("dossiers", data_dir=data_dir, months=[month])
        procedure_files = record_files("procedures", data_dir=data_dir)
        chosen = list(metrics) if metrics is not None else builtin_metrics()
        flag_files, counts = derived_results(
            con, data_dir, [month], dossier_files, procedure_files, [period], chosen, as_of
        )
        records = tables_from_files(
            con,
            dossiers=dossier_files,
            petitions=record_files("petitions", data_dir=data_dir, months=[month]),
            procedures=procedure_files,
            procedure_flags=flag_files,
        )
        if counts is not None:  # the cache holds every agency of the month: keep the affected ones
            keep = pa.array(sorted(agencies), pa.string())
            counts = counts.filter(pc.is_in(counts.column("agency_code"), value_set=keep))
        sources = prepare_sources(records, [period], as_of=as_of, data_dir=data_dir, only_agencies=agencies)
        cube = compute_counts(sources, chosen, periods=[period], agency_codes=agencies, dossier_counts=counts)
        frame = cube.to_frame()
        frame["value"] = cube_values(cube, chosen).reshape(-1)
        frames.append(frame[VALUE_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    return pd.concat(frames, ignore_index=True)
