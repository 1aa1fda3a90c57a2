"""Improvement planner: the least-effort criterion improvements that reach a goal; scoring layer.

Pure numpy + scipy. Goals: `next-band`, `top:N` (rank N or better in the group) and `total:X` (a
published total of at least X), each turned into "published total >= T" with the peers unchanged.
An improvement is a change of the criterion's input in the units the agency controls: for a ratio
criterion given as numerator / denominator, more of the numerator (e.g. 30 more dossiers finished on
time); for a rate, the rate; for an assessor's criterion, points. It is bounded by the criterion's
maximum and by a plausible step per year, and costs `effort x change / full range of the input`.

The plan is a mixed integer program solved exactly (scipy.optimize.milp, i.e. HiGHS, zero gap):
minimise the total effort (objective `effort`), or the number of criteria touched and then the
effort (objective `count`). Leaf rules are concave (ratio, capped_linear, fraction, assessor: upper
bounds) or steps (yes_no, step_bands: binaries); sums and weighted means are linear and a rounded
sum rounds with integers, so the program is the engine's arithmetic. Every plan is then checked with
the what-if calculator (the engine). Not planned: criteria relative to the group (minmax,
percentile), bonus and penalty points, cells without data, anything under a geometric mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from chiso.errors import ScoringError
from chiso.frameworks import Node, node_max
from chiso.frameworks.rules import RatioParams, StepBandsParams
from chiso.scoring.pipeline import Run
from chiso.scoring.program import Program
from chiso.scoring.publish import GUARD, band_index, round_half_up
from chiso.scoring.tree import NOTE_SCORED, Plan, applicable_rows, null_nodes, regular_children
from chiso.scoring.whatif import CriterionChange, Standing, WhatIfResult, what_if

FloatArray = npt.NDArray[np.float64]
_PLANNED = ("ratio", "capped_linear", "fraction", "assessor", "yes_no", "step_bands")


@dataclass(frozen=True)
class Improvement:
    """One criterion's change: input from `current` to `target` (`unit`), points and effort."""

    indicator_code: str
    unit: Literal["count", "rate", "points", "yes_no", "value"]
    current: float
    target: float
    denominator: float | None
    points_before: float
    points_after: float
    effort: float

    @property
    def change(self) -> float:
        return self.target - self.current

    @property
    def points_gained(self) -> float:
        return self.points_after - self.points_before

    @property
    def points_per_effort(self) -> float:
        return self.points_gained / self.effort if self.effort > 0 else float("inf")


@dataclass
class PlanResult:
    """The plan for one agency and goal.

    Attributes:
        target: the published total the goal needs (None when the goal needs nothing, e.g. top band).
        reachable: whether the improvements allowed can reach it.
        improvements: the changes, ranked by points gained per unit of effort.
        before, after: the standing now and with the improvements (after = before when unreachable).
        best_total: the published total with every allowed improvement at its bound (when unreachable).
    """

    agency_code: str
    period: str
    group: str
    goal: str
    target: float | None
    reachable: bool
    improvements: list[Improvement]
    total_effort: float
    before: Standing
    after: Standing
    solver: str = "highs (scipy.optimize.milp)"
    best_total: float | None = None
    message_vi: str = ""
    message_en: str = ""


@dataclass
class _Lever:
    """A criterion the agency can improve: its input now, bounds, unit, and how points follow."""

    leaf: int
    code: str
    unit: Literal["count", "rate", "points", "yes_no", "value"]
    current: float
    upper: float
    span: float
    integer: bool
    denominator: float | None
    effort: float


def plan_improvements(
    run: Run,
    agency_code: str,
    goal: str,
    *,
    period: str | None = None,
    effort: Mapping[str, float] | None = None,
    step: Mapping[str, float] | None = None,
    criteria: Sequence[str] | None = None,
    objective: Literal["effort", "count"] = "effort",
) -> PlanResult:
    """Find the least-effort improvements of one agency's criteria that reach a goal.

    Args:
        run: the engine's run of the ranking (peers stay as they are).
        agency_code: the agency.
        goal: `next-band`, `top:N` or `total:X`.
        period: the period (default: the latest).
        effort: criterion code -> effort of moving its input over its whole range (default 1).
        step: criterion code -> the most its input can move in a year, in its own units (a count of
            the numerator, a rate, points); default: up to the criterion's maximum.
        criteria: the criteria the agency may improve (default: every one that can be planned).
        objective: `effort` (least total effort; equal-effort plans are the solver's pick) or `count`
            (fewest criteria, then least effort).

    Returns:
        The PlanResult, checked with the what-if calculator.

    Raises:
        ScoringError: unknown agency, period, criterion or goal, or a framework the planner cannot
            model (a criterion to improve under a geometric mean).
    """
    start = what_if(run, agency_code, {}, period=period)
    target = _goal_target(run, start, goal)
    base = PlanResult(
        start.agency_code, start.period, start.group, goal, target, True, [], 0.0, start.before, start.before
    )
    if target is None or (start.before.published is not None and start.before.published >= target):
        return base
    levers = _levers(run, start, effort or {}, step or {}, criteria)
    solution = None
    for attempt in range(3):  # tighten by a hair if the solver's tolerance lands a plan just short
        solution = _solve(
            run, start, levers, target + attempt * 1e-4 / 10.0**run.framework.decimals, objective
        )
        if solution is None:
            break
        result = what_if(run, agency_code, _changes(levers, solution), period=period)
        if result.after.published is not None and result.after.published >= target:
            return _result(base, levers, solution, start, result)
    best = what_if(run, agency_code, _changes(levers, {lv.leaf: lv.upper for lv in levers}), period=period)
    base.reachable = False
    base.best_total = best.after.published
    base.message_vi = (
        f"Không đạt được {target:g} điểm: cải thiện tối đa cho phép chỉ đạt {best.after.published}"
    )
    base.message_en = (
        f"{target:g} points cannot be reached: every allowed improvement gives {best.after.published}"
    )
    return base


def _goal_target(run: Run, start: WhatIfResult, goal: str) -> float | None:
    """The published total a goal needs, on the published grid."""
    framework = run.framework
    scale = 10.0**framework.decimals
    name, _, argument = goal.partition(":")
    before = start.before
    try:
        if name == "total" and argument:
            return float(np.ceil(float(argument) * scale - 1e-9) / scale)
        if name == "top" and argument:
            return _top_target(run, start, int(argument))
    except ValueError:
        pass
    if name == "next-band" and not argument:
        if not framework.bands:
            raise ScoringError("Khung chỉ số không có xếp loại", "The framework has no bands")
        top = float(run.plan.max_points[0])
        percent = framework.band_basis == "percent"
        now = -np.inf
        if before.published is not None:
            at = int(
                band_index(np.array([before.published]), framework.bands, max_points=top, percent=percent)[0]
            )
            low = framework.bands[at].min if at >= 0 else None
            now = -np.inf if low is None else float(low)
        higher = sorted(float(b.min) for b in framework.bands if b.min is not None and b.min > now)
        if not higher:
            return None
        needed = higher[0] * top / 100.0 if percent else higher[0]
        return float(np.ceil(needed * scale - 1e-6) / scale)
    raise ScoringError(
        f"Mục tiêu '{goal}' không hợp lệ (next-band, top:N, total:X)",
        f"Unknown goal '{goal}' (next-band, top:N, total:X)",
    )


def _top_target(run: Run, start: WhatIfResult, n: int) -> float | None:
    if n < 1:
        raise ValueError(n)
    inputs = run.inputs
    agency = inputs.agencies.index(start.agency_code)
    p = inputs.periods.index(start.period)
    n_a = len(inputs.agencies)
    peers = (inputs.group_of_agency == inputs.group_of_agency[agency]) & inputs.present[
        p * n_a : (p + 1) * n_a
    ]
    peers[agency] = False
    totals = np.sort(
        run.scored.published[p * n_a : (p + 1) * n_a, 0][
            peers & ~np.isnan(run.scored.published[p * n_a : (p + 1) * n_a, 0])
        ]
    )[::-1]
    return None if totals.size < n else float(totals[n - 1])


def _levers(
    run: Run,
    start: WhatIfResult,
    effort: Mapping[str, float],
    step: Mapping[str, float],
    criteria: Sequence[str] | None,
) -> list[_Lever]:
    inputs, plan = run.inputs, run.plan
    unknown = sorted(set(criteria or []) - set(inputs.leaf_codes))
    if unknown:
        raise ScoringError(
            f"Tiêu chí không có trong khung: {', '.join(unknown)}",
            f"Criteria not in the framework: {', '.join(unknown)}",
        )
    n_a = len(inputs.agencies)
    row = inputs.periods.index(start.period) * n_a + inputs.agencies.index(start.agency_code)
    levers = []
    for li, ni in enumerate(plan.node_of_leaf):
        node, code = plan.nodes[ni], inputs.leaf_codes[li]
        rule = node.rule
        if rule is None or rule.type not in _PLANNED or (criteria is not None and code not in criteria):
            continue
        if run.scored.notes[row, li] != NOTE_SCORED or plan.max_points[ni] <= 0:
            continue
        value, num, den = inputs.value[row, li], inputs.numerator[row, li], inputs.denominator[row, li]
        top = float(plan.max_points[ni])
        if isinstance(rule, RatioParams) and not np.isnan(num) and den > 0:
            lever = _Lever(li, code, "count", float(num), float(den), float(den), True, float(den), 1.0)
        elif rule.type == "assessor":
            lever = _Lever(li, code, "points", float(value), top, top, False, None, 1.0)
        elif rule.type == "yes_no":
            lever = _Lever(li, code, "yes_no", float(value), 1.0, 1.0, True, None, 1.0)
        elif isinstance(rule, StepBandsParams):
            mins = [s.min for s in rule.steps]
            high = max(float(value), mins[-1]) if rule.value_max is None else float(rule.value_max)
            whole = all(float(x).is_integer() for x in [*mins, value])
            lever = _Lever(
                li,
                code,
                "value",
                float(value),
                high,
                max(high - min(0.0, float(value)), 1.0),
                whole,
                None,
                1.0,
            )
        else:
            high = 1.0 if rule.value_max is None else float(rule.value_max)
            lever = _Lever(
                li, code, "rate", float(value), high, high - (rule.value_min or 0.0), False, None, 1.0
            )
        lever.effort = float(effort.get(code, 1.0))
        if code in step:
            lever.upper = min(lever.upper, lever.current + float(step[code]))
        if lever.upper > lever.current + 1e-12:
            levers.append(lever)
    return levers


def _solve(
    run: Run, start: WhatIfResult, levers: list[_Lever], target: float, objective: str
) -> dict[int, float] | None:
    """Build and solve the program; return each lever's new input, or None when the goal is out of reach."""
    plan = run.plan
    inputs = run.inputs
    n_a = len(inputs.agencies)
    row = inputs.periods.index(start.period) * n_a + inputs.agencies.index(start.agency_code)
    points = run.scored.points[row].copy()
    applies = np.array([[applicable_rows(plan, inputs, n)[row] for n in range(len(plan.nodes))]])
    null = null_nodes(plan, run.scored.notes[row : row + 1], points[None, :], applies)[0]
    prog = Program()
    node_var: dict[int, int] = {}
    lever_var: dict[int, int] = {}
    total_effort_bound = sum(lv.effort for lv in levers) + 1.0
    for lever in levers:
        ni = plan.node_of_leaf[lever.leaf]
        unit_cost = lever.effort / lever.span
        if objective == "effort":
            x = prog.var(lever.current, lever.upper, integer=lever.integer, cost=unit_cost)
        else:  # fewest criteria first: a binary per criterion, effort only breaks ties
            x = prog.var(
                lever.current, lever.upper, integer=lever.integer, cost=unit_cost / total_effort_bound
            )
            used = prog.var(0.0, 1.0, integer=True, cost=1.0)
            prog.row({x: 1.0, used: -(lever.upper - lever.current)}, high=lever.current)
        q = prog.var(-np.inf, float(plan.max_points[ni]))
        _leaf_rows(prog, plan.nodes[ni], lever, x, q, float(plan.max_points[ni]))
        lever_var[lever.leaf] = x
        node_var[ni] = q
    live = _live_nodes(plan, set(node_var))
    for n in sorted(live, reverse=True):
        node_var[n] = _node_rows(run, prog, n, node_var, points, null)
    scale = 10.0**run.framework.decimals
    if 0 not in node_var:
        return None
    prog.row({node_var[0]: scale}, low=target * scale - 0.5 - GUARD / 2.0)
    x_values = prog.solve()
    if x_values is None:
        return None
    out = {}
    for lever in levers:
        value = float(x_values[lever_var[lever.leaf]])
        out[lever.leaf] = (
            float(round(value)) if lever.integer else min(lever.upper, max(lever.current, value))
        )
    return out


def _leaf_rows(prog: Program, node: Node, lever: _Lever, x: int, q: int, top: float) -> None:
    """Rows bounding a leaf's points q by what its rule gives for input x (concave: upper bounds)."""
    rule = node.rule
    assert rule is not None
    if isinstance(rule, StepBandsParams):
        levels = [(s.min, s.points) for s in rule.steps if s.min > lever.current]
        before = [s.points for s in rule.steps if s.min <= lever.current]
        now = before[-1] if before else 0.0
        gains, previous, last = {}, now, None
        for minimum, points in levels:
            y = prog.var(0.0, 1.0, integer=True)
            prog.row({y: minimum, x: -1.0}, high=0.0)  # the step is reached only if x reaches its min
            if last is not None:
                prog.row({y: 1.0, last: -1.0}, high=0.0)
            gains[y] = -(points - previous)
            previous, last = points, y
        prog.row({q: 1.0, **gains}, high=now)
        return
    if rule.type == "assessor":
        slope = 1.0
    elif rule.type in ("yes_no", "fraction"):
        slope = top
    elif lever.unit == "count":
        slope = top / (float(lever.denominator or 1.0) * float(getattr(rule, "target", 1.0)))
    else:
        slope = top / float(getattr(rule, "target", 1.0))
    prog.row({q: 1.0, x: -slope}, high=0.0)


def _live_nodes(plan: Plan, leaf_nodes: set[int]) -> set[int]:
    """The internal nodes above the criteria being planned."""
    parent = {c: n for n, kids in enumerate(plan.children) for c in kids}
    live: set[int] = set()
    for ni in leaf_nodes:
        while ni in parent:
            ni = parent[ni]
            live.add(ni)
    return live


def _node_rows(
    run: Run,
    prog: Program,
    n: int,
    node_var: dict[int, int],
    points: FloatArray,
    null: npt.NDArray[np.bool_],
) -> int:
    """A variable for node n's points, bounded by its aggregation of its children (as the engine does)."""
    plan = run.plan
    node = plan.nodes[n]
    if node.aggregation == "geometric_mean":
        raise ScoringError(
            f"Không lập được kế hoạch qua trung bình nhân ({node.code}): không tuyến tính",
            f"Cannot plan through the geometric mean of {node.code}: it is not linear",
        )
    kids = regular_children(plan, n)
    adjust = [c for c in plan.children[n] if plan.adjustment[c]]
    present = [c for c in kids if c in node_var or not np.isnan(points[c])]
    kept = [c for c in kids if c in present or null[c]]
    mx = plan.max_points
    rounded = node.aggregation == "rounded_sum"
    scale = 10.0**plan.decimals
    const = float(np.nansum(round_half_up(points[adjust], plan.decimals) if rounded else points[adjust]))
    var = prog.var(-np.inf, float(mx[n]) if node.clip else np.inf)
    coefficients = {var: 1.0}
    if node.aggregation == "weighted_mean":
        weights = {c: plan.nodes[c].weight for c in present}
        total = sum(weights.values())
        factor = {c: float(node_max(node)) * weights[c] / (float(mx[c]) * total) for c in present}
    else:
        whole, share = float(mx[kids].sum()), float(mx[kept].sum())
        factor = {c: (1.0 if len(kept) == len(kids) else whole / share) for c in present}
    for c in present:
        if rounded:
            if c in node_var:
                r = prog.var(-np.inf, np.inf, integer=True)
                prog.row({node_var[c]: scale, r: -1.0}, low=-0.5 - GUARD)  # r <= round half up
                coefficients[r] = coefficients.get(r, 0.0) - factor[c] / scale
            else:
                const += factor[c] * float(round_half_up(points[c : c + 1], plan.decimals)[0])
        elif c in node_var:
            coefficients[node_var[c]] = coefficients.get(node_var[c], 0.0) - factor[c]
        else:
            const += factor[c] * float(points[c])
    prog.row(coefficients, high=const)
    return var


def _changes(levers: list[_Lever], values: Mapping[int, float]) -> dict[str, float | CriterionChange]:
    out: dict[str, float | CriterionChange] = {}
    for lever in levers:
        new = values.get(lever.leaf, lever.current)
        if new <= lever.current + 1e-12:
            continue
        if lever.unit == "count":
            out[lever.code] = CriterionChange(numerator=new, denominator=lever.denominator)
        else:
            out[lever.code] = new
    return out


def _result(
    base: PlanResult,
    levers: list[_Lever],
    values: Mapping[int, float],
    start: WhatIfResult,
    after: WhatIfResult,
) -> PlanResult:
    before_nodes, nodes = start.nodes, after.nodes
    improvements = []
    for lever in levers:
        new = values.get(lever.leaf, lever.current)
        if new <= lever.current + 1e-12:
            continue
        improvements.append(
            Improvement(
                indicator_code=lever.code,
                unit=lever.unit,
                current=lever.current,
                target=new,
                denominator=lever.denominator,
                points_before=float(before_nodes.get(lever.code) or 0.0),
                points_after=float(nodes.get(lever.code) or 0.0),
                effort=lever.effort * (new - lever.current) / lever.span,
            )
        )
    improvements.sort(key=lambda i: (-i.points_per_effort, i.indicator_code))
    base.improvements = improvements
    base.total_effort = float(sum(i.effort for i in improvements))
    base.after = after.after
    return base
