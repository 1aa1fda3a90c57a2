"""Per-file dossier counts of the record store, kept beside it; monitoring cache layer.

Every dossier metric is a sum over dossier rows, and the live part files of the store are immutable
and hold disjoint dossiers, so a month's counts are the sums over its files of per-file counts
(numerators clamped at 0 only after adding up). `plan_dossier_counts` compiles, per part file, the
very Ibis query of a full computation over an unbound table of the stored schema, and names the
result under ``records/_derived/dossier_counts/<part file>/`` by a hash of the compiled SQL: the
SQL names every input (the catalogue files, the periods with their cut-offs and the working-day
calendar by content hash, every metric definition), so any change of inputs misses the cache and
recomputes. The missing ones run in the pool of `chiso.monitoring.cache.jobs`; the ingest builds the
month entries of the files it adds before its manifest swap (`derived.build_month_caches`), so a
maintained store computes only from these. `sweep_dossier_counts` keeps the most recently used
entries of each live file and drops those of files gone from the store.

Used only on DuckDB and only without an ``as_of`` cut-off (the live page's cut-off moves). Imports the
compute sources (`compute.sources.prepare_sources`) and the store's manifest; never the runner.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.expr import operations as ops

from chiso.monitoring.cache.jobs import PART_VIEW, JobContext, PartJob
from chiso.monitoring.cache.templates import fingerprint, load_template, save_template
from chiso.monitoring.compute.backend import RecordTables, record_schema_table
from chiso.monitoring.compute.days import workday_table
from chiso.monitoring.compute.sources import prepare_sources
from chiso.monitoring.metrics import KEYS, Metric
from chiso.monitoring.periods import Period
from chiso.monitoring.records.manifest import TRASH_AGE_S, records_dir

DERIVED = Path("_derived") / "dossier_counts"
VERSION = "2"
KEEP_ENTRIES = 4
"""Entries kept per part file (the most recently used): older ones are of an earlier calendar,
catalogue or metric set, and one file has a few live ones at most (month, quarter, year queries)."""


TEMPLATE_PERIOD = Period("chiso-template-period", "range", date(1901, 2, 1), date(1901, 3, 1))
"""A period no record falls in: its literals in a compiled query are replaced by a real period's."""
_TEMPLATES: dict[tuple[Any, ...], tuple[str, pa.Schema, dict[str, pa.Table], pa.Table]] = {}


@functools.lru_cache(maxsize=4096)
def _literal_sql(value: Any) -> str:
    """Return how DuckDB SQL compiled by ibis spells a literal (e.g. MAKE_TIMESTAMP(...))."""
    sql = str(ibis.to_sql(ibis.literal(value).name("chiso_x"), dialect="duckdb"))
    return sql.split("SELECT", 1)[1].rsplit("AS", 1)[0].strip()


def fill_template(sql: str, period: Period) -> str | None:
    """Put a period's label, bounds and cut-off in place of `TEMPLATE_PERIOD`'s in a compiled query.

    Returns None when a sentinel is not found as expected (the caller compiles directly).
    """
    pairs = [
        (_literal_sql(TEMPLATE_PERIOD.label), _literal_sql(period.label)),
        (_literal_sql(TEMPLATE_PERIOD.cutoff), _literal_sql(period.cutoff)),
        (_literal_sql(_midnight(TEMPLATE_PERIOD.start)), _literal_sql(_midnight(period.start))),
        (_literal_sql(_midnight(TEMPLATE_PERIOD.end)), _literal_sql(_midnight(period.end))),
    ]
    for sentinel, real in pairs:
        if sentinel not in sql:
            return None
        sql = sql.replace(sentinel, real)
    return sql


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


@dataclass
class CountPlan:
    """Where each dossier file's counts are cached and the jobs that build the missing ones."""

    entries: list[Path]
    jobs: list[PartJob]
    context: JobContext


def _relative(path: Path, root: Path) -> str:
    return Path(path).resolve().relative_to(root.resolve()).as_posix()


def plan_dossier_counts(
    *,
    data_dir: Path,
    dossier_files: Sequence[Path],
    procedure_files: Sequence[Path],
    periods: Sequence[Period],
    metrics: Sequence[Metric],
    part_names: Sequence[str] | None = None,
    catalogue_names: Sequence[str] | None = None,
) -> CountPlan:
    """Name the cache entry of every dossier file and compile the query of the missing ones.

    Args:
        dossier_files / procedure_files: the Parquet files to read (live, or staged by an ingest).
        part_names / catalogue_names: their paths relative to the records folder once live
            (default: the files' own paths under the store); entries are named by these.
    """
    root = records_dir(data_dir)
    names = list(part_names) if part_names is not None else [_relative(f, root) for f in dossier_files]
    plan = CountPlan([], [], JobContext())
    if not dossier_files or not metrics:
        return plan
    catalogue = None
    catalogue_key: str | None = None
    if procedure_files:
        # named by the catalogue's part files relative to the store: the same whatever the data dir's spelling
        cat_names = catalogue_names
        if cat_names is None:
            cat_names = [_relative(f, root) for f in procedure_files]
        digest = hashlib.sha256("|".join(cat_names).encode()).hexdigest()
        name = f"chiso_catalogue_{digest[:16]}"
        plan.context.views[name] = list(procedure_files)
        catalogue_key = name
        catalogue = record_schema_table("procedures", name)
    dossiers = record_schema_table("dossiers", PART_VIEW)

    def query(chosen: Sequence[Period]) -> tuple[str, pa.Schema, str]:
        records = RecordTables(None, dossiers, None, catalogue)
        sources = prepare_sources(records, chosen, data_dir=data_dir)
        aggs: dict[str, Any] = {}
        for metric in metrics:
            aggs.update(metric.partial_aggregates(sources.dossiers))
        expr = sources.dossiers.group_by(list(KEYS)).aggregate(**aggs)
        sql = str(ibis.to_sql(expr, dialect="duckdb"))
        for table in expr.op().find(ops.InMemoryTable):
            plan.context.tables[table.name] = table.data.to_pyarrow(table.schema)
        key = hashlib.sha256((VERSION + sql).encode()).hexdigest()[:32]
        return sql, expr.schema().to_pyarrow(), key

    def one_period(period: Period) -> tuple[str, pa.Schema, str]:
        # The queries of single periods differ only in four literals: compile once per metric set,
        # catalogue and calendar (kept for the process and, for the built-in metrics, beside the
        # store: `cache.templates`) and put each period's literals in.
        key = (tuple(metrics), catalogue_key, id(workdays), str(data_dir))
        template = _TEMPLATES.get(key)
        if template is None:
            name = fingerprint(metrics, catalogue_key, workdays)
            stored = load_template(root, name) if name else None
            if stored is not None:
                template = (*stored, workdays)
            else:
                template = (*query((TEMPLATE_PERIOD,))[:2], dict(plan.context.tables), workdays)
                if name:
                    save_template(root, name, *template[:3])
            if len(_TEMPLATES) >= 16:
                _TEMPLATES.pop(next(iter(_TEMPLATES)))
            _TEMPLATES[key] = template
        sql_text, schema, tables, _ = template
        plan.context.tables.update(tables)
        sql = fill_template(sql_text, period)
        if sql is None:  # a sentinel did not render as expected: compile this period directly
            return query((period,))
        return sql, schema, hashlib.sha256((VERSION + sql).encode()).hexdigest()[:32]

    workdays = workday_table(data_dir)
    # A part file holds the dossiers received in its month: its query names only the periods that
    # overlap that month, so the same file gets the same entry from a year's run and a month's.
    queries: dict[tuple[Period, ...], tuple[str, pa.Schema, str]] = {}
    folder = root / DERIVED
    for path, name in zip(dossier_files, names, strict=True):
        chosen = tuple(_overlapping(periods, Path(name).parent.name))
        if not chosen:
            continue
        if chosen not in queries:
            queries[chosen] = one_period(chosen[0]) if len(chosen) == 1 else query(chosen)
        sql, schema, key = queries[chosen]
        target = folder / name.replace("/", "__") / f"{key}.parquet"
        plan.entries.append(target)
        if not target.exists():
            plan.jobs.append(PartJob(Path(path), sql, schema, target))
    return plan


def read_dossier_counts(plan: CountPlan, *, data_dir: Path, metrics: Sequence[Metric]) -> pa.Table | None:
    """Add up the cached counts of a plan whose jobs have run (None when it names no entry)."""
    if not plan.entries:
        return None
    parts = []
    for target in plan.entries:
        parts.append(pq.read_table(target))
        os.utime(target)  # most recently used: kept by `sweep_dossier_counts`
    sweep_dossier_counts(records_dir(data_dir))
    return _add_up(parts, metrics)


def sweep_dossier_counts(root: Path) -> None:
    """Delete the counts of part files that are gone and all but the most recently used entries of live ones.

    A part file missing for less than the store's trash age may be staged by an ingest that
    writes its counts before the manifest swap: its entries are kept until then.
    """
    folder = root / DERIVED
    if not folder.exists():
        return
    oldest = time.time() - TRASH_AGE_S
    for entry in folder.iterdir():
        files = sorted(entry.glob("*.parquet"), key=lambda f: f.stat().st_mtime, reverse=True)
        if (root / entry.name.replace("__", "/")).exists():
            for f in files[KEEP_ENTRIES:]:
                f.unlink(missing_ok=True)
        elif entry.stat().st_mtime < oldest and all(f.stat().st_mtime < oldest for f in files):
            shutil.rmtree(entry, ignore_errors=True)


def _overlapping(periods: Sequence[Period], partition: str) -> list[Period]:
    """Return the periods overlapping the month of a partition folder ``month=YYYY-MM`` (all if unknown)."""
    try:
        first = date.fromisoformat(partition.removeprefix("month=") + "-01")
    except ValueError:
        return list(periods)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return [p for p in periods if p.start < after and p.end > first]


def _add_up(parts: list[pa.Table], metrics: Sequence[Metric]) -> pa.Table:
    columns = [c for m in metrics for c in (f"{m.code}__num", f"{m.code}__den")]
    table = pa.concat_tables([p.select([*KEYS, *columns]) for p in parts])
    summed = table.group_by(list(KEYS)).aggregate([(c, "sum") for c in columns])
    out: dict[str, Any] = {k: summed.column(k) for k in KEYS}
    clamp = {f"{m.code}__num" for m in metrics if m.clamp_at_zero}
    for c in columns:
        values = summed.column(f"{c}_sum").to_numpy().astype(np.int64)
        out[c] = np.maximum(values, 0) if c in clamp else values
    return pa.table(out)
