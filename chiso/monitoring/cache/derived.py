"""Build and read the per-part-file derived results of the record store; monitoring cache layer.

`derived_results` is what a computation from the store reads (building any missing result first:
procedure flags of `cache.flags` and dossier counts of `cache.counts`, in one pool of jobs of
`cache.jobs`); `build_month_caches` is what an ingest builds for the files it adds, before its
manifest swap. Imports the compute sources (through the two caches) and the store's manifest; never
the runner or the ingest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from chiso.monitoring.cache.counts import plan_dossier_counts, read_dossier_counts
from chiso.monitoring.cache.flags import flag_jobs, plan_procedure_flags, sweep_flags
from chiso.monitoring.cache.jobs import JobContext, PartJob, run_jobs
from chiso.monitoring.metrics import Metric, builtin_metrics
from chiso.monitoring.periods import Period, parse_period
from chiso.monitoring.records.manifest import records_dir

__all__ = ["JobContext", "PartJob", "build_month_caches", "derived_results", "run_jobs"]


def derived_results(
    con: Any,
    data_dir: Path,
    months: Sequence[str],
    dossier_files: Sequence[Path],
    procedure_files: Sequence[Path],
    periods: Sequence[Period],
    metrics: Sequence[Metric],
    as_of: datetime | None,
) -> tuple[list[Path] | None, pa.Table | None]:
    """Return the procedure flag files and the added-up dossier counts of a computation from the store.

    Builds the missing ones first, both kinds in one pool of jobs. Counts only on DuckDB with
    fixed cut-offs (else None: computed directly); (None, None) when the store cannot be written.
    """
    flag_files, jobs = plan_procedure_flags(data_dir=data_dir, months=months)
    plan = None
    if as_of is None and isinstance(con, ibis.backends.duckdb.Backend):
        dossier_metrics = [m for m in metrics if m.source == "dossiers"]
        plan = plan_dossier_counts(
            data_dir=data_dir, dossier_files=dossier_files, procedure_files=procedure_files,
            periods=periods, metrics=dossier_metrics,
        )  # fmt: skip
        jobs = [*jobs, *plan.jobs]
    try:
        run_jobs(jobs, plan.context if plan is not None else JobContext())
    except OSError:
        return None, None
    sweep_flags(records_dir(data_dir))
    if plan is None:
        return flag_files, None
    return flag_files, read_dossier_counts(plan, data_dir=data_dir, metrics=dossier_metrics)


def build_month_caches(
    *, data_dir: Path, parts: Sequence[tuple[Path, str]], catalogue: Sequence[tuple[Path, str]]
) -> None:
    """Build the procedure flags and the month's dossier counts (built-in metrics) of dossier part files.

    What an ingest calls before its manifest swap, so that a maintained store is always ready:
    the next computation by month (or an affected month's recompute) reads the new files' results.

    Args:
        data_dir: the chiso data dir (its calendar overrides apply).
        parts / catalogue: (file to read, path relative to the records folder once live) of the
            dossier part files to build for, and of every catalogue part file live after the swap.

    Raises:
        OSError: a result could not be written.
    """
    if not parts:
        return
    months = sorted({name.split("month=")[1][:7] for _, name in parts})
    plan = plan_dossier_counts(
        data_dir=data_dir,
        dossier_files=[source for source, _ in parts],
        procedure_files=[source for source, _ in catalogue],
        periods=[parse_period(month) for month in months],
        metrics=[m for m in builtin_metrics() if m.source == "dossiers"],
        part_names=[name for _, name in parts],
        catalogue_names=[name for _, name in catalogue],
    )
    run_jobs([*flag_jobs(parts, root=records_dir(data_dir)), *plan.jobs], plan.context)
