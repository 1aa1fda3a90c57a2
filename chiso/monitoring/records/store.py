"""The Parquet record store: list, read and write its files atomically; monitoring records layer, files only.

Layout and manifest: `chiso.monitoring.records.manifest`. Every file is written sorted by agency in
small row groups (`chiso.monitoring.records.clustering`), so a query on one agency skips most of it.

Every live file has exactly `records.arrow_schema(kind)` and the live files of a kind hold at most one
row per key (dossier_id, procedure_code, petition_id): latest state wins. Writers take a lock, write new
files into `_staging/`, move them into place and then swap the manifest with one `os.replace`, so a
crash at any point leaves the store exactly as it was (files not listed in the manifest are ignored
and swept later). **Readers must list files with `record_files` (never glob the folders).**
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chiso import faults
from chiso.errors import Conflict, StoreUnavailable
from chiso.monitoring.records.clustering import MonthSpill, key_range, write_clustered
from chiso.monitoring.records.manifest import (
    MANIFEST,
    TRASH_AGE_S,
    Manifest,
    PartFile,
    load_manifest,
    month_of,
    records_dir,
)
from chiso.monitoring.records.schema import KINDS, RecordKind, arrow_schema, record_type

COMPACT_ROWS = 250_000
"""Files smaller than this are merged when a month collects more than COMPACT_FILES of them."""
COMPACT_FILES = 8

FaultHook = Callable[[str], None]
"""Test hook called at named points of a commit ("staged", "moved"); raising there simulates a crash."""


def record_files(kind: str, *, data_dir: Path, months: Iterable[str] | None = None) -> list[Path]:
    """List the live Parquet files of one record kind (the one way the metrics find the records).

    Args:
        kind: "dossiers", "procedures" or "petitions".
        data_dir: the chiso data dir (settings.data_dir).
        months: only these partitions ("YYYY-MM"; the catalogue's partition is "all"); None for all.

    Returns:
        Absolute paths, in month order; every file has exactly `arrow_schema(kind)`, and a key occurs in
        at most one file. Empty when nothing is stored.
    """
    rtype = record_type(kind)
    root = records_dir(data_dir)
    return [root / p.path for p in load_manifest(data_dir).parts(rtype.kind, months)]


def stored_months(kind: str, *, data_dir: Path) -> list[str]:
    """Return the month partitions ("YYYY-MM") holding records of `kind`, sorted."""
    rtype = record_type(kind)
    return sorted(load_manifest(data_dir).files.get(rtype.kind, {}))


def read_records(
    kind: str,
    *,
    data_dir: Path,
    months: Iterable[str] | None = None,
    columns: list[str] | None = None,
) -> pa.Table:
    """Read the stored records of `kind` into one Arrow table (small stores, tests, the live page).

    Large stores should be scanned by DuckDB/Ibis over `record_files(...)` instead.
    """
    rtype = record_type(kind)
    schema = arrow_schema(rtype.kind)
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns])
    files = record_files(rtype.kind, data_dir=data_dir, months=months)
    if not files:
        return schema.empty_table()
    tables = [pq.read_table(f, columns=columns, schema=schema) for f in files]
    return pa.concat_tables(tables)


# ---------------------------------------------------------------------------------------------------
# writing


class StoreWriter:
    """One write transaction on the store: stage new files, drop old ones, commit atomically.

    Use through `open_writer`; nothing is visible to readers until `commit`.
    """

    def __init__(self, data_dir: Path, fault: FaultHook | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.root = records_dir(self.data_dir)
        self.manifest = load_manifest(self.data_dir)
        self.generation = self.manifest.generation + 1
        self.staging = self.root / "_staging" / f"{self.generation:08d}-{uuid.uuid4().hex[:8]}"
        self.fault = fault
        self._added: list[tuple[PartFile, Path]] = []
        self._removed: set[str] = set()
        self._counter = 0

    # -- reading the current state -----------------------------------------------------------------

    def live_parts(self, kind: RecordKind, months: Iterable[str] | None = None) -> list[PartFile]:
        """Return the files of `kind` live in this transaction (committed minus removed plus added)."""
        parts = [p for p in self.manifest.parts(kind, months) if p.path not in self._removed]
        wanted = None if months is None else set(months)
        parts += [
            p
            for p, _ in self._added
            if p.kind == kind and p.path not in self._removed and (wanted is None or p.month in wanted)
        ]
        return parts

    def added_parts(self, kind: RecordKind) -> list[PartFile]:
        """Return the files of `kind` this transaction adds (staged and not removed again)."""
        return [p for p, _ in self._added if p.kind == kind and p.path not in self._removed]

    def changes(self, kind: RecordKind) -> bool:
        """Return whether this transaction adds or removes files of `kind`."""
        removed = any(p.path in self._removed for p in self.manifest.parts(kind))
        return removed or bool(self.added_parts(kind))

    def path_of(self, part: PartFile) -> Path:
        """Return where the file of `part` is now (staged or live)."""
        for p, staged in self._added:
            if p.path == part.path:
                return staged
        return self.root / part.path

    def read_part(self, part: PartFile, columns: list[str] | None = None) -> pa.Table:
        """Read one live or staged file."""
        schema = arrow_schema(part.kind)
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns])
        return pq.read_table(self.path_of(part), columns=columns, schema=schema)

    # -- changing it -------------------------------------------------------------------------------

    def add(self, kind: RecordKind, month: str, table: pa.Table) -> PartFile | None:
        """Stage `table` (exactly `arrow_schema(kind)`, unique keys) as a new file of one partition."""
        if table.num_rows == 0:
            return None
        schema = arrow_schema(kind)
        table = table.select(schema.names).cast(schema)
        rel, staged = self._new_name(kind, month)
        write_clustered(table, staged, kind)
        lo, hi = key_range(table, record_type(kind).key)
        part = PartFile(kind, month, rel, table.num_rows, lo, hi)
        self._added.append((part, staged))
        return part

    def add_batches(self, kind: RecordKind, month: str, batches: Iterable[pa.RecordBatch]) -> PartFile | None:
        """Stage a stream of batches of one partition as one file, holding one batch at a time
        (then the partition once, to sort it by agency)."""
        schema = arrow_schema(kind)
        rel, staged = self._new_name(kind, month)
        spill = MonthSpill(kind, staged)
        try:
            for batch in batches:
                spill.write(pa.Table.from_batches([batch]).select(schema.names).cast(schema))
        finally:
            spill.close()
        spill.finish()
        if not spill.rows:
            return None
        return self.stage(PartFile(kind, month, rel, spill.rows, spill.lo, spill.hi), staged)

    def _new_name(self, kind: RecordKind, month: str, tag: str = "") -> tuple[str, Path]:
        """Return a new part file's path in the store and where it is staged (its folder made)."""
        self._counter += 1
        name = f"part-{self.generation:08d}-{tag}{self._counter:05d}-{uuid.uuid4().hex[:8]}.parquet"
        staged = self.staging / kind / f"month={month}" / name
        staged.parent.mkdir(parents=True, exist_ok=True)
        return f"{kind}/month={month}/{name}", staged

    def stage(self, part: PartFile, staged: Path) -> PartFile:
        """Add a file already written to this transaction's staging folder."""
        self._added.append((part, staged))
        return part

    def remove(self, part: PartFile) -> None:
        """Drop a live or staged file from the store in this transaction."""
        self._removed.add(part.path)

    def compact(self, kind: RecordKind, month: str) -> None:
        """Merge the small files of one partition into one when there are too many of them."""
        small = [p for p in self.live_parts(kind, [month]) if p.rows < COMPACT_ROWS]
        if len(small) < COMPACT_FILES:
            return
        merged = pa.concat_tables([self.read_part(p) for p in small])
        for p in small:
            self.remove(p)
        self.add(kind, month, merged)

    def commit(self) -> None:
        """Make the staged changes live with one atomic manifest swap, then retire the old files."""
        if not self._added and not self._removed:
            self._cleanup_staging()
            return
        self._hook("staged")
        files: dict[RecordKind, dict[str, list[PartFile]]] = {}
        for kind, months in self.manifest.files.items():
            for month, parts in months.items():
                keep = [p for p in parts if p.path not in self._removed]
                if keep:
                    files.setdefault(kind, {})[month] = keep
        moved: list[Path] = []
        for part, staged in self._added:
            if part.path in self._removed:
                continue
            final = self.root / part.path
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
            moved.append(final)
            files.setdefault(part.kind, {}).setdefault(part.month, []).append(part)
        _sync_before_swap(moved, self.root)
        self._hook("moved")
        new = Manifest(generation=self.generation, files=files)
        tmp = self.root / f".{MANIFEST}.{self.generation}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(new.to_json(), fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / MANIFEST)
        _fsync_dir(self.root)
        self._hook("swapped")
        self._retire(self.manifest, new)
        self.manifest = new
        self._cleanup_staging()

    def _hook(self, stage: str) -> None:
        faults.reach(f"records.{stage}")
        if self.fault is not None:
            self.fault(stage)

    def _retire(self, old: Manifest, new: Manifest) -> None:
        live = {p.path for k in KINDS for p in new.parts(k)}
        trash = self.root / "_trash"
        for kind in KINDS:
            for part in old.parts(kind):
                if part.path in live:
                    continue
                src = self.root / part.path
                if src.exists():
                    dest = trash / f"{self.generation:08d}-{src.name}"
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(src, dest)

    def _cleanup_staging(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _sync_before_swap(files: list[Path], root: Path) -> None:
    """Flush the new part files and the folders naming them to disk before the manifest lists them.

    Without this a power cut after the manifest swap could leave a manifest naming a file whose data
    or folder entry never reached the disk. The folders are each file's month and kind folders (either
    may be new) and the records folder.
    """
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    folders = {path.parent for path in files} | {path.parent.parent for path in files} | {root}
    for folder in sorted(folders):
        _fsync_dir(folder)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sweep(data_dir: Path, *, max_age_s: float = TRASH_AGE_S) -> int:
    """Delete leftovers of crashed or old transactions: stale staging, old trash, unlisted part files.

    Call only while holding the writer lock. Returns the number of files removed.
    """
    root = records_dir(data_dir)
    manifest = load_manifest(data_dir)
    live = {p.path for k in KINDS for p in manifest.parts(k)}
    now = time.time()
    removed = 0
    for sub in ("_staging", "_trash"):
        folder = root / sub
        if not folder.exists():
            continue
        for entry in folder.iterdir():
            if now - entry.stat().st_mtime >= max_age_s:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed += 1
    for kind in KINDS:
        folder = root / kind
        if not folder.exists():
            continue
        for path in folder.glob("month=*/*.parquet"):
            rel = path.relative_to(root).as_posix()
            if rel not in live and now - path.stat().st_mtime >= max_age_s:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


@contextmanager
def open_writer(
    data_dir: Path, *, fault: FaultHook | None = None, timeout_s: float = 60.0
) -> Iterator[StoreWriter]:
    """Yield a StoreWriter holding the store's write lock; commit it inside the block to keep its changes.

    Leaving the block without `commit()` (or by an exception) discards every staged file.

    Raises:
        Conflict: when another ingest holds the lock longer than `timeout_s`.
    """
    root = records_dir(data_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = open(root / ".lock", "a+")
    except OSError as exc:
        raise StoreUnavailable(
            f"Không ghi được kho bản ghi {root}: {exc.strerror}",
            f"Cannot write the record store {root}: {exc.strerror}; check CHISO_DATA_DIR",
        ) from exc
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Conflict(
                        "Một lượt nạp bản ghi khác đang chạy; thử lại sau",
                        "Another ingest is writing the record store; try again later",
                    ) from None
                time.sleep(0.05)
        sweep(data_dir)
        writer = StoreWriter(Path(data_dir), fault=fault)
        try:
            yield writer
        finally:
            writer._cleanup_staging()
    finally:
        lock.close()


def bulk_load(
    kind: str,
    batches: Iterable[pa.RecordBatch],
    *,
    data_dir: Path,
    replace: bool = False,
    fault: FaultHook | None = None,
) -> int:
    """Append a stream of trusted, already valid records with unique keys (generator output) to the store.

    Batches may mix months; each month becomes one new file. With `replace`, every stored record of
    `kind` is dropped first, in the same transaction.

    Returns:
        The number of rows stored.

    Raises:
        Conflict: when the store already holds records of `kind` whose key range overlaps the new ones
            and `replace` is false (use `ingest_files` to merge records instead).
    """
    rtype = record_type(kind)
    schema = arrow_schema(rtype.kind)
    with open_writer(data_dir, fault=fault) as writer:
        if replace:
            for part in writer.live_parts(rtype.kind):
                writer.remove(part)
        existing = writer.live_parts(rtype.kind)
        spills: dict[str, tuple[MonthSpill, str]] = {}
        total = 0
        try:
            for batch in batches:
                table = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
                months = month_of(table, rtype.kind)
                distinct = pc.unique(months).to_pylist()
                for month in distinct:
                    part = table if len(distinct) == 1 else table.filter(pc.equal(months, month))
                    if month not in spills:
                        rel, staged = writer._new_name(rtype.kind, month, tag="b")
                        spills[month] = (MonthSpill(rtype.kind, staged), rel)
                    spills[month][0].write(part)
                    total += part.num_rows
        finally:
            for spill, _ in spills.values():
                spill.close()
        for month, (spill, rel) in spills.items():
            part_file = PartFile(rtype.kind, month, rel, spill.rows, spill.lo, spill.hi)
            for old in existing:
                if _ranges_overlap(old, part_file):
                    raise Conflict(
                        f"Kho đã có {rtype.kind} với mã trùng khoảng {spill.lo}..{spill.hi}; dùng nạp thường",
                        f"The store already holds {rtype.kind} whose keys overlap {spill.lo}..{spill.hi}; "
                        "ingest the records instead, or load with replace",
                    )
        for month, (spill, rel) in sorted(spills.items()):  # one month in memory at a time
            spill.finish()
            if spill.rows:
                writer.stage(PartFile(rtype.kind, month, rel, spill.rows, spill.lo, spill.hi), spill.final)
        writer.commit()
    return total


def _ranges_overlap(a: PartFile, b: PartFile) -> bool:
    if a.key_min is None or a.key_max is None or b.key_min is None or b.key_max is None:
        return True
    return not (a.key_max < b.key_min or b.key_max < a.key_min)
