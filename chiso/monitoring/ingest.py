"""Ingest record files and API batches into the Parquet record store; files only, no DB, no web.

One run is one transaction: every file is read and validated, merged (latest state wins per key,
identical rows change nothing) and staged; the store changes only at the final manifest swap, so a
file-level error or a crash leaves the store as it was. Row-level errors do not stop the run: the
bad rows go to a reject file and the good rows are stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chiso.errors import Problem
from chiso.monitoring.readers import ReadResult, Reject, read_file, validate_records, write_rejects
from chiso.monitoring.records import RecordKind, record_type
from chiso.monitoring.store import FaultHook, StoreWriter, month_codes, month_of, open_writer

log = logging.getLogger("chiso.monitoring")

ProgressFn = Callable[[str, int, int], None]
"""progress(step, done, total): step is "read" or "store"."""

AgencyMonth = tuple[str | None, str]
"""(agency_code, "YYYY-MM"); for the procedure catalogue (agency_code or None, "all")."""


@dataclass
class MergeCounts:
    """What merging one batch did to the store."""

    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    duplicates: int = 0
    """Rows of the batch superseded by a later row with the same key in the same batch."""
    affected: set[AgencyMonth] = field(default_factory=set)


@dataclass
class FileReport:
    """The outcome of one source file or API batch."""

    source: str
    kind: RecordKind
    rows_read: int
    rejected: int
    new: int
    replaced: int
    unchanged: int
    duplicates: int
    reject_file: Path | None = None
    warnings: list[Problem] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.new + self.replaced

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "read": self.rows_read,
            "rejected": self.rejected,
            "stored": self.stored,
            "new": self.new,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "reject_file": str(self.reject_file) if self.reject_file else None,
            "warnings": [w.to_dict() for w in self.warnings],
        }


@dataclass
class IngestReport:
    """Counts of one ingest run, the rejects, and the agency-months whose metrics must be recomputed."""

    files: list[FileReport] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    affected: dict[RecordKind, set[AgencyMonth]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def stored(self) -> int:
        return sum(f.stored for f in self.files)

    @property
    def new(self) -> int:
        return sum(f.new for f in self.files)

    @property
    def replaced(self) -> int:
        return sum(f.replaced for f in self.files)

    @property
    def unchanged(self) -> int:
        return sum(f.unchanged for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    def affected_months(self) -> list[str]:
        """Return the months ("YYYY-MM") touched by the run, sorted (the catalogue's "all" excluded)."""
        return sorted({m for pairs in self.affected.values() for _, m in pairs if m != "all"})

    def to_dict(self, *, max_rejects: int = 1000) -> dict[str, Any]:
        """Return the report as JSON-ready data (the API's response body)."""
        return {
            "ok": True,
            "read": self.read,
            "stored": self.stored,
            "new": self.new,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "files": [f.to_dict() for f in self.files],
            "rejects": [r.to_dict() for r in self.rejects[:max_rejects]],
            "rejects_truncated": len(self.rejects) > max_rejects,
            "affected": {
                kind: sorted([a or "", m] for a, m in pairs) for kind, pairs in sorted(self.affected.items())
            },
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------------------------------
# merging


def _last_per_key(table: pa.Table, key: str) -> tuple[pa.Table, int]:
    """Keep the last row of each key (source order); return the table and the number of rows dropped."""
    encoded = pc.dictionary_encode(table.column(key).combine_chunks())
    if len(encoded.dictionary) == table.num_rows:
        return table, 0
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    reversed_first = np.unique(codes[::-1], return_index=True)[1]
    idx = np.sort(table.num_rows - 1 - reversed_first)
    return table.take(pa.array(idx)), table.num_rows - len(idx)


def _same_rows(a: pa.Table, b: pa.Table) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Return, row by row, whether two aligned tables with the same schema hold identical values."""
    same = np.ones(a.num_rows, dtype=bool)
    for name in a.column_names:
        x, y = a.column(name), b.column(name)
        eq = pc.or_kleene(pc.equal(x, y), pc.and_(pc.is_null(x), pc.is_null(y)))
        same &= np.asarray(eq.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    return same


def _pairs(table: pa.Table, kind: RecordKind) -> set[AgencyMonth]:
    if table.num_rows == 0:
        return set()
    month_idx, labels = month_codes(table, kind)
    if "agency_code" not in table.column_names:
        return {(None, labels[i]) for i in np.unique(month_idx)}
    agencies = pc.dictionary_encode(table.column("agency_code").combine_chunks())
    names = agencies.dictionary.to_pylist()
    a_idx = np.asarray(agencies.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    combined = np.unique((a_idx + 1) * len(labels) + month_idx)
    return {
        (names[int(c // len(labels)) - 1] if c // len(labels) > 0 else None, labels[int(c % len(labels))])
        for c in combined
    }


def merge_batch(writer: StoreWriter, kind: RecordKind, table: pa.Table) -> MergeCounts:
    """Merge validated records into the store being written: latest state wins, identical rows are no-ops.

    Args:
        writer: the open store transaction.
        kind: the record type of `table`.
        table: rows with exactly `arrow_schema(kind)`, in source order (a later row wins over an earlier
            one with the same key).

    Returns:
        The counts and the (agency_code, month) pairs of both the new and the replaced versions.
    """
    key = record_type(kind).key
    counts = MergeCounts()
    table, counts.duplicates = _last_per_key(table, key)
    if table.num_rows == 0:
        return counts
    keys = table.column(key)
    mm = pc.min_max(keys)
    lo, hi = mm["min"].as_py(), mm["max"].as_py()
    hits: list[tuple[Any, pa.Table, np.ndarray[Any, np.dtype[np.bool_]]]] = []
    for part in writer.live_parts(kind):
        if part.key_min is not None and part.key_max is not None and (part.key_max < lo or part.key_min > hi):
            continue
        stored_keys = writer.read_part(part, columns=[key]).column(key)
        mask = np.asarray(pc.is_in(stored_keys, value_set=keys).to_numpy(zero_copy_only=False), dtype=bool)
        if mask.any():
            hits.append((part, writer.read_part(part), mask))
    incoming_is_new = np.ones(table.num_rows, dtype=bool)
    changed_keys: pa.Array = pa.array([], pa.string())
    if hits:
        old = pa.concat_tables([t.filter(pa.array(m)) for _, t, m in hits])
        pos = pc.index_in(keys, value_set=old.column(key))
        matched = np.asarray(pc.is_valid(pos).to_numpy(zero_copy_only=False), dtype=bool)
        incoming_is_new = ~matched
        matched_idx = np.nonzero(matched)[0]
        old_aligned = old.take(pos.filter(pa.array(matched)))
        inc_aligned = table.take(pa.array(matched_idx))
        same = _same_rows(inc_aligned, old_aligned)
        counts.unchanged = int(same.sum())
        counts.replaced = int((~same).sum())
        keep = np.ones(table.num_rows, dtype=bool)
        keep[matched_idx[same]] = False
        changed_keys = inc_aligned.column(key).filter(pa.array(~same)).combine_chunks()
        counts.affected |= _pairs(old_aligned.filter(pa.array(~same)), kind)
        table = table.filter(pa.array(keep))
        incoming_is_new = incoming_is_new[keep]
        if len(changed_keys):
            for part, stored, _ in hits:
                drop = pc.is_in(stored.column(key), value_set=changed_keys)
                if not pc.any(drop).as_py():
                    continue
                writer.remove(part)
                writer.add(kind, part.month, stored.filter(pc.invert(drop)))
    counts.new = int(incoming_is_new.sum())
    if table.num_rows == 0:
        return counts
    counts.affected |= _pairs(table, kind)
    months = month_of(table, kind)
    touched = pc.unique(months).to_pylist()
    for month in touched:
        part_rows = table if len(touched) == 1 else table.filter(pc.equal(months, month))
        writer.add(kind, month, part_rows)
        writer.compact(kind, month)
    return counts


# ---------------------------------------------------------------------------------------------------
# entry points


def _reject_path(reject_dir: Path, source: str, stamp: str) -> Path:
    stem = Path(source).stem or "records"
    return reject_dir / f"{stamp}-{stem}.rejects.csv"


def _build_derived(writer: StoreWriter) -> None:
    """Build the derived caches of the dossier files the run adds, before the manifest swap.

    A maintained store then never needs a first computation from raw records: the next month's
    recompute reads the new files' cached flags and counts. A changed catalogue changes every
    file's counts (full-online eligibility), so then every live dossier file is counted again.
    """
    import duckdb

    from chiso.monitoring.derived import build_month_caches

    catalogue_changed = writer.changes("procedures")
    dossiers = writer.live_parts("dossiers") if catalogue_changed else writer.added_parts("dossiers")
    try:
        build_month_caches(
            data_dir=writer.data_dir,
            parts=[(writer.path_of(p), p.path) for p in dossiers],
            catalogue=[(writer.path_of(p), p.path) for p in writer.live_parts("procedures")],
        )
    except (OSError, duckdb.Error):
        # the records still go in: a computation builds whatever is missing from the raw records
        log.warning("derived results of the ingest not built", exc_info=True)


def _store_results(
    results: Sequence[ReadResult],
    *,
    data_dir: Path,
    reject_dir: Path | None,
    progress: ProgressFn | None,
    fault: FaultHook | None,
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    with open_writer(data_dir, fault=fault) as writer:
        for i, res in enumerate(results):
            counts = merge_batch(writer, res.kind, res.table)
            file_report = FileReport(
                source=res.source,
                kind=res.kind,
                rows_read=res.rows_read,
                rejected=res.rejected_rows,
                new=counts.new,
                replaced=counts.replaced,
                unchanged=counts.unchanged,
                duplicates=counts.duplicates,
                warnings=list(res.warnings),
            )
            report.files.append(file_report)
            report.rejects.extend(res.rejects)
            report.affected.setdefault(res.kind, set()).update(counts.affected)
            if progress is not None:
                progress("store", i + 1, len(results))
        _build_derived(writer)
        writer.commit()
    if reject_dir is not None:
        for res, file_report in zip(results, report.files, strict=True):
            if res.rejects:
                file_report.reject_file = write_rejects(
                    res.rejects, _reject_path(reject_dir, res.source, stamp)
                )
    report.seconds = time.perf_counter() - started
    return report


def ingest_files(
    paths: Iterable[Path | str],
    *,
    data_dir: Path,
    kind: str | None = None,
    reject_dir: Path | None = None,
    progress: ProgressFn | None = None,
    fault: FaultHook | None = None,
) -> IngestReport:
    """Read, validate and store record files in one all-or-nothing run.

    Args:
        paths: CSV, JSON-lines or Parquet files; each file holds one record kind.
        data_dir: the chiso data dir; records go to `<data_dir>/records/`.
        kind: the record kind of every file; guessed from each file's key column when None.
        reject_dir: where to write `<time>-<file>.rejects.csv` for files with bad rows
            (default `<data_dir>/rejects/`).
        progress: optional `progress(step, done, total)` callback ("read", then "store").
        fault: test hook called at named points of the commit; raising there simulates a crash.

    Returns:
        Counts per file (read, rejected, new, replaced, unchanged), the rejects, and per kind the
        (agency_code, month) pairs whose metrics changed.

    Raises:
        InvalidInput: a file is missing, unreadable, of unknown kind or lacks a required column;
            nothing is stored then.
    """
    started = time.perf_counter()
    files = [Path(p) for p in paths]
    results: list[ReadResult] = []
    for i, path in enumerate(files):
        results.append(read_file(path, kind=kind))
        if progress is not None:
            progress("read", i + 1, len(files))
    report = _store_results(
        results,
        data_dir=data_dir,
        reject_dir=reject_dir if reject_dir is not None else Path(data_dir) / "rejects",
        progress=progress,
        fault=fault,
    )
    report.seconds = time.perf_counter() - started
    return report


def ingest_records(
    records: Sequence[Any],
    *,
    kind: str,
    data_dir: Path,
    source: str = "api",
    fault: FaultHook | None = None,
) -> IngestReport:
    """Validate and store a batch of JSON records (the HTTP API); rejects are returned, not written.

    Raises:
        KeyError: when `kind` names no record type.
    """
    started = time.perf_counter()
    result = validate_records(records, record_type(kind).kind, source=source)
    report = _store_results([result], data_dir=data_dir, reject_dir=None, progress=None, fault=fault)
    report.seconds = time.perf_counter() - started
    return report
