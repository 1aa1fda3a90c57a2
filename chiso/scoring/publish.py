"""Publishing arithmetic: half-up rounding, shared ranks, bands; scoring layer, pure numpy.

How we round: scores keep full float precision inside the engine. A published figure is the value
rounded half up (away from zero) to the framework's decimals. Binary floats cannot hold most
decimals exactly (1.005 is stored as 1.00499999999999989...), so the half-up step adds a guard of
1e-6 of the last published digit: a value within a millionth of a digit below the half is taken as
the half (float noise is many orders of magnitude smaller for any score below 10^8). Any figure with
up to decimals + 5 decimal digits is therefore rounded exactly as
`Decimal(str(x)).quantize(..., ROUND_HALF_UP)` would (20 x 29 / 32 = 18.125 -> 18.13; 1.005 -> 1.01).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt

from chiso.frameworks import Band

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


GUARD = 1e-6


def round_half_up(values: FloatArray, decimals: int) -> FloatArray:
    """Round half up (away from zero) to `decimals`, immune to binary-float noise (see module doc).

    >>> round_half_up(np.array([18.125, 1.005, -2.345, 2.5, 0.1 + 0.2]), 2).tolist()
    [18.13, 1.01, -2.35, 2.5, 0.3]
    """
    scale = 10.0**decimals
    # The same operations as floor(|x| * scale + 0.5 + guard) / scale, negated below zero, done in
    # place: one output array instead of five full-size temporaries.
    rounded = np.abs(values)
    rounded *= scale
    rounded += 0.5 + GUARD
    np.floor(rounded, out=rounded)
    rounded /= scale
    np.negative(rounded, out=rounded, where=values < 0)
    rounded += 0.0
    return rounded


def round_like_javascript(values: FloatArray, decimals: int) -> FloatArray:
    """Round half up on the exact binary value, as JavaScript's ``toFixed`` does (the 766 portal).

    No guard: 6 x 93.25 / 100 is the double 5.59499999999999975..., so it becomes 5.59 (the
    guarded `round_half_up` gives 5.60); an exact tie such as 18.125 still goes up to 18.13.

    >>> round_like_javascript(np.array([93.25 * 6 / 100, 18.125, 2.0]), 2).tolist()
    [5.59, 18.13, 2.0]
    """
    scale = 10.0**decimals
    out = np.floor(np.abs(values) * scale + 0.5) / scale
    near = np.flatnonzero(np.abs(np.abs(values) * scale % 1.0 - 0.5) < 1e-6)
    for i in near:  # a near tie: decide on the exact binary value (a handful of cells at most)
        exact = Decimal(float(abs(values[i]))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
        out[i] = float(exact)
    out = np.where(values < 0, -out, out) + 0.0
    return np.where(np.isnan(values), np.nan, out)


def shared_ranks(values: FloatArray, keys: IntArray, *, decimals: int | None = None) -> FloatArray:
    """Rank values descending within each key; ties share a rank and the next is skipped (1, 2, 2, 4).

    NaN values get no rank (NaN). Values must already be the published (rounded) figures so that
    float noise never splits a tie; with `decimals` the figures are compared as exact integers of
    the last published digit (faster, one integer sort).

    >>> shared_ranks(np.array([90.0, 80.0, 80.0, 70.0, 5.0]), np.array([0, 0, 0, 0, 1])).tolist()
    [1.0, 2.0, 2.0, 4.0, 1.0]
    """
    out = np.full(values.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(values))
    if valid.size == 0:
        return out
    v = values[valid]
    k = keys[valid].astype(np.int64)
    order: npt.NDArray[np.intp] | None = None
    if decimals is not None:
        ints = np.rint(v * 10.0**decimals)
        low, high = float(ints.min()), float(ints.max())
        span = high - low + 1.0
        bins = span * (float(k.max()) + 1.0)
        if bins <= max(4.0 * v.size, 65536.0) and int(k.min()) >= 0:
            # Counting instead of sorting (linear time): a rank is 1 + how many figures of the same key
            # are strictly higher, read from the running count of (key, descending figure) cells.
            cell = k * np.int64(span) + (high - ints).astype(np.int64)
            before = np.cumsum(np.bincount(cell, minlength=int(bins)))
            before = np.r_[0, before[:-1]]
            out[valid] = (before[cell] - before[k * np.int64(span)] + 1).astype(np.float64)
            return out
        if bins < 2.0**62:
            composite = k * np.int64(span) + (high - ints).astype(np.int64)
            order = np.argsort(composite)  # ties are equal keys: their order never matters
            v = -ints  # compare the exact integers below
    if order is None:
        order = np.lexsort((-v, k))
        v = -v
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
