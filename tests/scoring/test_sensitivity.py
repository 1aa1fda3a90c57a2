"""Sobol' indices checked on models with known indices; the removal of one indicator on a hand-made case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from robustness_helpers import three_pillars

from chiso.frameworks import framework_from_dict, uncertainty_from_dict
from chiso.scoring.pipeline import run_pipeline
from chiso.scoring.sensitivity import (
    compute_removal_impact,
    compute_sensitivity,
    saltelli_matrices,
    sobol_indices,
)


def _indices(model, widths: list[int], n: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    a, b, mixed = saltelli_matrices(widths, n, seed=5)
    return sobol_indices(model(a), model(b), np.stack([model(m) for m in mixed]))


def test_ishigami_indices_match_the_analytic_values() -> None:
    def ishigami(u: np.ndarray) -> np.ndarray:
        x = np.pi * (2.0 * u - 1.0)
        return np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    first, total = _indices(ishigami, [1, 1, 1])
    # Known values for a = 7, b = 0.1 (Ishigami and Homma 1990; Sobol' 1993)
    np.testing.assert_allclose(first, [0.3139, 0.4424, 0.0], atol=0.02)
    np.testing.assert_allclose(total, [0.5576, 0.4424, 0.2437], atol=0.02)


def test_a_linear_model_with_a_grouped_factor() -> None:
    # Y = 1 X1 + 2 (X2 + X3) + 0 X4 with X uniform: V_i = a_i^2 / 12; the group {X2, X3} is one factor.
    def linear(u: np.ndarray) -> np.ndarray:
        return u[:, 0] + 2.0 * (u[:, 1] + u[:, 2]) + 0.0 * u[:, 3]

    first, total = _indices(linear, [1, 2, 1], n=4096)
    expected = np.array([1.0, 8.0, 0.0]) / 9.0
    np.testing.assert_allclose(first, expected, atol=0.01)
    np.testing.assert_allclose(total, expected, atol=0.01)


def test_a_constant_output_has_zero_indices() -> None:
    first, total = _indices(lambda u: np.zeros(u.shape[0]), [1, 1], n=64)
    assert first.tolist() == [0.0, 0.0] and total.tolist() == [0.0, 0.0]


def _framework_and_run():
    framework = framework_from_dict(
        {
            "id": "drop",
            "name_vi": "Thử",
            "max_points": 30,
            "bands": [
                {"code": "T", "label_vi": "Tốt", "min": 15},
                {"code": "Y", "label_vi": "Yếu", "max": 15},
            ],
            "nodes": [
                {
                    "code": "P",
                    "name_vi": "P",
                    "max_points": 30,
                    "children": [
                        {"code": "X", "name_vi": "X", "max_points": 10, "rule": {"type": "fraction"}},
                        {"code": "Y", "name_vi": "Y", "max_points": 10, "rule": {"type": "fraction"}},
                        {"code": "Z", "name_vi": "Z", "max_points": 10, "rule": {"type": "fraction"}},
                    ],
                }
            ],
        }
    )
    # Totals A 9 + 5 + 5 = 19, B 15, C 1 + 5 + 8 = 14.
    rows = []
    for agency, x in (("A", 0.9), ("B", 0.5), ("C", 0.1)):
        rows += [
            {"agency_code": agency, "period": "2025", "indicator_code": "X", "value": x},
            {"agency_code": agency, "period": "2025", "indicator_code": "Y", "value": 0.5},
            {
                "agency_code": agency,
                "period": "2025",
                "indicator_code": "Z",
                "value": 0.5 if agency != "C" else 0.8,
            },
        ]
    return framework, run_pipeline(framework, pd.DataFrame(rows))


def test_removing_one_indicator_by_hand() -> None:
    _, run = _framework_and_run()
    impact = compute_removal_impact(run).set_index("indicator_code")
    # Ranks 1, 2, 3. Without X (the rest x 30 / 20): A 15, B 15, C 19.5 -> 2, 2, 1;
    # without Y: A 21, B 15, C 13.5 and without Z: A 21, B 15, C 9 -> 1, 2, 3 both.
    assert impact.loc["X", "mean_rank_change"] == pytest.approx((1 + 0 + 2) / 3)
    assert impact.loc["X", "max_rank_change"] == 2 and impact.loc["X", "agencies_moved"] == 2
    assert impact.loc["X", "band_changes"] == 1  # C moves from Yếu (14) to Tốt (19.5)
    for code in ("Y", "Z"):
        assert impact.loc[code, "mean_rank_change"] == 0.0 and impact.loc[code, "agencies_moved"] == 0
    assert impact.loc["Z", "band_changes"] == 0
    assert impact.index[0] == "X"


def test_the_sensitivity_of_a_ranking_points_at_the_assumption_that_matters() -> None:
    framework, run = _framework_and_run()
    spec = uncertainty_from_dict(
        {
            "factors": [
                {"kind": "weights", "name": "weights", "parents": ["P"], "spread": 0.9},
                {"kind": "measurement", "name": "Y error", "leaves": ["Y"], "error": 0.001},
            ]
        },
        framework,
    )
    result = compute_sensitivity(run, spec, base_samples=256, bootstrap=50)
    indices = result.indices.set_index("factor")
    assert result.variance > 0
    assert indices.loc["weights", "total_order"] > 0.9
    assert indices.loc["Y error", "total_order"] < 0.05
    assert result.log["replications"] == 256 * 4 and result.log["estimators"]["total_order"] == "jansen-1999"
    assert (indices["total_order_low"] <= indices["total_order_high"]).all()


def test_removing_one_pillar_by_hand() -> None:
    # Pillars A (20 points), B (20) and C (10) of fractions; totals: R 20 + 0 + 10 = 30, S 0 + 20 + 5 =
    # 25, T 10 + 10 + 0 = 20 -> ranks 1, 2, 3. Without A (the rest x 50 / 30): R 16.67, S 41.67,
    # T 16.67 -> 2, 1, 2; without B (x 50 / 30): R 50, S 8.33, T 16.67 -> 1, 3, 2; without C
    # (x 50 / 40): R, S and T all 25 -> 1, 1, 1.
    framework = three_pillars(
        {code: {"max_points": 20 / 3 if code[0] == "A" else 10 if code[0] == "B" else 5,
                "rule": {"type": "fraction"}} for code in ("A1", "A2", "A3", "B1", "B2", "C1", "C2")},
        "pillars",
    )  # fmt: skip
    shares = {"R": (1.0, 0.0, 1.0), "S": (0.0, 1.0, 0.5), "T": (0.5, 0.5, 0.0)}
    rows = [
        {"agency_code": agency, "period": "2025", "indicator_code": code, "value": share[ord(code[0]) - 65]}
        for agency, share in shares.items()
        for code in ("A1", "A2", "A3", "B1", "B2", "C1", "C2")
    ]
    run = run_pipeline(framework, pd.DataFrame(rows))
    assert list(run.scored.rank.values[:, 0]) == [1, 2, 3]
    impact = compute_removal_impact(run, level="pillars").set_index("indicator_code")
    assert sorted(impact.index) == ["A", "B", "C"]
    assert impact.loc["A", "mean_rank_change"] == pytest.approx((1 + 1 + 1) / 3)
    assert impact.loc["B", "mean_rank_change"] == pytest.approx((0 + 1 + 1) / 3)
    assert impact.loc["C", "mean_rank_change"] == pytest.approx((0 + 1 + 2) / 3)
    assert impact.loc["C", "max_rank_change"] == 2
    assert impact.loc["B", "max_rank_change"] == 1 and impact.loc["B", "agencies_moved"] == 2
