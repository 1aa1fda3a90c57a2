"""Run per-part-file queries in a pool of single-threaded DuckDB workers; monitoring cache layer.

The caches of `chiso.monitoring.cache.flags` (procedure flags) and `chiso.monitoring.cache.counts`
(dossier counts) are each one query per dossier part file. A first computation over 100M dossiers
runs 24 such queries: one DuckDB query on two threads kept the cores ~85% busy and spent a third
more CPU than two single-threaded queries side by side, so the jobs are compiled once to SQL and
`run_jobs` runs them on one worker per core, each with its own single-threaded connection, and
writes each result atomically (temporary file, then ``os.replace``) so a reader never sees half a
file. Imports duckdb and pyarrow only.
"""

from __future__ import annotations

import os
import queue
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

PART_VIEW = "chiso_dossier_part"
"""The view every job's SQL reads: one dossier part file, set per job."""
WORKERS = os.cpu_count() or 1
"""Workers of `run_jobs`: one per core, as long as each keeps 256 MB of the DuckDB memory budget."""
_MIN_WORKER_MB = 256


def parquet_view_sql(name: str, paths: Sequence[Path]) -> str:
    """Return the statement making ``name`` a view of Parquet files (no hive columns: one schema)."""
    files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    source = f"read_parquet([{files}], hive_partitioning = false)"
    return f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {source}"


@dataclass(frozen=True)
class PartJob:
    """One derived result to build: run ``sql`` over the part file ``source`` and write it to ``target``."""

    source: Path
    sql: str
    schema: pa.Schema
    target: Path


@dataclass
class JobContext:
    """What every job's SQL may name besides the part view: in-memory tables and Parquet views."""

    tables: dict[str, pa.Table] = field(default_factory=dict)
    views: dict[str, list[Path]] = field(default_factory=dict)


def _worker_connection(context: JobContext, memory_limit: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute("SET preserve_insertion_order = false")
    # as in compute.backend.connect: keep the small calendar tables as the hash-join build side
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    con.execute(f"SET memory_limit = '{memory_limit.replace(chr(39), '')}'")
    for name, table in context.tables.items():
        con.register(name, table)
    for name, paths in context.views.items():
        con.execute(parquet_view_sql(name, paths))
    return con


def _write(table: pa.Table, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, target)


def run_jobs(jobs: Sequence[PartJob], context: JobContext, *, workers: int = WORKERS) -> None:
    """Build every job's result, ``workers`` at a time, each worker on its own single-threaded connection.

    Raises:
        OSError: a result could not be written (read-only store); the other jobs may have run.
    """
    if not jobs:
        return
    limit = os.environ.get("CHISO_DUCKDB_MEMORY", "1GB")
    # the memory limit is per connection: share the process's budget between the workers
    budget = _megabytes(limit)
    workers = max(1, min(workers, len(jobs), budget // _MIN_WORKER_MB))
    share = f"{max(_MIN_WORKER_MB, budget // workers)}MB"
    todo: queue.SimpleQueue[PartJob] = queue.SimpleQueue()
    for job in jobs:
        todo.put(job)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            con = _worker_connection(context, share)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            failures.append(exc)
            return
        try:
            while not failures:
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                con.execute(parquet_view_sql(PART_VIEW, [job.source]))
                table = con.sql(job.sql).to_arrow_table()
                _write(table.select(job.schema.names).cast(job.schema), job.target)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            failures.append(exc)
        finally:
            con.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]


def _megabytes(limit: str) -> int:
    text = limit.strip().upper().removesuffix("B").replace("I", "")
    units: Mapping[str, int] = {"K": 1, "M": 1024, "G": 1024**2, "T": 1024**3}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]]) // 1024
    return int(float(text or "0")) // (1024 * 1024)
