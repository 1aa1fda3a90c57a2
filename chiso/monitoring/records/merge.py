"""Merge validated records into an open store transaction: latest state wins per key; records layer.

Monitoring records layer: imports the record schema, the manifest's partitioning and the store
writer. `merge_batch` keeps the last row of each key of a batch, leaves identical stored rows alone,
rewrites the part files holding replaced rows and reports the (agency, month) pairs whose metrics
change (both the old and the new version of a replaced row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chiso.monitoring.records.manifest import month_codes, month_of
from chiso.monitoring.records.schema import RecordKind, record_type
from chiso.monitoring.records.store import StoreWriter

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


def last_per_key(table: pa.Table, key: str) -> tuple[pa.Table, int]:
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
    table, counts.duplicates = last_per_key(table, key)
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
