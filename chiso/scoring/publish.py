"""Publishing arithmetic: half-up rounding, shared ranks, bands; scoring layer, pure numpy.

How we round: scores keep full float precision inside the engine. A published figure is the value
rounded half up (away from zero) to the framework's decimals. Binary floats cannot hold most
decimals exactly (1.005 is stored as 1.00499999999999989...), so before the half-up step the value,
scaled to the published unit, is first rounded to 6 further decimals (fewer when the magnitude
would exceed float precision): float noise below 1e-6 of the last published digit never decides a
rounding, and any figure with up to decimals + 6 decimal digits is rounded exactly as
`Decimal(str(x)).quantize(..., ROUND_HALF_UP)` would (20 x 29 / 32 = 18.125 -> 18.13; 1.005 -> 1.01).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from chiso.frameworks import Band

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def round_half_up(values: FloatArray, decimals: int) -> FloatArray:
    """Round half up (away from zero) to `decimals`, immune to binary-float noise (see module doc).

    >>> round_half_up(np.array([18.125, 1.005, -2.345, 2.5]), 2).tolist()
    [18.13, 1.01, -2.35, 2.5]
    """
    scale = 10.0**decimals
    with np.errstate(invalid="ignore"):
        scaled = np.abs(values) * scale
        top = float(np.nanmax(scaled)) if scaled.size and not np.all(np.isnan(scaled)) else 0.0
    guard = 6 if top <= 0 else max(0, min(6, 15 - int(math.ceil(math.log10(top + 1.0)))))
    cleaned = np.round(scaled, guard)
    rounded = np.floor(cleaned + 0.5) / scale
    return np.where(values < 0, -rounded, rounded) + 0.0


def shared_ranks(values: FloatArray, keys: IntArray) -> FloatArray:
    """Rank values descending within each key; ties share a rank and the next is skipped (1, 2, 2, 4).

    NaN values get no rank (NaN). Values must already be the published (rounded) figures so that
    float noise never splits a tie.

    >>> shared_ranks(np.array([90.0, 80.0, 80.0, 70.0, 5.0]), np.array([0, 0, 0, 0, 1])).tolist()
    [1.0, 2.0, 2.0, 4.0, 1.0]
    """
    out = np.full(values.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(values))
    if valid.size == 0:
        return out
    v = values[valid]
    k = keys[valid]
    order = np.lexsort((-v, k))
    ks, vs = k[order], v[order]
    idx = np.arange(ks.size)
    new_key = np.ones(ks.size, dtype=bool)
    new_key[1:] = ks[1:] != ks[:-1]
    new_value = new_key.copy()
    new_value[1:] |= vs[1:] != vs[:-1]
    key_start = np.maximum.accumulate(np.where(new_key, idx, 0))
    run_start = np.maximum.accumulate(np.where(new_value, idx, 0))
    ranks = np.empty(ks.size)
    ranks[order] = (run_start - key_start + 1).astype(np.float64)
    out[valid] = ranks
    return out


def band_index(published: FloatArray, bands: list[Band], *, max_points: float, percent: bool) -> IntArray:
    """Return the index into `bands` of each published total (-1 where NaN or outside every band).

    A band covers [min, max); `min` None is open below, `max` None open above. Cut-offs are compared
    on the published figure: 80.00 is Tốt when Tốt starts at 80.
    """
    basis = published / max_points * 100.0 if percent else published
    out = np.full(published.shape, -1, dtype=np.int64)
    for i, band in enumerate(bands):
        low = -np.inf if band.min is None else band.min
        high = np.inf if band.max is None else band.max
        if percent:
            sel = (basis >= low - 1e-9) & (basis < high - 1e-9)
        else:
            sel = (basis >= low) & (basis < high)
        out[sel & (out < 0)] = i
    return out
