"""Large runs are scored in parts of whole peer groups: the parts must never change a result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.errors import ScoringError
from chiso.frameworks import Framework, framework_from_dict
from chiso.scoring import score
from chiso.scoring.inputs import prepare_inputs
from chiso.scoring.parts import plan_parts

LEAVES = {
    "A1": {"max_points": 6, "rule": {"type": "fraction"}, "missing": "group_mean"},
    "A2": {"max_points": 4, "rule": {"type": "minmax"}, "missing": "last_period"},
    "A3": {"max_points": 10, "rule": {"type": "percentile"}},
    "B1": {"max_points": 15, "rule": {"type": "ratio", "zero_denominator": "previous"}},
    "B2": {"max_points": 5, "rule": {"type": "capped_linear", "target": 0.5}, "missing": "group_median"},
}
PERIODS = ["2024", "2025", "2026"]


def _framework() -> Framework:
    def leaf(code: str) -> dict[str, object]:
        return {"code": code, "name_vi": code, **LEAVES[code]}

    bands = [
        {"code": "T", "label_vi": "Tốt", "min": 30},
        {"code": "K", "label_vi": "Khá", "min": 20, "max": 30},
        {"code": "Y", "label_vi": "Yếu", "max": 20},
    ]
    return framework_from_dict(
        {
            "id": "parts",
            "name_vi": "Thử",
            "max_points": 40,
            "bands": bands,
            "nodes": [
                {
                    "code": "A",
                    "name_vi": "A",
                    "max_points": 20,
                    "children": [leaf(c) for c in ("A1", "A2", "A3")],
                },
                {"code": "B", "name_vi": "B", "max_points": 20, "children": [leaf("B1"), leaf("B2")]},
            ],
        }
    )


@st.composite
def runs(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    """Values over periods and groups, agencies appearing late, lineage across groups, a prior run."""
    n = draw(st.integers(2, 14))
    agencies = [f"AG{i:02d}" for i in range(n)]
    group_of = {a: draw(st.sampled_from(["G1", "G2", "G3", "G4"])) for a in agencies}
    rows = []
    for period in PERIODS:
        for agency in agencies:
            if draw(st.integers(0, 5)) == 0:
                continue  # absent this period (new later, or merged away)
            for code in LEAVES:
                if draw(st.integers(0, 4)) == 0:
                    continue  # missing: filled by the leaf's policy
                row: dict[str, object] = {"agency_code": agency, "period": period, "indicator_code": code}
                if code == "B1":
                    den = draw(st.integers(0, 5))
                    row["numerator"], row["denominator"] = draw(st.integers(0, den)), den
                else:
                    row["value"] = draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]) | st.floats(0, 1))
                rows.append(row)
    if not rows:
        rows.append({"agency_code": agencies[0], "period": "2024", "indicator_code": "A1", "value": 0.5})
    pairs = draw(st.lists(st.tuples(st.sampled_from(agencies), st.sampled_from(agencies)), max_size=4))
    lineage = pd.DataFrame(
        [(a, b) for a, b in pairs if a != b] or [("GONE", agencies[0])],
        columns=["predecessor_code", "successor_code"],
    )
    before = pd.DataFrame(
        [
            {"agency_code": a, "period": "2023", "indicator_code": code, "value": draw(st.floats(0, 1))}
            for a in agencies[: draw(st.integers(0, n))] + ["GONE"]
            for code in ("A1", "A2", "A3", "B2")
        ]
    )
    groups = pd.DataFrame(
        {"agency_code": agencies + ["GONE"], "group": [group_of[a] for a in agencies] + ["G1"]}
    )
    previous = score(_framework(), before, groups=groups).table
    return {"values": pd.DataFrame(rows), "groups": groups, "lineage": lineage, "previous": previous}


def _same(whole, parted) -> None:
    pd.testing.assert_frame_equal(whole.table, parted.table)
    pd.testing.assert_frame_equal(whole.explanations, parted.explanations)
    pd.testing.assert_frame_equal(whole.summary, parted.summary)
    pd.testing.assert_frame_equal(whole.band_counts, parted.band_counts)
    pd.testing.assert_frame_equal(whole.movers, parted.movers)
    assert whole.log == parted.log


@settings(max_examples=40, deadline=None)
@given(runs(), st.sampled_from(["mean", "sum", "max"]))
def test_scoring_in_parts_gives_the_whole_runs_result(run: dict[str, pd.DataFrame], policy: str) -> None:
    kwargs = {**run, "lineage_policy": policy}
    values = kwargs.pop("values")
    whole = score(_framework(), values, **kwargs)
    parted = score(_framework(), values, part_cells=1, **kwargs)  # every group (with its lineage) a part
    _same(whole, parted)


def test_parts_hold_whole_groups_and_keep_lineage_together() -> None:
    framework = _framework()
    agencies = [f"AG{i:02d}" for i in range(8)]
    values = pd.DataFrame(
        [{"agency_code": a, "period": "2025", "indicator_code": "A1", "value": 0.5} for a in agencies]
    )
    groups = pd.DataFrame({"agency_code": agencies, "group": ["G1", "G2", "G3", "G4"] * 2})
    inputs = prepare_inputs(framework, values, groups=groups)
    lineage = pd.DataFrame({"predecessor_code": ["AG01"], "successor_code": ["AG02"]})  # G2 -> G3

    parts = plan_parts(inputs, lineage, width=8, max_cells=1)
    as_groups = [sorted({inputs.groups[g] for g in inputs.group_of_agency[p]}) for p in parts]
    assert as_groups == [["G1"], ["G2", "G3"], ["G4"]]
    assert sorted(np.concatenate(parts).tolist()) == list(range(8))
    assert plan_parts(inputs, lineage, width=8) == []  # small enough: one part, nothing copied


def test_one_group_is_never_split() -> None:
    framework = _framework()
    values = pd.DataFrame(
        [{"agency_code": f"AG{i}", "period": "2025", "indicator_code": "A1", "value": 0.5} for i in range(5)]
    )
    inputs = prepare_inputs(framework, values, groups=None)
    assert plan_parts(inputs, None, width=8, max_cells=1) == []


def test_a_previous_table_that_repeats_an_agency_and_node_is_rejected() -> None:
    framework = _framework()
    values = pd.DataFrame([{"agency_code": "AG1", "period": "2025", "indicator_code": "A1", "value": 0.5}])
    previous = score(framework, values.assign(period="2024")).table
    repeated = pd.concat([previous, previous.iloc[[2]]], ignore_index=True)
    with pytest.raises(ScoringError) as caught:
        score(framework, values, previous=repeated)
    rows = [p.row for p in caught.value.problems]
    assert rows == [3, len(repeated)]
    assert "repeats an agency and node" in str(caught.value.to_dict())
