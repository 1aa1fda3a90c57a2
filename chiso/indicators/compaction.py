"""Writing the columnar cube: fold the SQL values into its files, load bulk values, swap atomically.

Indicators room; imports chiso.store, chiso.clock, chiso.faults and the columnar layout. One writer at
a time (a lock file in the folder). Every write builds a new generation folder: the files of the
indicators that changed are rewritten (sorted by period, then unit), the others hard-linked from the
current generation; roll-ups are recomputed only for what changed; then the manifest is swapped. A
crash before the swap leaves the old manifest and its files, so readers never see half a write; the
next writer sweeps the unfinished folder. The generation before the current one is kept, so a reader
that opened the old manifest a moment ago can finish its query.

Priority when the same indicator x unit x period is in several places: a value entered in SQL wins
over a bulk value; a newer bulk load wins over an older one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock, faults
from chiso.indicators.columnar import (
    MANIFEST,
    ROW_GROUP_ROWS,
    SUMMARY_ROW_GROUP_ROWS,
    Manifest,
    _sql_list,
    connection,
    fsync_path,
    read_manifest,
    sql_text,
    write_manifest,
)
from chiso.indicators.rollup import Rule, load_rules
from chiso.store.models.indicators import IndicatorValue

WATERMARK_MARGIN = timedelta(minutes=10)
"""The watermark is the compaction's start minus this margin: a transaction that read before the
compaction and committed after it is still overlaid (re-reading a compacted row is harmless)."""

_SAFE = re.compile(r"^[A-Za-z0-9_.-]{1,60}$")
_ARROW = pa.schema([("period", pa.string()), ("unit_code", pa.string()), ("value", pa.float64())])


@dataclass(frozen=True)
class CompactionReport:
    """What a compaction or a bulk load did."""

    generation: str
    rewritten: int  # indicators whose file was rewritten
    kept: int  # indicators whose file was linked unchanged
    rows: int  # values in the cube after the write
    changed: bool  # False: nothing new, the manifest only moved its watermark


def file_name(code: str) -> str:
    """Return the Parquet file name of an indicator (its code, or a hash when the code is unsafe)."""
    if _SAFE.match(code) and not code.startswith("."):
        return f"{code}.parquet"
    return "h" + hashlib.sha256(code.encode()).hexdigest()[:20] + ".parquet"


@contextmanager
def _writer_lock(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".writer.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _new_generation(folder: Path) -> str:
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    name = f"g-{stamp}-{os.getpid()}"
    (folder / name).mkdir()
    return name


def _link(source: Path, target: Path) -> None:
    """Share an unchanged file with the new generation (a hard link; a copy where links are refused)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _sweep(folder: Path, keep: set[str]) -> None:
    """Remove generation folders neither current nor kept for readers (unfinished ones included)."""
    for child in folder.iterdir():
        if child.is_dir() and child.name.startswith("g-") and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def _copy(
    select_sql: str, path: Path, params: Mapping[str, object] | None = None, group_rows: int = ROW_GROUP_ROWS
) -> int:
    con = connection()
    con.execute(
        f"COPY ({select_sql}) TO {sql_text(path)} "
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {group_rows})",
        dict(params or {}),
    ).fetchall()
    return int(con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchall()[0][0])


def _absent_from(rows: str, condition: str = "true") -> str:
    """SQL: the outer row `o`'s key is not among `rows` (those meeting `condition`)."""
    same = "k.period = o.period AND k.unit_code = o.unit_code"
    return f"NOT EXISTS (SELECT 1 FROM {rows} k WHERE {condition} AND {same})"


def _write_indicator(
    code: str, old: Path | None, new_sql: str | None, new_entered: bool, target: Path
) -> int:
    """Write one indicator's file: the new rows, then the old rows they do not replace; sorted.

    `new_entered`: the new rows are the SQL values (they replace every old row, bulk or entered, and the
    old entered rows not among them are gone); else they are bulk rows (old entered rows win over them).
    """
    columns = "o.period, o.unit_code, o.value"
    new_rows = f"({new_sql})" if new_sql is not None else None
    old_rows = f"read_parquet({sql_text(old)})" if old is not None else None
    parts = []
    if new_rows is not None and (new_entered or old_rows is None):
        parts.append(f"SELECT {columns}, {str(new_entered).lower()} AS entered FROM {new_rows} o")
    elif new_rows is not None:
        parts.append(
            f"SELECT {columns}, false AS entered FROM {new_rows} o "
            f"WHERE {_absent_from(old_rows or '', 'k.entered')}"
        )
    if old_rows is not None and new_rows is None:
        parts.append(f"SELECT {columns}, o.entered FROM {old_rows} o")
    elif old_rows is not None and new_entered:
        parts.append(
            f"SELECT {columns}, o.entered FROM {old_rows} o "
            f"WHERE NOT o.entered AND {_absent_from(new_rows or '')}"
        )
    elif old_rows is not None:
        parts.append(
            f"SELECT {columns}, o.entered FROM {old_rows} o WHERE o.entered OR {_absent_from(new_rows or '')}"
        )
    body = " UNION ALL ".join(parts)
    select_sql = f"SELECT {sql_text(code)} AS indicator_code, * FROM ({body}) ORDER BY period, unit_code"
    rows = _copy(select_sql, target)
    if rows == 0:
        target.unlink(missing_ok=True)
    return rows


def _write_rollups(
    folder: Path, old: Manifest | None, new: Manifest, affected: set[str], weights: Mapping[str, str]
) -> None:
    """Write the roll-ups and the province-own values of the new generation (recomputing `affected`)."""
    con = connection()
    gen = folder / new.generation
    codes = sorted(c for c in affected if c in new.files)
    files = [gen / new.files[c] for c in codes]
    con.execute("CREATE OR REPLACE TEMP TABLE cube_weights (code VARCHAR, weight_code VARCHAR)").fetchall()
    if weights:
        con.executemany("INSERT INTO cube_weights VALUES (?, ?)", list(weights.items())).fetchall()
    parts_r, parts_o = [], []
    if files:
        used = sorted({weights[c] for c in codes if weights.get(c) in new.files})
        weight_rows = (
            f"read_parquet({_sql_list([gen / new.files[w] for w in used])})"
            if used
            else "(SELECT NULL::VARCHAR AS indicator_code, NULL::VARCHAR AS period,"
            " NULL::VARCHAR AS unit_code, NULL::DOUBLE AS value WHERE false)"
        )
        parts_r.append(
            f"""SELECT v.indicator_code, v.period, count(*)::BIGINT AS n, sum(v.value) AS total,
                    any_value(m.weight_code) AS weight_code, count(w.value)::BIGINT AS wn,
                    sum(v.value * w.value) AS wsum, sum(w.value) AS wtotal
                FROM read_parquet({_sql_list(files)}) v
                LEFT JOIN cube_weights m ON m.code = v.indicator_code
                LEFT JOIN {weight_rows} w ON w.indicator_code = m.weight_code
                    AND w.period = v.period AND w.unit_code = v.unit_code
                GROUP BY v.indicator_code, v.period"""
        )
        parts_o.append(
            f"SELECT indicator_code, period, unit_code, value FROM read_parquet({_sql_list(files)}) "
            "WHERE regexp_full_match(unit_code, '[0-9]{2}')"
        )
    if old is not None:
        keep = "indicator_code NOT IN (SELECT unnest($affected))"
        parts_r.append(
            f"SELECT * FROM read_parquet({sql_text(old.path(folder, 'rollups.parquet'))}) WHERE {keep}"
        )
        parts_o.append(
            f"SELECT * FROM read_parquet({sql_text(old.path(folder, 'own.parquet'))}) WHERE {keep}"
        )
    empty_r = (
        "SELECT NULL::VARCHAR AS indicator_code, NULL::VARCHAR AS period, 0::BIGINT AS n,"
        " NULL::DOUBLE AS total, NULL::VARCHAR AS weight_code, 0::BIGINT AS wn, NULL::DOUBLE AS wsum,"
        " NULL::DOUBLE AS wtotal WHERE false"
    )
    empty_o = (
        "SELECT NULL::VARCHAR AS indicator_code, NULL::VARCHAR AS period, NULL::VARCHAR AS unit_code,"
        " NULL::DOUBLE AS value WHERE false"
    )
    params = {"affected": sorted(affected)} if old is not None else {}
    for name, parts, empty in (("rollups", parts_r, empty_r), ("own", parts_o, empty_o)):
        body = " UNION ALL ".join([empty, *parts])
        bound = params if "$affected" in body else {}
        target = gen / f"{name}.parquet"
        _copy(
            f"SELECT * FROM ({body}) ORDER BY indicator_code, period", target, bound, SUMMARY_ROW_GROUP_ROWS
        )


def _publish(
    folder: Path,
    old: Manifest | None,
    new: Manifest,
    affected: set[str],
    weights: Mapping[str, str],
    kept: int,
    written: Sequence[str],
) -> CompactionReport:
    gen = folder / new.generation
    _write_rollups(folder, old, new, affected, weights)
    for path in [*(gen / name for name in written), gen / "rollups.parquet", gen / "own.parquet", gen]:
        fsync_path(path)  # linked files are the old generation's, already on disk
    faults.reach("indicators.cube.written")
    write_manifest(folder, new)
    faults.reach("indicators.cube.swapped")
    _sweep(folder, {new.generation} | ({old.generation} if old else set()))
    return CompactionReport(new.generation, len(written), kept, new.rows, True)


def _build(
    folder: Path,
    old: Manifest | None,
    sources: Mapping[str, str | None],
    *,
    entered: bool,
    weights: Mapping[str, str],
    fingerprints: Mapping[str, str],
    watermark: datetime | None,
) -> CompactionReport:
    """Write a generation where the indicators in `sources` get new rows, the others are linked."""
    name = _new_generation(folder)
    gen = folder / name
    files: dict[str, str] = {}
    counts: dict[str, int] = {}
    for code, file in (old.files if old else {}).items():
        if code not in sources and old is not None:
            _link(old.path(folder, file), gen / file)
            files[code], counts[code] = file, old.counts.get(code, 0)
    kept = len(files)
    for code, new_sql in sources.items():
        previous = old.path(folder, old.files[code]) if old and code in old.files else None
        target = gen / file_name(code)
        rows = _write_indicator(code, previous, new_sql, entered, target)
        if rows:
            files[code], counts[code] = target.name, rows
        faults.reach("indicators.cube.file")
    old_weights = old.weights if old else {}
    affected = set(sources) | {c for c, w in weights.items() if w in sources}
    affected |= {c for c in set(weights) | set(old_weights) if weights.get(c) != old_weights.get(c)}
    new = Manifest(name, watermark, files, dict(fingerprints), dict(weights), counts)
    written = [files[c] for c in sources if c in files]
    return _publish(folder, old, new, affected, weights, kept, written)


def _weights(rules: Mapping[str, Rule]) -> dict[str, str]:
    return {c: r.weight_code for c, r in rules.items() if r.aggregation == "weighted" and r.weight_code}


def _sql_values(session: Session) -> dict[str, list[tuple[str, str, float]]]:
    by_code: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    columns = (
        IndicatorValue.indicator_code,
        IndicatorValue.period,
        IndicatorValue.unit_code,
        IndicatorValue.value,
    )
    for code, period, unit, value in session.connection().execute(select(*columns)):  # Core rows: no ORM
        by_code[code].append((period, unit, float(value)))
    return by_code


def _fingerprint(rows: list[tuple[str, str, float]]) -> str:
    digest = hashlib.sha256()
    for period, unit, value in sorted(rows):
        digest.update(f"{period}\t{unit}\t{value!r}\n".encode())
    return digest.hexdigest()


def compact(session: Session, folder: Path, *, rules: Mapping[str, Rule] | None = None) -> CompactionReport:
    """Fold the SQL values into the cube's files: new files, then an atomic swap of the manifest.

    Only indicators whose SQL values changed since the last compaction are rewritten; nothing changed:
    only the watermark moves. Idempotent: a second run on the same SQL values changes no figure.

    Args:
        session: reads `indicator_values` and the catalogue (writes nothing).
        folder: the cube folder (created when missing).
        rules: the catalogue's roll-up rules (default: every active indicator).
    """
    watermark = clock.now() - WATERMARK_MARGIN
    catalogue = rules if rules is not None else load_rules(session)
    values = _sql_values(session)
    prints = {code: _fingerprint(rows) for code, rows in values.items()}
    weights = _weights(catalogue)
    with _writer_lock(folder):
        old = read_manifest(folder)
        before = old.fingerprints if old else {}
        changed = sorted(c for c in set(prints) | set(before) if prints.get(c) != before.get(c))
        if old is not None and not changed and weights == old.weights:
            write_manifest(folder, replace(old, watermark=watermark))
            return CompactionReport(old.generation, 0, len(old.files), old.rows, False)
        con = connection()
        sources: dict[str, str | None] = {}
        for code in changed:
            table = pa.Table.from_pylist(
                [{"period": p, "unit_code": u, "value": v} for p, u, v in values.get(code, [])], schema=_ARROW
            )
            view = f"sql_values_{len(sources)}"
            con.register(view, table)
            sources[code] = f"SELECT period, unit_code, value FROM {view}"
        try:
            return _build(
                folder, old, sources, entered=True, weights=weights, fingerprints=prints, watermark=watermark
            )
        finally:
            for i in range(len(sources)):
                con.unregister(f"sql_values_{i}")


def load_bulk(folder: Path, sources: Mapping[str, str], *, rules: Mapping[str, Rule]) -> CompactionReport:
    """Load bulk values (pushed or generated at scale) into the cube; values entered in SQL keep priority.

    Args:
        folder: the cube folder (created when missing).
        sources: indicator code -> a DuckDB SELECT of (period, unit_code, value) for that indicator, one
            row per period and unit. Code, never user text: callers build it (a generator,
            `read_parquet` of a checked file).
        rules: the catalogue's roll-up rules (for the weighted roll-ups).
    """
    with _writer_lock(folder):
        old = read_manifest(folder)
        return _build(
            folder,
            old,
            dict(sources),
            entered=False,
            weights=_weights(rules),
            fingerprints=old.fingerprints if old else {},
            watermark=old.watermark if old else None,
        )


__all__ = ["MANIFEST", "CompactionReport", "compact", "file_name", "load_bulk"]
