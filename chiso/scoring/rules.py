"""Leaf scoring rules: small plain functions over whole columns, in a registry; scoring layer, no I/O.

Each rule takes a 1-D float array of values (one per agency x period; NaN = missing) and keyword-only
`params` and `context`, and returns an array of points of the same length, NaN exactly where the value
was NaN. The pipeline checks that contract after every call and fills missing values afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from chiso.errors import ScoringError
from chiso.frameworks import rules as p
from chiso.scoring.publish import round_half_up, round_like_javascript

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LeafContext:
    """What a rule may know besides the values: the leaf's max and each row's peer group (x period)."""

    max_points: float
    group_ids: IntArray


RuleFn = Callable[..., FloatArray]
RULES: dict[str, RuleFn] = {}


def register(key: str) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function under its key (the `type` used in framework YAML)."""

    def _wrap(fn: RuleFn) -> RuleFn:
        RULES[key] = fn
        return fn

    return _wrap


@register("yes_no")
def yes_no(value: FloatArray, *, params: p.YesNoParams, context: LeafContext) -> FloatArray:
    """Return max for 1 (yes) and 0 for 0 (no).

    >>> yes_no(np.array([1.0, 0.0]), params=p.YesNoParams(), context=LeafContext(4.0, np.zeros(2, np.int64)))
    array([4., 0.])
    """
    return np.where(value >= 0.5, context.max_points, 0.0) + value * 0.0


@register("capped_linear")
def capped_linear(value: FloatArray, *, params: p.CappedLinearParams, context: LeafContext) -> FloatArray:
    """Return max x min(1, value / target): full marks from the target up.

    >>> capped_linear(np.array([0.4, 0.8, 0.9]), params=p.CappedLinearParams(target=0.8),
    ...               context=LeafContext(4.0, np.zeros(3, np.int64)))
    array([2., 4., 4.])
    """
    return context.max_points * np.minimum(1.0, value / params.target)


@register("step_bands")
def step_bands(value: FloatArray, *, params: p.StepBandsParams, context: LeafContext) -> FloatArray:
    """Return the points of the highest step whose `min` the value reaches (0 below the first step).

    >>> step_bands(np.array([0.0, 1.0, 7.0, 30.0]),
    ...            params=p.StepBandsParams(steps=[{"min": 1, "points": 2}, {"min": 6, "points": 4}]),
    ...            context=LeafContext(5.0, np.zeros(4, np.int64)))
    array([0., 2., 4., 4.])
    """
    mins = np.array([s.min for s in params.steps], dtype=np.float64)
    points = np.array([0.0] + [s.points for s in params.steps], dtype=np.float64)
    index = np.searchsorted(mins, np.nan_to_num(value, nan=-np.inf), side="right")
    return points[index] + value * 0.0


@register("ratio")
def ratio(value: FloatArray, *, params: p.RatioParams, context: LeafContext) -> FloatArray:
    """Return max x min(1, ratio / target); the ratio is numerator / denominator, computed beforehand.

    >>> ratio(np.array([29 / 32]), params=p.RatioParams(), context=LeafContext(20.0, np.zeros(1, np.int64)))
    array([18.125])

    With ``rounding: portal`` the percentage is rounded first and the points as JavaScript's toFixed(2):

    >>> ratio(np.array([0.9325]), params=p.RatioParams(rounding="portal"),
    ...       context=LeafContext(6.0, np.zeros(1, np.int64)))
    array([5.59])
    """
    if params.rounding == "portal":
        percent = round_half_up(100.0 * value, 2)
        points = np.minimum(context.max_points, percent * context.max_points / (params.target * 100.0))
        return round_like_javascript(points, 2)
    return context.max_points * np.minimum(1.0, value / params.target)


@register("fraction")
def fraction(value: FloatArray, *, params: p.FractionParams, context: LeafContext) -> FloatArray:
    """Return value x max for a value on the 0-1 scale.

    >>> fraction(np.array([0.5]), params=p.FractionParams(),
    ...          context=LeafContext(200.0, np.zeros(1, np.int64)))
    array([100.])
    """
    return value * context.max_points


@register("assessor")
def assessor(value: FloatArray, *, params: p.AssessorParams, context: LeafContext) -> FloatArray:
    """Return the assessor's points as given (checked to lie in 0..max before scoring)."""
    return value.astype(np.float64, copy=True)


@register("bonus_penalty")
def bonus_penalty(value: FloatArray, *, params: p.BonusPenaltyParams, context: LeafContext) -> FloatArray:
    """Return the bonus (positive) or penalty (negative) points as given, within [min_points, max]."""
    return value.astype(np.float64, copy=True)


@register("monitoring")
def monitoring(value: FloatArray, *, params: p.MonitoringParams, context: LeafContext) -> FloatArray:
    """Return 0 everywhere a value exists: the node is shown but not scored."""
    return value * 0.0


def _group_extreme(x: FloatArray, group_ids: IntArray, *, lowest: bool) -> FloatArray:
    """Return, for every row, the min (or max) of the non-NaN values of its group (NaN if none)."""
    order = np.argsort(group_ids, kind="stable")
    sorted_ids = group_ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    reduce = np.fmin if lowest else np.fmax
    per_group = reduce.reduceat(x[order], starts)
    lengths = np.diff(np.r_[starts, sorted_ids.size])
    out = np.empty_like(x)
    out[order] = np.repeat(per_group, lengths)
    return out


@register("minmax")
def minmax(value: FloatArray, *, params: p.MinMaxParams, context: LeafContext) -> FloatArray:
    """Return max x (value - group min) / (group max - group min) within each peer group and period.

    A group whose values are all equal scores `constant` (full, half or zero). Lower-is-better
    indicators are flipped by the pipeline's direction flag (`higher_is_better: false`).

    >>> minmax(np.array([1.0, 2.0, 3.0]), params=p.MinMaxParams(),
    ...        context=LeafContext(10.0, np.zeros(3, np.int64)))
    array([ 0.,  5., 10.])
    """
    x = value if params.higher_is_better else -value
    low = _group_extreme(x, context.group_ids, lowest=True)
    high = _group_extreme(x, context.group_ids, lowest=False)
    spread = high - low
    constant = {"full": 1.0, "half": 0.5, "zero": 0.0}[params.constant]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(spread > 0, (x - low) / np.where(spread > 0, spread, 1.0), constant)
    return context.max_points * share + value * 0.0


@register("percentile")
def percentile(value: FloatArray, *, params: p.PercentileParams, context: LeafContext) -> FloatArray:
    """Return max x (rank - 1) / (n - 1) within each peer group and period (ties averaged; n = 1 scores max).

    >>> percentile(np.array([5.0, 1.0, 3.0]), params=p.PercentileParams(),
    ...            context=LeafContext(10.0, np.zeros(3, np.int64)))
    array([10.,  0.,  5.])
    """
    x = value if params.higher_is_better else -value
    n = x.size
    out = np.full(n, np.nan)
    if n == 0:
        return out
    order = np.lexsort((x, context.group_ids))  # by group, then value; NaN last within a group
    xs, gs = x[order], context.group_ids[order]
    idx = np.arange(n)
    new_group = np.r_[True, gs[1:] != gs[:-1]]
    group_start = np.maximum.accumulate(np.where(new_group, idx, 0))
    valid = ~np.isnan(xs)
    group_no = np.cumsum(new_group) - 1
    counts = np.bincount(group_no, weights=valid.astype(np.float64))[group_no]
    new_run = new_group | np.r_[True, xs[1:] != xs[:-1]]
    run_no = np.cumsum(new_run) - 1
    run_first = idx[new_run]
    run_last = np.r_[run_first[1:] - 1, n - 1]
    rank = (run_first[run_no] + run_last[run_no]) / 2.0 - group_start + 1.0  # average rank of ties
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(counts > 1, (rank - 1.0) / (counts - 1.0), 1.0)
    out[order] = np.where(valid, context.max_points * share, np.nan)
    return out


def apply_rule(
    params: p.RuleParams, value: FloatArray, *, context: LeafContext, indicator_code: str
) -> FloatArray:
    """Run the registered rule for `params.type` and check its contract.

    Raises:
        ScoringError: unknown rule, or the function returned the wrong length or NaN where a value existed.
    """
    fn = RULES.get(params.type)
    if fn is None:
        raise ScoringError(
            f"Quy tắc '{params.type}' của {indicator_code} chưa được cài đặt",
            f"Rule '{params.type}' of {indicator_code} has no implementation",
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        out: Any = fn(value, params=params, context=context)
    points = np.asarray(out, dtype=np.float64)
    bad = points.shape != value.shape or bool(np.any(np.isnan(points) != np.isnan(value)))
    if bad:
        raise ScoringError(
            f"Quy tắc '{params.type}' trả kết quả sai cho {indicator_code} (độ dài hoặc NaN)",
            f"Rule '{params.type}' broke its contract for {indicator_code} (length or NaN where a value was)",
        )
    return points
