"""Lay out the record store's Parquet files by agency, so a query on one agency reads few row groups.

DuckDB skips a row group whose min/max of `agency_code` excludes the filter, which only helps when an
agency's rows sit together: every file the store writes is sorted by agency, then key, and cut into
row groups of ROW_GROUP_ROWS. Kinds without an agency_code column keep their order.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chiso import faults
from chiso.monitoring.records.schema import RecordKind, arrow_schema, record_type

ROW_GROUP_ROWS = 16_384
"""Rows per row group: at national scale (~100 dossiers per agency a month) an agency's rows fall in
one or two groups of a month file; the drill benchmark measured 16k against 64k (benchmarks/RESULTS.md)."""

SPILL_ROW_GROUP_ROWS = 1_000_000
"""The unsorted spill files are read back whole, so they keep large groups."""


def sort_keys(kind: RecordKind) -> list[tuple[str, str]]:
    """Return the order of a file of `kind`: by agency, then key; none for kinds without an agency."""
    if "agency_code" not in arrow_schema(kind).names:
        return []
    return [("agency_code", "ascending"), (record_type(kind).key, "ascending")]


def key_range(table: pa.Table, key: str) -> tuple[str | None, str | None]:
    """Return the smallest and largest key of `table` (None, None when empty)."""
    if table.num_rows == 0:
        return None, None
    mm = pc.min_max(table.column(key))
    lo, hi = mm["min"].as_py(), mm["max"].as_py()
    return (str(lo) if lo is not None else None, str(hi) if hi is not None else None)


def write_clustered(table: pa.Table, path: Path, kind: RecordKind) -> None:
    """Write `table` (exactly `arrow_schema(kind)`) to `path` sorted by agency, in small row groups."""
    keys = sort_keys(kind)
    if keys and table.num_rows > 1:
        table = table.sort_by(keys)
    pq.write_table(table, path, compression="zstd", row_group_size=ROW_GROUP_ROWS)
    faults.reach("records.clustered")


class MonthSpill:
    """The batches of one partition, appended unsorted to a staging file, then rewritten sorted.

    Sorting needs the whole partition; spilling keeps memory to one batch while a stream arrives and
    to one partition while `finish` sorts it. Both files live in the transaction's staging folder, so
    an abort or a crash leaves nothing the manifest names.
    """

    def __init__(self, kind: RecordKind, final: Path) -> None:
        self.kind, self.final = kind, final
        self.schema = arrow_schema(kind)
        self.key = record_type(kind).key
        self.spill = final.with_name(f"{final.name}.unsorted")
        final.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(self.spill, self.schema, compression="lz4")
        self.rows = 0
        self.lo: str | None = None
        self.hi: str | None = None

    def write(self, table: pa.Table) -> None:
        """Append rows (exactly the kind's schema) and widen the key range."""
        if table.num_rows == 0:
            return
        self.writer.write_table(table, row_group_size=SPILL_ROW_GROUP_ROWS)
        self.rows += table.num_rows
        lo, hi = key_range(table, self.key)
        self.lo = lo if self.lo is None or (lo is not None and lo < self.lo) else self.lo
        self.hi = hi if self.hi is None or (hi is not None and hi > self.hi) else self.hi

    def close(self) -> None:
        """Close the spill file (safe to call twice)."""
        if self.writer.is_open:
            self.writer.close()

    def finish(self) -> None:
        """Rewrite the spill file sorted into `final` and delete it (call with no rows: just deletes)."""
        self.close()
        if self.rows:
            write_clustered(pq.read_table(self.spill, schema=self.schema), self.final, self.kind)
        self.spill.unlink(missing_ok=True)
