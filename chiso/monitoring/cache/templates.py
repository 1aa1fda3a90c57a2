"""Compiled count-query templates kept beside the store, so a fresh process compiles nothing; cache layer.

`chiso.monitoring.cache.counts` compiles one query template per metric set, catalogue and calendar
(for a sentinel period) and fills in each period's literals. A new process (the CLI, a benchmark
run, a worker) would compile it again: about half a second of CPU. The template of the built-in
metrics is therefore also written under ``records/_derived/templates/``, named by a fingerprint of
everything that shapes the compiled SQL: the source of the monitoring modules that build it, the
ibis and DuckDB versions, the metric codes, the catalogue view and the working-day table's content.
Custom metrics (defined at run time) are never written. Safe to delete at any time.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa

from chiso.monitoring.metrics import Metric, builtin_metrics

FOLDER = Path("_derived") / "templates"
_PACKAGE = Path(__file__).resolve().parents[1]
_SOURCES = ("metrics", "compute", "cache/counts.py", "records/schema.py", "calendar.py", "periods.py")


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """Hash the source of the modules that build the count query (and the library versions)."""
    digest = hashlib.sha256(f"{ibis.__version__}|{duckdb.__version__}".encode())
    for name in _SOURCES:
        path = _PACKAGE / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(_PACKAGE).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


_DIGESTS: dict[int, tuple[pa.Table, str]] = {}


def _table_digest(table: pa.Table) -> str:
    """Hash a table's content (kept per table object: the working-day table is built once per calendar)."""
    cached = _DIGESTS.get(id(table))
    if cached is not None and cached[0] is table:
        return cached[1]
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    digest = hashlib.sha256(sink.getvalue()).hexdigest()
    if len(_DIGESTS) > 8:
        _DIGESTS.clear()
    _DIGESTS[id(table)] = (table, digest)
    return digest


def fingerprint(metrics: Sequence[Metric], catalogue_key: str | None, workdays: pa.Table) -> str | None:
    """Return the name of a metric set's template, or None when a metric is not built in."""
    builtin = {id(m) for m in builtin_metrics()}
    if not metrics or any(id(m) not in builtin for m in metrics):
        return None
    text = "|".join(
        [_code_digest(), _table_digest(workdays), catalogue_key or "", *(m.code for m in metrics)]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load_template(root: Path, name: str) -> tuple[str, pa.Schema, dict[str, pa.Table]] | None:
    """Return the stored template ``name``: SQL, result schema and the in-memory tables it names."""
    path = root / FOLDER / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        schema = pa.ipc.read_schema(pa.py_buffer(bytes.fromhex(data["schema"])))
        tables = {}
        for table in data["tables"]:
            with pa.OSFile(str(root / FOLDER / f"{name}-{table}.arrow")) as source:
                tables[str(table)] = pa.ipc.open_file(source).read_all()
        return str(data["sql"]), schema, tables
    except (OSError, ValueError, KeyError, pa.ArrowInvalid):
        return None


def save_template(root: Path, name: str, sql: str, schema: pa.Schema, tables: dict[str, pa.Table]) -> None:
    """Write a template (its tables first, the JSON last and atomically); an unwritable store keeps none."""
    folder = root / FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for table_name, table in tables.items():
            tmp = folder / f".{name}-{table_name}.tmp"
            with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            tmp.replace(folder / f"{name}-{table_name}.arrow")
        data = {"sql": sql, "schema": schema.serialize().to_pybytes().hex(), "tables": sorted(tables)}
        tmp = folder / f".{name}.tmp"
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(folder / f"{name}.json")
    except OSError:
        return
