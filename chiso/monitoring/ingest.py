"""Ingest record files and API batches into the Parquet record store; files only, no DB, no web.

Monitoring layer, above the records and the caches: reads with `records.readers`, merges with
`records.merge` in one `records.store` transaction and builds the new files' derived results
(`cache.derived.build_month_caches`) before the manifest swap.

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

import duckdb

from chiso.errors import Problem
from chiso.monitoring.cache import derived
from chiso.monitoring.records.merge import AgencyMonth, merge_batch
from chiso.monitoring.records.readers import read_file, validate_records, write_rejects
from chiso.monitoring.records.schema import RecordKind, record_type
from chiso.monitoring.records.store import FaultHook, StoreWriter, open_writer
from chiso.monitoring.records.validate import ReadResult, Reject

log = logging.getLogger("chiso.monitoring")

ProgressFn = Callable[[str, int, int], None]
"""progress(step, done, total): step is "read" or "store"."""


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
    catalogue_changed = writer.changes("procedures")
    dossiers = writer.live_parts("dossiers") if catalogue_changed else writer.added_parts("dossiers")
    try:
        derived.build_month_caches(
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
