"""The framework tree flattened for the engine, leaf scoring with missing-value policies, aggregation.

Scoring layer: pure numpy/pandas over all agencies and periods at once; the only Python loops are
over framework nodes and over periods (for policies that carry a previous period), never over agencies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from chiso.frameworks import TOTAL, Framework, Node, node_max, node_min
from chiso.frameworks.rules import RatioParams
from chiso.frameworks.schema import fills_null
from chiso.scoring.inputs import Inputs
from chiso.scoring.publish import round_half_up
from chiso.scoring.rules import LeafContext, apply_rule

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]

# Notes kept for every agency x leaf, shown in explanations.
NOTE_SCORED = 0
NOTE_MONITORING = 21
NOTE_NOT_APPLICABLE = 20
NOTE_ABSENT = 30
_FILL_CODE = {
    "zero": 1,
    "full": 2,
    "exclude": 3,
    "group_mean": 4,
    "group_median": 5,
    "last_period": 6,
    "prior_average": 7,
    "null_excluded": 9,
}
_NO_HISTORY = 8
_ZERO_DEN = 10
#: Notes of leaves published as null and left out of their parent's sum without rescaling.
NULL_NOTES = (_FILL_CODE["null_excluded"], _FILL_CODE["null_excluded"] + _ZERO_DEN)
NOTES: dict[int, str] = {
    NOTE_SCORED: "scored",
    NOTE_MONITORING: "monitoring only (0 points)",
    NOTE_NOT_APPLICABLE: "not applicable to this agency kind: excluded, parent rescaled",
    NOTE_ABSENT: "absent",
}
_FILL_TEXT = {
    "exclude": "excluded, parent rescaled",
    "null_excluded": "null, left out of the parent's sum (parent keeps its max)",
}
for _name, _code in _FILL_CODE.items():
    _text = _FILL_TEXT.get(_name, _name.replace("_", " "))
    NOTES[_code] = f"missing value: {_text}"
    NOTES[_code + _ZERO_DEN] = f"zero denominator: {_text}"
NOTES[_NO_HISTORY] = "missing value: no earlier period, scored 0"
NOTES[_NO_HISTORY + _ZERO_DEN] = "zero denominator: no earlier period, scored 0"


@dataclass(frozen=True)
class Plan:
    """The node tree in pre-order (TOTAL first) with what aggregation needs per node."""

    nodes: list[Node]
    codes: list[str]
    children: list[list[int]]
    depth: list[int]
    max_points: FloatArray
    min_points: FloatArray
    leaf_of_node: list[int]
    node_of_leaf: list[int]
    kinds: list[tuple[str, ...] | None]  # combined with ancestors; None = all kinds
    adjustment: list[bool]  # bonus/penalty leaves and nodes made only of them: added, never rescaled
    decimals: int  # of published figures (rounded_sum parents round their children to it)
    null_leaves: list[int]  # leaves that may be published as null (policy null_excluded)


def build_plan(framework: Framework) -> Plan:
    """Flatten the framework tree (TOTAL first, pre-order) for the engine."""
    nodes: list[Node] = []
    children: list[list[int]] = []
    depth: list[int] = []
    kinds: list[tuple[str, ...] | None] = []

    def visit(node: Node, level: int, allowed: tuple[str, ...] | None) -> int:
        here = allowed
        if node.agency_kinds:
            here = tuple(k for k in node.agency_kinds if allowed is None or k in allowed)
        index = len(nodes)
        nodes.append(node)
        children.append([])
        depth.append(level)
        kinds.append(here)
        for child in node.children:
            children[index].append(visit(child, level + 1, here))
        return index

    visit(framework.root(), 0, None)
    adjustment = [False] * len(nodes)
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        if node.is_leaf:
            adjustment[i] = node.is_adjustment
        else:
            adjustment[i] = node.code != TOTAL and all(adjustment[c] for c in children[i])
    leaf_of_node: list[int] = []
    node_of_leaf: list[int] = []
    for i, node in enumerate(nodes):
        if node.is_leaf and node.code != TOTAL:
            leaf_of_node.append(len(node_of_leaf))
            node_of_leaf.append(i)
        else:
            leaf_of_node.append(-1)
    return Plan(
        nodes=nodes,
        codes=[n.code for n in nodes],
        children=children,
        depth=depth,
        max_points=np.array([node_max(n) for n in nodes], dtype=np.float64),
        min_points=np.array([node_min(n) for n in nodes], dtype=np.float64),
        leaf_of_node=leaf_of_node,
        node_of_leaf=node_of_leaf,
        kinds=kinds,
        adjustment=adjustment,
        decimals=framework.decimals,
        null_leaves=[li for li, ni in enumerate(node_of_leaf) if fills_null(nodes[ni])],
    )


def regular_children(plan: Plan, node_index: int) -> list[int]:
    """The children that carry a weight in their parent: not bonus/penalty, max above 0."""
    return [c for c in plan.children[node_index] if not plan.adjustment[c] and plan.max_points[c] > 0]


def null_nodes(plan: Plan, notes: Int8Array, points: FloatArray, applies: BoolArray) -> BoolArray:
    """Which nodes are null (rows x nodes): leaves published null, and parents with no points whose
    regular children include a null (see `aggregate`)."""
    null = np.zeros(points.shape, dtype=bool)
    for li, ni in enumerate(plan.node_of_leaf):
        null[:, ni] = np.isin(notes[:, li], NULL_NOTES)
    for n in range(len(plan.nodes) - 1, -1, -1):
        kids = regular_children(plan, n)
        if plan.leaf_of_node[n] < 0 and kids:
            null[:, n] = np.isnan(points[:, n]) & applies[:, n] & null[:, kids].any(axis=1)
    return null


def applicable_rows(plan: Plan, inputs: Inputs, node_index: int) -> BoolArray:
    """Return, per row, whether the node applies to the agency's kind (unknown kinds: applies)."""
    allowed = plan.kinds[node_index]
    n_p = len(inputs.periods)
    if allowed is None:
        return np.ones(inputs.n_rows, dtype=bool)
    per_agency = np.array([k is None or k in allowed for k in inputs.kind_of_agency], dtype=bool)
    return np.tile(per_agency, n_p)


def _group_fill(points: FloatArray, scored: BoolArray, gid: IntArray, how: str) -> FloatArray:
    series = pd.Series(np.where(scored, points, np.nan))
    stat = series.groupby(gid).transform("mean" if how == "group_mean" else "median")
    return np.asarray(stat, dtype=np.float64)


def score_leaves(
    plan: Plan,
    inputs: Inputs,
    *,
    gid: IntArray,
    prior_leaf: FloatArray | None,
) -> tuple[FloatArray, Int8Array]:
    """Score every leaf for every agency and period and fill missing values by each leaf's policy.

    Args:
        plan: the flattened framework.
        inputs: the dense values.
        gid: per row, the peer group x period id (for group statistics and normalisation).
        prior_leaf: (A, L) leaf points of the period before the first one (matched to this run's
            agencies), or None.

    Returns:
        Points (R, L) with NaN for excluded leaves, and a note code per cell (see NOTES).
    """
    n_rows, n_leaves = inputs.value.shape
    n_a, n_p = len(inputs.agencies), len(inputs.periods)
    points = np.full((n_rows, n_leaves), np.nan)
    notes = np.full((n_rows, n_leaves), NOTE_ABSENT, dtype=np.int8)
    present = inputs.present
    for li, ni in enumerate(plan.node_of_leaf):
        node = plan.nodes[ni]
        rule = node.rule
        assert rule is not None
        value = inputs.value[:, li]
        pts = apply_rule(
            rule, value, context=LeafContext(float(plan.max_points[ni]), gid), indicator_code=node.code
        )
        note = np.where(present, NOTE_SCORED, NOTE_ABSENT).astype(np.int8)
        applies = applicable_rows(plan, inputs, ni)
        if rule.type == "monitoring":
            pts = np.where(present & applies, 0.0, np.nan)
            note[present] = NOTE_MONITORING
        else:
            has_value = ~np.isnan(value)
            zero_den = np.zeros(n_rows, dtype=bool)
            zd_policy = "zero"
            if isinstance(rule, RatioParams):
                den = inputs.denominator[:, li]
                zero_den = present & ~np.isnan(den) & (den == 0)
                zd_policy = "last_period" if rule.zero_denominator == "previous" else rule.zero_denominator
            missing = present & ~has_value & ~zero_den
            scored = present & has_value
            deferred: list[tuple[BoolArray, str, int]] = []
            for mask, policy, offset in ((missing, node.missing, 0), (zero_den, zd_policy, _ZERO_DEN)):
                if not mask.any():
                    continue
                note[mask] = _FILL_CODE[policy] + offset
                if policy == "zero":
                    pts[mask] = 0.0
                elif policy == "full":
                    pts[mask] = plan.max_points[ni]
                elif policy in ("exclude", "null_excluded"):
                    pts[mask] = np.nan
                elif policy in ("group_mean", "group_median"):
                    stat = _group_fill(pts, scored, gid, policy)
                    pts[mask] = stat[mask]
                    empty = mask & np.isnan(pts)
                    pts[empty] = 0.0
                    note[empty] = _NO_HISTORY + offset
                else:
                    deferred.append((mask, policy, offset))
            if deferred:
                _fill_history(
                    pts,
                    note,
                    deferred,
                    n_a=n_a,
                    n_p=n_p,
                    present=present,
                    prior=None if prior_leaf is None else prior_leaf[:, li],
                )
            not_applicable = present & ~applies
            pts[not_applicable] = np.nan
            note[not_applicable] = NOTE_NOT_APPLICABLE
        points[:, li] = pts
        notes[:, li] = note
    return points, notes


def _fill_history(
    pts: FloatArray,
    note: Int8Array,
    deferred: list[tuple[BoolArray, str, int]],
    *,
    n_a: int,
    n_p: int,
    present: BoolArray,
    prior: FloatArray | None,
) -> None:
    """Fill `last_period` / `prior_average` cells period by period (the loop is over periods only)."""
    grid = pts.reshape(n_p, n_a)
    seen = present.reshape(n_p, n_a)
    last = np.full(n_a, np.nan) if prior is None else prior.copy()
    total = np.where(np.isnan(last), 0.0, last)
    count = (~np.isnan(last)).astype(np.float64)
    for p in range(n_p):
        row = slice(p * n_a, (p + 1) * n_a)
        for mask, policy, offset in deferred:
            need = mask[row]
            if not need.any():
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                source = last if policy == "last_period" else np.where(count > 0, total / count, np.nan)
            fill = np.where(need, source, grid[p])
            grid[p] = fill
            none = need & np.isnan(fill)
            grid[p][none] = 0.0
            block = note[row]
            block[none] = _NO_HISTORY + offset
        here = seen[p] & ~np.isnan(grid[p])
        last = np.where(seen[p], grid[p], last)
        total = total + np.where(here, grid[p], 0.0)
        count = count + here


def aggregate(
    plan: Plan, inputs: Inputs, leaf_points: FloatArray, *, null: BoolArray | None = None
) -> FloatArray:
    """Aggregate leaf points up the tree into points for every node (R, K); NaN = excluded or null.

    sum: the children's points added; when some are excluded the rest are rescaled so the node keeps
    its max (bonus/penalty children are added and never rescaled). rounded_sum: the same over the
    children's points rounded half up to the published decimals. Null children (`null` cells, policy
    null_excluded) add nothing and are not rescaled away: the node keeps its full max; a node whose
    children are all null or excluded, at least one null, is null itself. weighted_mean and
    geometric_mean combine the children's shares of their max, weighted, times the node's max.
    `clip` bounds the result.
    """
    n_rows = leaf_points.shape[0]
    k = len(plan.nodes)
    points = np.empty((n_rows, k))
    points[:, plan.node_of_leaf] = leaf_points  # one pass over the rows for every leaf column
    nulls = None
    if null is not None and null.any():
        nulls = np.zeros((n_rows, k), dtype=bool)
        nulls[:, plan.node_of_leaf] = null
    for ni in range(k - 1, -1, -1):
        if plan.leaf_of_node[ni] >= 0:
            continue
        node = plan.nodes[ni]
        kids = plan.children[ni]
        regular = regular_children(plan, ni)
        adjust = [c for c in kids if plan.adjustment[c]]
        rounded = node.aggregation == "rounded_sum"
        x = points[:, regular]
        if rounded:
            x = round_half_up(x, plan.decimals)
        kid_nulls = None if nulls is None else nulls[:, regular]
        value = _combine(node, x, plan.max_points[regular], regular, plan, n_rows, kid_nulls)
        if adjust:
            extra = points[:, adjust]
            value = value + np.nansum(round_half_up(extra, plan.decimals) if rounded else extra, axis=1)
        if node.clip:
            value = np.clip(value, plan.min_points[ni], plan.max_points[ni])
        excluded = ~applicable_rows(plan, inputs, ni) | ~inputs.present
        value[excluded] = np.nan
        points[:, ni] = value
        if kid_nulls is not None and nulls is not None:
            nulls[:, ni] = np.isnan(value) & kid_nulls.any(axis=1) & ~excluded
    return points


def _combine(
    node: Node,
    x: FloatArray,
    mx: FloatArray,
    regular: list[int],
    plan: Plan,
    n_rows: int,
    nulls: BoolArray | None = None,
) -> FloatArray:
    if not regular:
        return np.zeros(n_rows)
    present = ~np.isnan(x)
    anything = present.any(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if node.aggregation in ("sum", "rounded_sum"):
            kept = present if nulls is None else present | nulls
            got = np.nansum(x, axis=1)
            share = np.where(kept, mx, 0.0).sum(axis=1)
            value = np.where(kept.all(axis=1), got, got * float(mx.sum()) / share)
        else:
            scale = float(node_max(node))
            weights = np.array([plan.nodes[c].weight for c in regular], dtype=np.float64)
            norm = x / mx
            wsum = np.where(present, weights, 0.0).sum(axis=1)
            if node.aggregation == "weighted_mean":
                value = scale * np.nansum(norm * weights, axis=1) / wsum
            else:
                logs = np.where(present, np.log(np.maximum(norm, 0.0)) * weights, 0.0)
                value = scale * np.exp(np.sum(logs, axis=1) / wsum)
    return np.where(anything, value, np.nan)
