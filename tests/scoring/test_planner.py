"""The planner's plans reach their goal and are optimal: checked by enumerating every plan on small cases."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from chiso.errors import ScoringError
from chiso.frameworks import Framework, framework_from_dict, load_framework
from chiso.scoring.pipeline import run_pipeline
from chiso.scoring.planner import plan_improvements
from chiso.scoring.whatif import CriterionChange, what_if

STEPS = [{"min": 1, "points": 1}, {"min": 3, "points": 2.5}, {"min": 5, "points": 4}]


def _framework(aggregation: str = "sum") -> Framework:
    return framework_from_dict(
        {
            "id": "plan",
            "name_vi": "Thử",
            "max_points": 30,
            "aggregation": aggregation,
            "bands": [
                {"code": "T", "label_vi": "Tốt", "min": 24},
                {"code": "K", "label_vi": "Khá", "min": 15, "max": 24},
                {"code": "Y", "label_vi": "Yếu", "max": 15},
            ],
            "nodes": [
                {
                    "code": "P",
                    "name_vi": "P",
                    "max_points": 16,
                    "aggregation": aggregation,
                    "children": [
                        {"code": "R1", "name_vi": "R1", "max_points": 6, "rule": {"type": "ratio"}},
                        {
                            "code": "R2",
                            "name_vi": "R2",
                            "max_points": 4,
                            "rule": {"type": "ratio", "target": 0.8},
                        },
                        {
                            "code": "R3",
                            "name_vi": "R3",
                            "max_points": 6,
                            "rule": {"type": "ratio", "target": 0.5},
                        },
                    ],
                },
                {
                    "code": "Q",
                    "name_vi": "Q",
                    "max_points": 14,
                    "children": [
                        {"code": "Y1", "name_vi": "Y1", "max_points": 4, "rule": {"type": "yes_no"}},
                        {
                            "code": "S1",
                            "name_vi": "S1",
                            "max_points": 4,
                            "rule": {"type": "step_bands", "value_max": 6, "steps": STEPS},
                        },
                        {"code": "M1", "name_vi": "M1", "max_points": 6, "rule": {"type": "minmax"}},
                    ],
                },
            ],
        }
    )


def _values(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(6):
        agency = f"A{a}"
        for code in ("R1", "R2", "R3"):
            den = int(rng.integers(3, 7))
            rows.append(
                {
                    "agency_code": agency,
                    "indicator_code": code,
                    "numerator": int(rng.integers(0, den + 1)),
                    "denominator": den,
                }
            )
        rows.append({"agency_code": agency, "indicator_code": "Y1", "value": float(rng.integers(0, 2))})
        rows.append({"agency_code": agency, "indicator_code": "S1", "value": float(rng.integers(0, 6))})
        rows.append({"agency_code": agency, "indicator_code": "M1", "value": float(rng.random())})
    return pd.DataFrame(rows).assign(period="2025")


def _enumerate(run, agency: str, target: float, effort: dict[str, float]) -> tuple[float, tuple[int, float]]:
    """By brute force over every integer input: the least effort of a plan that reaches target, and the
    fewest criteria of such a plan with its least effort."""
    values = run.inputs
    row = values.agencies.index(agency)
    options, spans = {}, {}
    for li, code in enumerate(values.leaf_codes):
        if code.startswith("R"):
            num, den = values.numerator[row, li], values.denominator[row, li]
            options[code] = [
                CriterionChange(numerator=float(n), denominator=den) for n in range(int(num), int(den) + 1)
            ]
            spans[code] = (den, num)
        elif code in ("Y1", "S1"):
            current, top = values.value[row, li], (1.0 if code == "Y1" else 6.0)
            options[code] = [float(v) for v in range(int(current), int(top) + 1)]
            spans[code] = (1.0 if code == "Y1" else 6.0, current)
    best, fewest = np.inf, (10**9, np.inf)
    for combo in itertools.product(*options.values()):
        changes = dict(zip(options, combo, strict=True))
        cost, touched = 0.0, 0
        for code, change in changes.items():
            span, current = spans[code]
            new = change.numerator if isinstance(change, CriterionChange) else change
            cost += effort.get(code, 1.0) * (float(new) - float(current)) / float(span)
            touched += float(new) > float(current)
        if cost >= best - 1e-12 and (touched, cost) >= fewest:
            continue
        result = what_if(run, agency, changes)
        if result.after.published is not None and result.after.published >= target:
            best = min(best, cost)
            fewest = min(fewest, (touched, cost))
    return best, fewest


@pytest.mark.parametrize(
    ("seed", "aggregation", "goal", "effort"),
    [
        (1, "sum", "total:22", {}),
        (2, "sum", "next-band", {"R1": 3.0, "S1": 0.5}),
        (3, "rounded_sum", "total:20.5", {"Y1": 2.0}),
        (4, "sum", "top:1", {}),
        (5, "rounded_sum", "next-band", {"R3": 0.2}),
    ],
)
def test_plans_are_optimal_by_enumeration(
    seed: int, aggregation: str, goal: str, effort: dict[str, float]
) -> None:
    framework = _framework(aggregation)
    run = run_pipeline(framework, _values(seed))
    agency = "A0"
    result = plan_improvements(run, agency, goal, effort=effort)
    if result.target is None or (result.before.published or 0) >= result.target:
        assert result.improvements == []
        return
    best, fewest = _enumerate(run, agency, result.target, effort)
    if not np.isfinite(best):
        assert not result.reachable and result.best_total is not None and result.best_total < result.target
        return
    assert result.reachable
    assert result.after.published is not None and result.after.published >= result.target
    assert result.total_effort == pytest.approx(best, abs=1e-4)
    assert all(i.indicator_code != "M1" for i in result.improvements)  # relative to the group: not planned
    ratios = [i.points_per_effort for i in result.improvements]
    assert ratios == sorted(ratios, reverse=True)
    few = plan_improvements(run, agency, goal, effort=effort, objective="count")
    assert few.after.published is not None and few.after.published >= result.target
    assert (len(few.improvements), few.total_effort) == pytest.approx(fewest, abs=1e-4)


def test_the_766_plan_speaks_in_dossiers() -> None:
    framework = load_framework("qd766")
    values = pd.DataFrame(
        [
            {
                "agency_code": "X",
                "period": "2025-06",
                "indicator_code": "TIMELINESS",
                "numerator": 120,
                "denominator": 200,
            },
            {
                "agency_code": "X",
                "period": "2025-06",
                "indicator_code": "ONLINE_SUBMISSION_RATE",
                "value": 0.3,
            },
        ]
    )
    run = run_pipeline(framework, values)
    # Now 12 + 2.4 + 12 (no petitions: full) = 26.4; 30 more dossiers on time give +3 = 29.4.
    result = plan_improvements(run, "X", "total:29.4", effort={"ONLINE_SUBMISSION_RATE": 100.0})
    assert result.reachable and result.after.published == 29.4
    [improvement] = result.improvements
    assert improvement.indicator_code == "TIMELINESS" and improvement.unit == "count"
    assert improvement.change == 30 and improvement.denominator == 200
    assert improvement.points_gained == pytest.approx(3.0)


def test_a_step_per_year_can_make_a_goal_unreachable_and_goals_are_checked() -> None:
    framework = _framework()
    run = run_pipeline(framework, _values(1))
    capped = plan_improvements(run, "A0", "total:29", step={c: 1 for c in ("R1", "R2", "R3", "S1")})
    assert not capped.reachable and capped.best_total is not None and capped.best_total < 29
    assert "cannot be reached" in capped.message_en
    with pytest.raises(ScoringError, match="Unknown goal"):
        plan_improvements(run, "A0", "best")
    with pytest.raises(ScoringError, match="NOPE"):
        plan_improvements(run, "A0", "total:25", criteria=["NOPE"])
