"""The columnar form of a live-score snapshot: lossless to the hundredth, null kept null, compact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.errors import InvalidInput
from chiso.monitoring.history import METRICS, Snapshot, pack_codes, pack_values, unpack_codes, unpack_values

figure = st.one_of(st.none(), st.integers(min_value=-10_000_00, max_value=10_000_00).map(lambda c: c / 100))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(figure, min_size=3, max_size=3), min_size=0, max_size=40))
def test_values_round_trip_to_the_hundredth_with_nulls(columns: list[list[float | None]]) -> None:
    matrix = (
        np.array([[np.nan if v is None else v for v in col] for col in columns], dtype=float).reshape(-1, 3).T
    )
    back = unpack_values(pack_values(matrix), metrics=3, agencies=matrix.shape[1])
    assert np.array_equal(np.isnan(back), np.isnan(matrix))
    assert np.allclose(np.nan_to_num(back), np.nan_to_num(matrix), atol=0.005)


@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"),
            min_size=1,
            max_size=20,
        ),
        max_size=30,
    )
)
def test_codes_round_trip(codes: list[str]) -> None:
    assert unpack_codes(pack_codes(codes)) == tuple(codes)


def test_a_code_with_a_line_break_or_a_huge_value_is_refused() -> None:
    with pytest.raises(InvalidInput):
        pack_codes(["A\nB"])
    with pytest.raises(InvalidInput):
        pack_values(np.array([[3e7]]))


def test_a_day_of_4300_agencies_fits_the_yearly_budget() -> None:
    """<= 50 MB a year for 4,300 agencies means <= 137 KB a day, even for random (incompressible) figures."""
    rng = np.random.default_rng(7)
    n = 4300
    totals = np.round(rng.uniform(40, 100, n), 2)
    groups = np.round(rng.uniform(0, 1, (6, n)) * np.array([[18], [20], [12], [22], [18], [10]]), 2)
    matrix = np.vstack([totals, groups, rng.integers(1, 400, n), rng.integers(0, 3000, n)]).astype(float)
    matrix[:, rng.choice(n, 300, replace=False)] = np.nan  # no data
    size = len(pack_values(matrix)) + len(pack_codes([f"48.{i:05d}" for i in range(n)]))
    assert matrix.shape[0] == len(METRICS) and size * 365 < 50 * 1024 * 1024


def test_one_agency_s_figures_by_metric() -> None:
    snap = Snapshot(("A", "B"), ("TOTAL", "RANK"), np.array([[81.5, np.nan], [1, np.nan]]))
    assert snap.of("A") == {"TOTAL": 81.5, "RANK": 1.0}
    assert snap.of("B") == {"TOTAL": None, "RANK": None} == snap.of("Z")
