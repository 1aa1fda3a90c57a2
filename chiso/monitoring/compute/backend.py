"""The backends and the raw record tables on them: DuckDB in memory (default) or Spark; compute layer.

`connect` opens an Ibis backend; `tables_from_arrow` (in-memory Arrow or pandas tables) and
`tables_from_files` (Parquet files of the record store) put the raw records on it as `RecordTables`,
conformed to the stored schema. Imports ibis and the record schema; never the caches or the store's
writer.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.expr import operations as ops
from ibis.expr import schema as sch
from ibis.formats.pyarrow import PyArrowTableProxy

from chiso.errors import InvalidInput, Problem
from chiso.monitoring.records.schema import arrow_schema, record_type

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")


def connect(
    engine: Engine = "duckdb",
    *,
    spark_master: str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> Any:
    """Open an Ibis backend: DuckDB in memory, or Spark (``local[2]`` unless a master URL is given).

    DuckDB's memory limit is ``memory_limit``, else CHISO_DUCKDB_MEMORY (default 1GB): it spills
    to disk beyond it, which keeps 100M-row runs within ~1.5 GB of process memory.

    Raises:
        InvalidInput: unknown engine, or Spark asked for without the ``chiso[spark]`` extra.
    """
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        # DuckDB's build-side heuristic mis-estimates the attributed dossiers and builds the hash
        # table of the small calendar joins on 100M rows; keep the written side (the calendar).
        con.raw_sql("SET disabled_optimizers = 'build_side_probe_side'")
        con.raw_sql("SET preserve_insertion_order = false")
        limit = memory_limit or os.environ.get("CHISO_DUCKDB_MEMORY", "1GB")
        con.raw_sql(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
        return con
    if engine == "spark":
        try:
            # lazy: pyspark is a heavy optional extra (chiso[spark]); DuckDB runs need none of it
            from pyspark.sql import SparkSession
        except ImportError:
            raise InvalidInput(
                "Chưa cài Spark: pip install 'chiso[spark]'",
                "Spark is not installed: pip install 'chiso[spark]'",
            ) from None
        session = (
            SparkSession.builder.master(spark_master or "local[2]")
            .appName("chiso-monitoring")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "chiso-spark-warehouse"))
            .getOrCreate()
        )
        return ibis.pyspark.connect(session)
    raise InvalidInput(
        f"Không có engine '{engine}'",
        f"Unknown engine '{engine}'",
        [Problem("Dùng duckdb hoặc spark", "Use duckdb or spark", field="engine")],
    )


@dataclass
class RecordTables:
    """The raw record tables on one backend (procedures and petitions may be absent)."""

    con: Any
    dossiers: ir.Table
    petitions: ir.Table | None = None
    procedures: ir.Table | None = None
    procedure_flags: ir.Table | None = None
    """Optional cached per-month procedure flags of the dossiers (see `procedure_flag_files`)."""
    flag_months_of_one_file: frozenset[date] = frozenset()
    """Months whose flags come from one file (one row per agency x procedure): no MAX over files."""


def put_table(con: Any, data: pa.Table | pd.DataFrame, name: str, *, stable: bool = False) -> ir.Table:
    """Put a small in-memory table on the backend (memtable works on DuckDB and Spark).

    ``stable``: name it by a hash of its content, so that compiled SQL names its data (the
    count cache of `chiso.monitoring.cache.counts` keys on the SQL).
    """
    del con
    if not stable:
        return ibis.memtable(data)
    arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow.schema) as writer:
        writer.write_table(arrow)
    digest = hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:24]
    proxy = PyArrowTableProxy(arrow)
    named = ops.InMemoryTable(name=f"chiso_{name}_{digest}", schema=sch.infer(arrow), data=proxy)
    return named.to_expr()


def record_schema_table(kind: str, name: str) -> ir.Table:
    """Return an unbound table ``name`` with the stored schema of ``kind`` (compiled, then run elsewhere)."""
    return ibis.table(ibis.Schema.from_pyarrow(arrow_schema(kind)), name=name)


def conform(table: ir.Table, kind: str) -> ir.Table:
    """Add the optional columns a source did not send (booleans false, ints 0, else null), as stored."""
    rtype = record_type(kind)
    schema = arrow_schema(kind)
    have = set(table.columns)
    missing = {}
    for col in rtype.columns:
        if col.name in have:
            continue
        if col.required:
            raise InvalidInput(
                f"Thiếu cột bắt buộc '{col.name}' trong {kind}",
                f"Required column '{col.name}' missing from {kind}",
                [Problem("Thêm cột này", "Add this column", column=col.name)],
            )
        dtype = ibis.dtype(schema.field(col.name).type)
        missing[col.name] = (
            ibis.literal(col.default, type=dtype) if col.default is not None else ibis.null(dtype)
        )
    return table.mutate(**missing) if missing else table


def empty_records(kind: str) -> pa.Table:
    """Return an empty Arrow table with the stored schema of ``kind``."""
    return arrow_schema(kind).empty_table()


def tables_from_arrow(
    con: Any,
    *,
    dossiers: pa.Table | pd.DataFrame,
    petitions: pa.Table | pd.DataFrame | None = None,
    procedures: pa.Table | pd.DataFrame | None = None,
) -> RecordTables:
    """Wrap in-memory record tables (Arrow or pandas) as backend tables; used by tests and score766."""

    def put(data: pa.Table | pd.DataFrame | None, kind: str) -> ir.Table | None:
        if data is None:
            return None
        return conform(put_table(con, data, kind), kind)

    d = put(dossiers, "dossiers")
    assert d is not None
    return RecordTables(con, d, put(petitions, "petitions"), put(procedures, "procedures"))


def tables_from_files(
    con: Any,
    *,
    dossiers: Sequence[Path],
    petitions: Sequence[Path] = (),
    procedures: Sequence[Path] = (),
    procedure_flags: Sequence[Path] | None = None,
) -> RecordTables:
    """Read Parquet files of the record store into backend tables (no copy on DuckDB).

    ``procedure_flags`` are the cached flag files of the same dossier files
    (`chiso.monitoring.cache.flags.procedure_flag_files`), if any.
    """

    def read(paths: Sequence[Path], kind: str) -> ir.Table | None:
        if not paths:
            return None
        options: dict[str, Any] = {}
        if kind != "dossiers" and getattr(con, "name", "") == "duckdb":
            # files written before an optional column existed lack it: match columns by name
            # (the small tables only; dossier files share one schema)
            options["union_by_name"] = True
        return conform(con.read_parquet([str(p) for p in paths], **options), kind)

    d = read(dossiers, "dossiers")
    if d is None:
        d = conform(put_table(con, empty_records("dossiers"), "dossiers"), "dossiers")
    flags = con.read_parquet([str(p) for p in procedure_flags]) if dossiers and procedure_flags else None
    partitions = Counter(Path(p).parent.name for p in dossiers)  # store partitions: month=YYYY-MM
    single = frozenset(
        date.fromisoformat(f"{name.removeprefix('month=')}-01")
        for name, files in partitions.items()
        if files == 1 and re.fullmatch(r"month=\d{4}-\d{2}", name)
    )
    return RecordTables(con, d, read(petitions, "petitions"), read(procedures, "procedures"), flags,
                        flag_months_of_one_file=single)  # fmt: skip
