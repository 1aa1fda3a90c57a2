"""Properties of the plausibility rule and of the type checks, over generated histories and values."""

from __future__ import annotations

from statistics import fmean, pstdev

from hypothesis import given
from hypothesis import strategies as st

from chiso.indicators.plausibility import HISTORY_WINDOW, MIN_HISTORY, check_plausibility
from chiso.indicators.value_checks import check_value_type
from chiso.store.models.indicators import Indicator

numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
histories = st.lists(numbers, min_size=MIN_HISTORY, max_size=30)
limits = st.floats(min_value=0.5, max_value=6)


@given(histories, st.floats(min_value=-1, max_value=1), limits)
def test_a_value_inside_the_band_is_never_flagged(history: list[float], where: float, limit: float) -> None:
    recent = history[-HISTORY_WINDOW:]
    mean, sd = fmean(recent), pstdev(recent)
    assert check_plausibility(history, mean + where * limit * sd, limit=limit) is None


@given(histories, st.floats(min_value=1.01, max_value=50), st.sampled_from([-1, 1]), limits)
def test_a_value_beyond_the_band_is_flagged_with_its_band(
    history: list[float], beyond: float, side: int, limit: float
) -> None:
    recent = history[-HISTORY_WINDOW:]
    mean, sd = fmean(recent), pstdev(recent)
    step = max(limit * sd * beyond, 1.0)
    flag = check_plausibility(history, mean + side * (limit * sd + step), limit=limit)
    assert flag is not None
    assert flag.low <= flag.mean <= flag.high and flag.count == len(recent)
    assert not flag.low <= flag.value <= flag.high


@given(st.lists(numbers, max_size=MIN_HISTORY - 1), numbers, limits)
def test_too_short_a_history_flags_nothing(history: list[float], value: float, limit: float) -> None:
    assert check_plausibility(history, value, limit=limit) is None


@given(histories, numbers)
def test_no_limit_in_the_catalogue_flags_nothing(history: list[float], value: float) -> None:
    assert check_plausibility(history, value, limit=None) is None


@given(
    st.lists(numbers, max_size=10),
    st.lists(numbers, min_size=HISTORY_WINDOW, max_size=HISTORY_WINDOW),
    numbers,
)
def test_only_the_last_twelve_values_count(older: list[float], last: list[float], value: float) -> None:
    assert check_plausibility(older + last, value, limit=3) == check_plausibility(last, value, limit=3)


def _indicator(value_type: str, low: float | None = None, high: float | None = None) -> Indicator:
    return Indicator(code="VT_X", value_type=value_type, min_value=low, max_value=high)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_percent_is_within_0_and_100(value: float) -> None:
    problem = check_value_type(_indicator("percent"), value)
    assert (problem is None) == (0 <= value <= 100)


@given(st.floats(min_value=-1e9, max_value=1e9))
def test_a_count_is_whole_and_not_negative(value: float) -> None:
    problem = check_value_type(_indicator("count"), value)
    assert (problem is None) == (value >= 0 and value == int(value))


@given(numbers, numbers, numbers)
def test_min_and_max_bound_any_type(a: float, b: float, value: float) -> None:
    low, high = sorted((a, b))
    problem = check_value_type(_indicator("money", low, high), value)
    assert (problem is None) == (low <= value <= high)
    assert problem is None or problem.field == "value"
