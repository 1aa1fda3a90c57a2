"""The counting paths of ranks and group medians agree with the sorting paths they replace."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.scoring.publish import round_half_up, shared_ranks
from chiso.scoring.result import _segment_medians

cells = st.lists(
    st.tuples(st.integers(0, 5), st.one_of(st.none(), st.floats(-60, 60), st.sampled_from([0.0, 7.5]))),
    min_size=1,
    max_size=60,
)


@settings(max_examples=80, deadline=None)
@given(cells, st.integers(0, 3))
def test_counted_ranks_equal_sorted_ranks(data: list[tuple[int, float | None]], decimals: int) -> None:
    keys = np.array([k for k, _ in data], dtype=np.int64)
    values = round_half_up(np.array([np.nan if v is None else v for _, v in data]), decimals)
    counted = shared_ranks(values, keys, decimals=decimals)
    sorted_ = shared_ranks(values, keys)
    np.testing.assert_array_equal(counted, sorted_)


@settings(max_examples=80, deadline=None)
@given(cells, st.integers(0, 3), st.booleans())
def test_counted_medians_equal_sorted_medians(
    data: list[tuple[int, float | None]], decimals: int, off_grid: bool
) -> None:
    keys = np.array(sorted(k for k, _ in data), dtype=np.int64)
    values = round_half_up(np.array([np.nan if v is None else v for _, v in data]), decimals)
    if off_grid:  # a figure off the published grid (a hand-made previous table) must fall back to sorting
        values = values + 10.0 ** -(decimals + 2)
    block = np.column_stack([values, values[::-1]])
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    count = np.add.reduceat(~np.isnan(block), starts, axis=0)
    counted = _segment_medians(block, starts, count, decimals)
    sorted_ = _segment_medians(block, starts, count)
    np.testing.assert_array_equal(counted, sorted_)
    for s, key in enumerate(np.unique(keys)):
        for col in range(2):
            part = block[keys == key, col]
            part = part[~np.isnan(part)]
            expected = np.median(part) if part.size else np.nan
            np.testing.assert_array_equal(counted[s, col], expected)
