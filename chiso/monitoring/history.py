"""The compact, columnar form of a live-score snapshot: every agency's 766 figures on one day or month.

Monitoring layer; pure (numpy and zlib), imports nothing from store/, flows/, web/ or cli/. The flow
`chiso.flows.live_history` keeps one stored row per snapshot (day or month) holding three columns of
this module's making: the agency codes, the metric codes, and the values, a (metric x agency) matrix
stored as hundredths in int32 (null as `MISSING`), byte-shuffled and zlib-compressed. A year of daily
snapshots of 4,300 agencies fits in a few MB (benchmarks/history.py), where a row per agency and
metric in SQL would take hundreds.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chiso.errors import InvalidInput
from chiso.monitoring.live import GROUP_CODES, LiveBoard

SCALE = 100  # hundredths: points are published with 2 decimals; counts and ranks are whole
MISSING = np.iinfo(np.int32).min
METRICS: tuple[str, ...] = ("TOTAL", *GROUP_CODES, "RANK", "RECEIVED")
_LIMIT = (np.iinfo(np.int32).max - 1) / SCALE


@dataclass(frozen=True)
class Snapshot:
    """Figures of many agencies: ``values[i, j]`` is metric ``metrics[i]`` of agency ``agency_codes[j]``."""

    agency_codes: tuple[str, ...]
    metrics: tuple[str, ...]
    values: np.ndarray  # float64, NaN = no data

    def of(self, agency_code: str) -> dict[str, float | None]:
        """Return one agency's figures by metric (None: no data, or the agency is not in the snapshot)."""
        try:
            j = self.agency_codes.index(agency_code)
        except ValueError:
            return dict.fromkeys(self.metrics)
        column = self.values[:, j]
        return {m: None if np.isnan(v) else float(v) for m, v in zip(self.metrics, column, strict=True)}


def snapshot_of(board: LiveBoard) -> Snapshot:
    """Return the snapshot of a computed board: total, the six groups, rank and dossiers received."""
    rows = sorted(board.rows, key=lambda r: r.agency_code)
    values = np.full((len(METRICS), len(rows)), np.nan)
    for j, row in enumerate(rows):
        figures = [row.total, *(row.components.get(g) for g in GROUP_CODES), row.rank, row.received]
        values[:, j] = [np.nan if v is None else float(v) for v in figures]
    return Snapshot(tuple(r.agency_code for r in rows), METRICS, values)


def pack_codes(codes: Sequence[str]) -> bytes:
    """Return the codes, one a line, compressed."""
    if any("\n" in c for c in codes):
        raise InvalidInput("Mã cơ quan chứa ký tự xuống dòng", "An agency code contains a line break")
    return zlib.compress("\n".join(codes).encode("utf-8"), 9)


def unpack_codes(blob: bytes) -> tuple[str, ...]:
    """Return the codes `pack_codes` stored."""
    text = zlib.decompress(blob).decode("utf-8")
    return tuple(text.split("\n")) if text else ()


def pack_values(values: np.ndarray) -> bytes:
    """Return the (metric x agency) matrix as hundredths in int32 (NaN as MISSING), shuffled and compressed.

    Raises:
        InvalidInput: a value too large for hundredths in 32 bits (over 21 million).
    """
    finite = values[~np.isnan(values)]
    if finite.size and float(np.abs(finite).max()) > _LIMIT:
        raise InvalidInput("Giá trị quá lớn để lưu lịch sử", f"A value is too large (> {_LIMIT:,.0f})")
    scaled = np.ascontiguousarray(
        np.where(np.isnan(values), MISSING, np.rint(np.nan_to_num(values) * SCALE)), "<i4"
    )
    shuffled = scaled.view(np.uint8).reshape(-1, 4).T  # byte planes: the high bytes are mostly equal
    return zlib.compress(np.ascontiguousarray(shuffled).tobytes(), 6)


def unpack_values(blob: bytes, *, metrics: int, agencies: int) -> np.ndarray:
    """Return the float64 matrix `pack_values` stored (NaN = no data)."""
    planes = np.frombuffer(zlib.decompress(blob), dtype=np.uint8).reshape(4, metrics * agencies)
    scaled = np.ascontiguousarray(planes.T).view("<i4").reshape(metrics, agencies)
    out = scaled.astype("float64") / SCALE
    out[scaled == MISSING] = np.nan
    return out
