"""The 766 portal's rounding pipeline for ratio leaves (`rounding: portal`, METHODOLOGY §1 payment).

The percentage is rounded half up to 2 decimals first, then percentage x max / (target x 100) is
computed in binary floating point and rounded half up on its exact binary value (JavaScript's
toFixed(2)): 6 x 93.25 / 100 = 5.595 is the double 5.59499999..., published 5.59.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiso.frameworks.rules import RatioParams
from chiso.scoring.publish import round_half_up, round_like_javascript
from chiso.scoring.rules import LeafContext, ratio


def _points(value: float, top: float, **params: object) -> float:
    context = LeafContext(top, np.zeros(1, np.int64))
    return float(ratio(np.array([value]), params=RatioParams(**params), context=context)[0])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("num", "den", "top", "target", "expected"),
    [
        (373, 400, 6.0, 1.0, 5.59),  # 93.25% -> 6 x 93.25 / 100 = 5.595 (binary below) -> 5.59
        (29, 32, 20.0, 1.0, 18.13),  # 90.625% -> 90.63% -> 18.126 -> 18.13
        (373, 400, 2.0, 0.8, 2.0),  # min(2, 2 x 93.25 / 80)
        (1, 2, 2.0, 0.8, 1.25),
        (1, 3, 2.0, 0.8, 0.83),  # 33.33% -> 2 x 33.33 / 80 = 0.83325 -> 0.83
        (0, 5, 6.0, 1.0, 0.0),
    ],
)
def test_portal_pipeline(num: int, den: int, top: float, target: float, expected: float) -> None:
    assert _points(num / den, top, target=target, rounding="portal") == expected


def test_the_guarded_half_up_would_publish_5_60() -> None:
    assert _points(373 / 400, 6.0) == pytest.approx(5.595)
    assert round_half_up(np.array([6 * 93.25 / 100]), 2)[0] == 5.6
    assert round_like_javascript(np.array([6 * 93.25 / 100]), 2)[0] == 5.59


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_portal_points_are_on_the_published_grid_and_capped(num: int, den: int) -> None:
    points = _points(min(num, den) / den, 2.0, target=0.8, rounding="portal")
    assert 0.0 <= points <= 2.0
    assert round(points * 100) == pytest.approx(points * 100, abs=1e-9)


def test_null_stays_null() -> None:
    assert np.isnan(_points(float("nan"), 6.0, rounding="portal"))
