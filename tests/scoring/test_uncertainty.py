"""Rank intervals: the fast path reproduces the engine, a replication is the engine on an edited framework,
intervals are the plain percentiles, and the log replays."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness_helpers import random_cell, three_pillars

from chiso.errors import InvalidInput, ScoringError
from chiso.frameworks import Framework, framework_from_dict, load_framework, uncertainty_from_dict
from chiso.scoring import score
from chiso.scoring.design import Design
from chiso.scoring.leaves import FILLS, METHODS, Draws, Varying
from chiso.scoring.pipeline import run_pipeline
from chiso.scoring.simulate import Simulator
from chiso.scoring.uncertainty import (
    compute_rank_intervals,
    percentile_ranks,
    replay_rank_intervals,
)

LEAVES = {
    "A1": {"max_points": 6, "rule": {"type": "ratio", "zero_denominator": "exclude"}},
    "A2": {"max_points": 4, "rule": {"type": "minmax"}, "missing": "group_mean"},
    "A3": {"max_points": 10, "rule": {"type": "assessor"}},
    "B1": {"max_points": 15, "rule": {"type": "capped_linear", "target": 0.8}, "missing": "exclude"},
    "B2": {"max_points": 5, "rule": {"type": "percentile"}},
    "C1": {"max_points": 8, "rule": {"type": "fraction"}, "missing": "null_excluded"},
    "C2": {"max_points": 2, "rule": {"type": "yes_no"}},
}


SCALING = {**LEAVES, "A3": {"max_points": 10, "rule": {"type": "fraction"}}}  # points grow with max
NO_NULL = {**LEAVES, "C1": {"max_points": 8, "rule": {"type": "fraction"}}}  # a geometric TOTAL is allowed


def _framework(leaves: dict[str, dict[str, object]] = LEAVES, **over: object) -> Framework:
    return three_pillars(leaves, "robust", **over)


def _values(
    seed: int, n: int = 24, missing: float = 0.15, leaves: dict[str, dict[str, object]] = LEAVES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n):
        code = f"AG{a:02d}"
        for leaf, spec in leaves.items():
            if rng.random() < missing:
                continue
            rule = spec["rule"]["type"]  # type: ignore[index]
            rows.append(
                {"agency_code": code, "period": "2025", "indicator_code": leaf, **random_cell(rule, rng)}
            )
    groups = pd.DataFrame(
        {"agency_code": [f"AG{a:02d}" for a in range(n)], "group": [f"G{a % 3}" for a in range(n)]}
    )
    return pd.DataFrame(rows), groups


EVERYTHING = {
    "replications": 64,
    "factors": [
        {"kind": "weights", "spread": 0.3},
        {
            "kind": "aggregation",
            "nodes": ["TOTAL", "A"],
            "methods": ["sum", "weighted_mean", "geometric_mean"],
        },
        {"kind": "normalisation", "methods": ["minmax", "percentile"]},
        {"kind": "missing", "leaves": ["A1", "B1"], "policies": ["zero", "exclude", "group_mean"]},
        {"kind": "assessor", "points": 1},
        {"kind": "measurement", "leaves": ["B1", "C1"], "error": 0.05},
    ],
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_nominal_replication_equals_the_engines_published_totals_and_ranks(seed: int) -> None:
    framework = _framework()
    values, groups = _values(seed)
    run = run_pipeline(framework, values, groups=groups)
    design = Design(framework, run.plan, uncertainty_from_dict(EVERYTHING, framework))
    simulator = Simulator(run, None, design.varying)  # every leaf and node on the computed path
    batch = simulator.run_batch(Draws(size=2))
    totals = score(framework, values, groups=groups).totals().set_index("agency_code")
    agencies = [run.inputs.agencies[i] for i in simulator.agency_index]
    assert batch.published[0].tolist() == totals.loc[agencies, "published"].tolist()
    assert batch.published[1].tolist() == totals.loc[agencies, "published"].tolist()
    assert batch.rank[0].tolist() == totals.loc[agencies, "rank"].astype(int).tolist()
    np.testing.assert_allclose(batch.points[0], totals.loc[agencies, "points"], rtol=0, atol=1e-9)
    labels = [framework.bands[i].label_vi for i in batch.band[0]]
    assert labels == totals.loc[agencies, "band"].astype(str).tolist()


@pytest.mark.parametrize("framework_id", ["qd766", "danang-it", "dti-province-2022"])
def test_the_fast_path_reproduces_the_bundled_frameworks(framework_id: str) -> None:
    framework = load_framework(framework_id)
    rng = np.random.default_rng(7)
    rows = []
    for a in range(30):
        for leaf in framework.leaves():
            rule = leaf.rule.type if leaf.rule else ""
            row: dict[str, object] = {
                "agency_code": f"A{a:02d}",
                "period": "2024",
                "indicator_code": leaf.code,
            }
            if rule == "ratio":
                den = int(rng.integers(0, 9))
                row.update(numerator=int(rng.integers(0, den + 1)) if den else 0, denominator=den)
            elif rule in ("assessor", "bonus_penalty"):
                low = float(getattr(leaf.rule, "min_points", 0.0))
                row.update(value=float(np.round(rng.uniform(low, leaf.max_points or 0), 1)), comment="ok")
            elif rule in ("yes_no",):
                row.update(value=float(rng.integers(0, 2)))
            elif rule == "step_bands":
                row.update(value=float(rng.integers(0, 9)))
            else:
                row.update(value=float(np.round(rng.random(), 2)))
            rows.append(row)
    values = pd.DataFrame(rows)
    groups = pd.DataFrame({"agency_code": [f"A{a:02d}" for a in range(30)], "group": ["X", "Y"] * 15})
    run = run_pipeline(framework, values, groups=groups)
    spec = uncertainty_from_dict(
        {"factors": [{"kind": "weights"}, {"kind": "missing", "policies": ["zero"]}]}, framework
    )
    simulator = Simulator(run, None, Design(framework, run.plan, spec).varying)
    batch = simulator.run_batch(Draws(size=1))
    totals = score(framework, values, groups=groups).totals().set_index("agency_code")
    agencies = [run.inputs.agencies[i] for i in simulator.agency_index]
    assert batch.published[0].tolist() == totals.loc[agencies, "published"].tolist()
    assert batch.rank[0].tolist() == totals.loc[agencies, "rank"].astype(int).tolist()


def _one(framework: Framework, varying: Varying, draws: Draws, seed: int = 4) -> dict[str, float]:
    values, groups = _values(seed, leaves=NO_NULL)
    run = run_pipeline(framework, values, groups=groups)
    simulator = Simulator(run, None, varying)
    batch = simulator.run_batch(draws)
    return dict(
        zip([run.inputs.agencies[i] for i in simulator.agency_index], batch.published[0], strict=True)
    )


def _engine(framework: Framework, seed: int = 4) -> dict[str, float]:
    values, groups = _values(seed, leaves=NO_NULL)
    totals = score(framework, values, groups=groups).totals()
    return dict(zip(totals["agency_code"].astype(str), totals["published"], strict=True))


def test_a_replication_with_other_methods_and_fills_is_the_engine_on_the_edited_framework() -> None:
    base = _framework(NO_NULL)
    edited = base.model_dump(mode="json")
    edited["aggregation"] = "geometric_mean"
    edited["nodes"][0]["aggregation"] = "weighted_mean"
    edited["nodes"][0]["children"][1]["rule"] = {"type": "percentile"}
    edited["nodes"][1]["children"][0]["missing"] = "zero"
    edited["nodes"][2]["aggregation"] = "rounded_sum"
    plan_codes = ["TOTAL", "A", "A1", "A2", "A3", "B", "B1", "B2", "C", "C1", "C2"]
    leaves = list(LEAVES)
    varying = Varying(
        methods=frozenset({0, 1, plan_codes.index("C")}),
        rules=frozenset({leaves.index("A2")}),
        fills=((leaves.index("B1"), "both"),),
    )
    draws = Draws(
        size=1,
        methods={
            0: np.array([METHODS.index("geometric_mean")]),
            plan_codes.index("A"): np.array([METHODS.index("weighted_mean")]),
            plan_codes.index("C"): np.array([METHODS.index("rounded_sum")]),
        },
        rules={leaves.index("A2"): np.array([1])},
        fills={leaves.index("B1"): np.array([FILLS.index("zero")])},
    )
    assert _one(base, varying, draws) == _engine(framework_from_dict(edited))


def test_weights_rescale_the_children_like_an_edited_framework() -> None:
    base = _framework(SCALING)
    values, groups = _values(4, leaves=SCALING)
    run = run_pipeline(base, values, groups=groups)
    simulator = Simulator(run, None, Varying(weights=frozenset({0})))
    # TOTAL's children A, B, C (max 20, 20, 10) weighted x1.5, x1, x0.5: new max 50 x (30, 20, 5) / 55.
    batch = simulator.run_batch(Draws(size=1, weights={0: np.array([[1.5, 1.0, 0.5]])}))
    edited = base.model_dump(mode="json")
    for node, new_max in zip(edited["nodes"], 50 * np.array([30, 20, 5]) / 55, strict=True):
        scale = new_max / node["max_points"]
        node["max_points"] = new_max
        for child in node["children"]:
            child["max_points"] *= scale
    totals = score(framework_from_dict(edited), values, groups=groups).totals().set_index("agency_code")
    agencies = [run.inputs.agencies[i] for i in simulator.agency_index]
    np.testing.assert_allclose(batch.points[0], totals.loc[agencies, "points"], rtol=1e-12)


def test_intervals_are_inverted_cdf_percentiles_and_a_clear_leader_is_firm() -> None:
    framework = _framework()
    values, groups = _values(5)
    run = run_pipeline(framework, values, groups=groups)
    spec = uncertainty_from_dict(EVERYTHING, framework)
    result = compute_rank_intervals(run, spec, replications=256, seed=3)
    table = result.table
    assert len(table) == len(score(framework, values, groups=groups).totals())
    assert (table["rank_low"] <= table["median_rank"]).all() and (
        table["median_rank"] <= table["rank_high"]
    ).all()
    assert (table["rank_high"] <= table["group_size"]).all() and (table["rank_low"] >= 1).all()
    assert table["firm"].tolist() == (table["rank_low"] == table["rank_high"]).tolist()
    sums = result.bands.groupby("agency_code")["probability"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert result.outcome.shape == (256,) and (result.outcome >= 0).all()
    no_noise = uncertainty_from_dict({"factors": [{"kind": "weights", "spread": 0.01}]}, framework)
    still = compute_rank_intervals(run, no_noise, replications=64).table
    assert still["firm"].mean() > table["firm"].mean()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), min_size=1, max_size=40), min_size=1, max_size=5))
def test_percentile_ranks_match_numpys_inverted_cdf(samples: list[list[int]]) -> None:
    width = 7
    counts = np.zeros((len(samples), width), dtype=np.int64)
    for row, sample in enumerate(samples):
        counts[row] = np.bincount(sample, minlength=width)
    for q in (5, 50, 95):
        got = percentile_ranks(counts, q)
        for row, sample in enumerate(samples):
            ranked = [r for r in sample if r > 0]
            expected = int(np.percentile(ranked, q, method="inverted_cdf")) if ranked else 0
            assert got[row] == expected


def test_the_log_replays_every_interval_and_refuses_other_inputs() -> None:
    framework = _framework()
    values, groups = _values(6)
    run = run_pipeline(framework, values, groups=groups)
    result = compute_rank_intervals(run, uncertainty_from_dict(EVERYTHING, framework), seed=11)
    log = json.loads(json.dumps(result.log))
    assert log["seed"] == 11 and log["replications"] == 64 and log["spec"]["factors"][0]["kind"] == "weights"
    again = replay_rank_intervals(log, run_pipeline(framework, values, groups=groups))
    pd.testing.assert_frame_equal(again.table, result.table)
    pd.testing.assert_frame_equal(again.bands, result.bands)
    changed = values.copy()
    changed.loc[changed.index[0], "numerator"] = 0
    with pytest.raises(ScoringError, match="hash"):
        replay_rank_intervals(log, run_pipeline(framework, changed, groups=groups))
    other_seed = compute_rank_intervals(run, uncertainty_from_dict(EVERYTHING, framework), seed=12)
    assert other_seed.log["output_hash"] != result.log["output_hash"]


def test_the_spec_is_checked_against_the_framework() -> None:
    framework = _framework()
    with pytest.raises(InvalidInput) as info:
        uncertainty_from_dict(
            {
                "factors": [
                    {"kind": "normalisation", "leaves": ["A1"], "methods": ["percentile"]},
                    {"kind": "weights", "parents": ["NOPE"]},
                    {"kind": "aggregation", "nodes": ["A1"], "methods": ["sum"]},
                    {"kind": "assessor", "leaves": ["B1"], "points": 1},
                ]
            },
            framework,
        )
    text = str(info.value)
    assert "'A1' has rule ratio, needs minmax / percentile" in text
    assert "no node 'NOPE'" in text and "'A1' is a leaf" in text and "'B1' has rule capped_linear" in text
    with pytest.raises(InvalidInput, match="replications"):
        uncertainty_from_dict({"replications": 3, "factors": [{"kind": "weights"}]})


def test_intervals_do_not_depend_on_batches_or_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    from chiso.scoring import uncertainty

    framework = _framework()
    values, groups = _values(8)
    run = run_pipeline(framework, values, groups=groups)
    spec = uncertainty_from_dict(EVERYTHING, framework)
    whole = compute_rank_intervals(run, spec, replications=96)
    monkeypatch.setattr(uncertainty, "BATCH_CELLS", 24 * 7)  # batches of 16 replications
    monkeypatch.setattr(uncertainty, "WORKERS", 1)
    one = compute_rank_intervals(run, spec, replications=96)
    monkeypatch.setattr(uncertainty, "WORKERS", 3)
    three = compute_rank_intervals(run, spec, replications=96)
    for other in (one, three):
        pd.testing.assert_frame_equal(other.table, whole.table)
        np.testing.assert_array_equal(other.outcome, whole.outcome)
        assert other.log["output_hash"] == whole.log["output_hash"]
