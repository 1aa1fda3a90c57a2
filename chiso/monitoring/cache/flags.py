"""Per-file procedure flags of the dossier store, kept beside it; monitoring cache layer.

The ``procedures`` source needs, per agency x period x procedure, whether any dossier was online,
paid online, fee-bearing or used population data. Grouping every dossier by procedure is most of a
full computation (~750k groups a month at 100M dossiers a year), yet these flags are pure functions
of the dossier rows: no calendar, no cut-off. Part files of the record store are immutable, hold
disjoint dossiers and one month each, so the flags of a month are the MAX over its files of
per-file flags grouped by agency and procedure (the month is a constant of the file). One small
Parquet file of ``agency_code, month, procedure_code`` and the int8 flags is kept per live dossier
part file under ``records/_derived/procedure_flags/``: the ingest builds those of the files it adds
(`chiso.monitoring.cache.derived.build_month_caches`), a computation builds any missing one (jobs run
in the pool of `chiso.monitoring.cache.jobs`). Imports the compute layer's procedure flags and the
store's manifest; never the runner.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from chiso.monitoring.cache.jobs import PART_VIEW, JobContext, PartJob, run_jobs
from chiso.monitoring.compute.backend import record_schema_table
from chiso.monitoring.compute.procedures import PROCEDURE_FLAGS, procedure_flags
from chiso.monitoring.records.manifest import TRASH_AGE_S, load_manifest, records_dir

DERIVED = Path("_derived") / "procedure_flags"


def _name(part_path: str) -> str:
    return part_path.replace("/", "__")


def flag_target(root: Path, part_path: str) -> Path:
    """Return where the flags of the part file ``part_path`` (relative to the records folder) are kept."""
    return root / DERIVED / _name(part_path)


def flag_jobs(parts: Sequence[tuple[Path, str]], *, root: Path) -> list[PartJob]:
    """Return the jobs that build the missing flags of ``(file to read, path once live)`` pairs."""
    jobs = []
    for source, part_path in parts:
        target = flag_target(root, part_path)
        if target.exists():
            continue
        t = record_schema_table("dossiers", PART_VIEW)
        # a part file holds one month of received_at: its month is a constant, not a group key
        month = date.fromisoformat(part_path.split("month=")[1][:7] + "-01")
        grain = t.group_by("agency_code", "procedure_code").aggregate(**procedure_flags(t))
        grain = grain.select("agency_code", month=ibis.literal(month, type="date"),
                             procedure_code=grain.procedure_code,
                             **{f: grain[f] for f in PROCEDURE_FLAGS})  # fmt: skip
        sql = str(ibis.to_sql(grain, dialect="duckdb"))
        jobs.append(PartJob(source, sql, _schema(grain), target))
    return jobs


def _schema(expr: Any) -> pa.Schema:
    schema: pa.Schema = expr.schema().to_pyarrow()
    return schema


def plan_procedure_flags(
    *, data_dir: Path, months: Iterable[str] | None = None
) -> tuple[list[Path], list[PartJob]]:
    """Return the flag files of the live dossier part files of ``months`` and the jobs of the missing ones."""
    root = records_dir(data_dir)
    parts = load_manifest(data_dir).parts("dossiers", months)
    targets = [flag_target(root, part.path) for part in parts]
    return targets, flag_jobs([(root / part.path, part.path) for part in parts], root=root)


def procedure_flag_files(*, data_dir: Path, months: Iterable[str] | None = None) -> list[Path] | None:
    """Return the flag files of the live dossier part files of ``months``, building missing ones.

    Returns None when they cannot be written (read-only store): callers then group the dossiers.
    """
    targets, jobs = plan_procedure_flags(data_dir=data_dir, months=months)
    try:
        run_jobs(jobs, JobContext())
    except OSError:
        return None
    sweep_flags(records_dir(data_dir))
    return targets


def sweep_flags(root: Path) -> None:
    """Delete flag files whose part file is gone (compacted or replaced and swept).

    Files younger than the store's trash age are kept: an ingest writes the flags of its staged
    part files before its manifest swap moves them into place.
    """
    folder = root / DERIVED
    if not folder.exists():
        return
    oldest = time.time() - TRASH_AGE_S
    for path in folder.glob("*.parquet"):
        if not (root / path.name.replace("__", "/")).exists() and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
