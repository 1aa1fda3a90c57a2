"""The layout and the manifest of the Parquet record store; monitoring records layer, files only.

Layout under the data dir::

    records/_manifest.json                          the list of live files (the only source of truth)
    records/<kind>/month=YYYY-MM/part-<gen>-<id>.parquet
    records/procedures/month=all/part-....parquet   (the catalogue has no month)
    records/_staging/, records/_trash/              transient; never read
    records/_derived/                               per-file caches (chiso.monitoring.cache)

The manifest lists the live part files of every kind and month; `month_codes` / `month_of` say which
month partition a row belongs to. Imports the record schema and chiso.errors only; writing is
`chiso.monitoring.records.store`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chiso.errors import StoreUnavailable
from chiso.monitoring.records.schema import KINDS, RecordKind, record_type

MANIFEST = "_manifest.json"
NO_MONTH = "all"
TRASH_AGE_S = 600.0
"""Retired files stay in `_trash/` this long, so that a reader holding an older manifest can finish."""


def records_dir(data_dir: Path) -> Path:
    """Return the folder of the record store inside the data dir."""
    return Path(data_dir) / "records"


@dataclass(frozen=True)
class PartFile:
    """One live Parquet file of the store."""

    kind: RecordKind
    month: str
    path: str
    """Relative to the records folder, with forward slashes."""
    rows: int
    key_min: str | None
    key_max: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rows": self.rows,
            "key_min": self.key_min,
            "key_max": self.key_max,
        }


@dataclass
class Manifest:
    """The list of live files per kind and month, with a generation number bumped on every commit."""

    generation: int = 0
    files: dict[RecordKind, dict[str, list[PartFile]]] = field(default_factory=dict)

    def parts(self, kind: RecordKind, months: Iterable[str] | None = None) -> list[PartFile]:
        """Return the live files of `kind`, optionally only those of `months`, in month order."""
        by_month = self.files.get(kind, {})
        wanted = sorted(by_month) if months is None else sorted(set(months) & set(by_month))
        return [p for m in wanted for p in by_month[m]]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "generation": self.generation,
            "files": {
                kind: {m: [p.to_json() for p in parts] for m, parts in sorted(months.items()) if parts}
                for kind, months in self.files.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        files: dict[RecordKind, dict[str, list[PartFile]]] = {}
        for kind in KINDS:
            for month, parts in data.get("files", {}).get(kind, {}).items():
                files.setdefault(kind, {})[month] = [
                    PartFile(kind, month, p["path"], int(p["rows"]), p.get("key_min"), p.get("key_max"))
                    for p in parts
                ]
        return cls(generation=int(data.get("generation", 0)), files=files)


def load_manifest(data_dir: Path) -> Manifest:
    """Read the manifest of the store (an empty one when nothing was ever stored)."""
    path = records_dir(data_dir) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Manifest()
    except OSError as exc:
        raise StoreUnavailable(
            f"Không đọc được kho bản ghi {path}: {exc.strerror}",
            f"Cannot read the record store manifest {path}: {exc.strerror}",
        ) from exc
    return Manifest.from_json(json.loads(text))


def month_codes(table: pa.Table, kind: str) -> tuple[np.ndarray[Any, np.dtype[np.int64]], list[str]]:
    """Return, per row, an index into the returned list of partitions ("YYYY-MM" or "all")."""
    rtype = record_type(kind)
    if rtype.month_column is None:
        return np.zeros(table.num_rows, dtype=np.int64), [NO_MONTH]
    ts = pc.cast(table.column(rtype.month_column), pa.timestamp("us"))
    micros = np.asarray(pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    months = micros.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)
    uniq, inverse = np.unique(months, return_inverse=True)
    labels = [str(m) for m in np.datetime_as_string(uniq.astype("datetime64[M]"), unit="M")]
    return inverse.astype(np.int64).reshape(-1), labels


def month_of(table: pa.Table, kind: str) -> pa.Array:
    """Return the partition ("YYYY-MM" or "all") of every row of a table of `kind`."""
    codes, labels = month_codes(table, kind)
    indices = pa.array(codes.astype(np.int32), pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels, pa.string())).cast(pa.string())
