"""Per-file dossier counts of the record store, kept beside it; monitoring layer, no web/, cli/ or store/.

Every dossier metric is a sum over dossier rows, and the live part files of the store are immutable
and hold disjoint dossiers, so a month's counts are the sums over its files of per-file counts
(numerators clamped at 0 only after adding up). This module computes the dossier metrics of one
part file at a time with the very Ibis query of a full computation (a view swapped per file), and
keeps each result under ``records/_derived/dossier_counts/`` named by a hash of the compiled SQL
and the file: the SQL names every input (the file, the catalogue files, the period table with its
cut-offs and the working-day calendar by content hash, every metric definition), so any change
of inputs misses the cache and recomputes. After an ingest only the new part files are computed.

Used only on DuckDB and only without an ``as_of`` cut-off (the live page's cut-off moves).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from chiso.monitoring.metrics import KEYS, Metric
from chiso.monitoring.periods import Period

DERIVED = Path("_derived") / "dossier_counts"
VERSION = "1"
_VIEW = "chiso_dossier_part"


def _view(con: Any, name: str, paths: Sequence[Path]) -> None:
    files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet([{files}])")


def cached_dossier_counts(
    con: Any,
    *,
    data_dir: Path,
    dossier_files: Sequence[Path],
    procedure_files: Sequence[Path],
    periods: Sequence[Period],
    metrics: Sequence[Metric],
) -> pa.Table | None:
    """Return agency_code, period and ``<code>__num``/``<code>__den`` of the dossier ``metrics``.

    Counts are added up over ``dossier_files`` (part files of the store, each computed once and
    cached) and numerators clamped where the metric says so. Returns None when there is nothing
    to count or the cache cannot be written (callers then compute directly).
    """
    from chiso.monitoring import runner
    from chiso.monitoring.store import records_dir

    if not dossier_files or not metrics:
        return None
    root = records_dir(data_dir)
    view = f"{_VIEW}_{uuid.uuid4().hex[:12]}"  # one per call: a shared connection cannot mix files
    _view(con, view, dossier_files[:1])
    catalogue = None
    if procedure_files:
        # named by the catalogue's part files relative to the store: the same whatever the data dir's spelling
        names = "|".join(Path(f).resolve().relative_to(root.resolve()).as_posix() for f in procedure_files)
        digest = hashlib.sha256(names.encode()).hexdigest()
        name = f"chiso_catalogue_{digest[:16]}"
        _view(con, name, procedure_files)
        catalogue = runner.conform(con.table(name), "procedures")
    dossiers = runner.conform(con.table(view), "dossiers")

    def query(chosen: Sequence[Period]) -> tuple[ir.Table, str]:
        records = runner.RecordTables(con, dossiers, None, catalogue)
        sources = runner.prepare_sources(records, chosen, data_dir=data_dir)
        aggs: dict[str, Any] = {}
        for metric in metrics:
            aggs.update(metric.partial_aggregates(sources.dossiers))
        expr = sources.dossiers.group_by(list(KEYS)).aggregate(**aggs)
        sql = str(ibis.to_sql(expr, dialect="duckdb")).replace(view, _VIEW)
        return expr, hashlib.sha256((VERSION + sql).encode()).hexdigest()[:32]

    # A part file holds the dossiers received in its month: its query names only the periods that
    # overlap that month, so the same file gets the same entry from a year's run and a month's.
    queries: dict[tuple[Period, ...], tuple[ir.Table, str]] = {}
    folder = root / DERIVED
    parts: list[pa.Table] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in dossier_files:
            chosen = tuple(_overlapping(periods, Path(path).parent.name))
            if not chosen:
                continue
            if chosen not in queries:
                queries[chosen] = query(chosen)
            expr, key = queries[chosen]
            part = Path(path).resolve().relative_to(root.resolve()).as_posix().replace("/", "__")
            target = folder / part / f"{key}.parquet"
            if target.exists():
                parts.append(pq.read_table(target))
                continue
            _view(con, view, [path])
            table: pa.Table = expr.to_pyarrow()
            target.parent.mkdir(exist_ok=True)
            tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex}.tmp")
            pq.write_table(table, tmp)
            os.replace(tmp, target)
            parts.append(table)
    except OSError:
        return None
    finally:
        con.raw_sql(f"DROP VIEW IF EXISTS {view}")
    if not parts:
        return None
    for stale in folder.iterdir():  # counts of part files compacted away or replaced
        if not (root / stale.name.replace("__", "/")).exists():
            for f in stale.glob("*"):
                f.unlink(missing_ok=True)
            stale.rmdir()
    return _add_up(parts, metrics)


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
