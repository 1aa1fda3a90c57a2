"""The rows a publication stores from a Monte Carlo run: the engine's intervals, one row per ranked agency,
band shares that add up, whatever the values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.flows.intervals import interval_record, record_for_run
from chiso.frameworks import framework_from_dict, uncertainty_from_dict
from chiso.scoring.pipeline import run_pipeline
from chiso.scoring.uncertainty import compute_rank_intervals

FRAMEWORK = framework_from_dict(
    {
        "id": "record-test",
        "name_vi": "Thử",
        "max_points": 30,
        "bands": [
            {"code": "T", "label_vi": "Tốt", "min": 20},
            {"code": "K", "label_vi": "Khá", "min": 10, "max": 20},
            {"code": "Y", "label_vi": "Yếu", "max": 10},
        ],
        "nodes": [
            {"code": "P", "name_vi": "P", "max_points": 20, "children": [
                {"code": "X", "name_vi": "X", "max_points": 10, "rule": {"type": "fraction"}},
                {"code": "Y", "name_vi": "Y", "max_points": 10, "rule": {"type": "assessor"}},
            ]},
            {"code": "Q", "name_vi": "Q", "max_points": 10, "children": [
                {"code": "Z", "name_vi": "Z", "max_points": 10, "rule": {"type": "fraction"}},
            ]},
        ],
    }
)  # fmt: skip
FACTORS = [{"kind": "weights", "spread": 0.5}, {"kind": "assessor", "points": 2}]
SPEC = uncertainty_from_dict({"replications": 64, "seed": 3, "factors": FACTORS}, FRAMEWORK)


def _run(cells: list[tuple[float, float, float]], groups: int) -> object:
    rows = []
    for i, (x, y, z) in enumerate(cells):
        agency = f"A{i:02d}"
        rows += [
            {"agency_code": agency, "period": "2025", "indicator_code": "X", "value": x},
            {"agency_code": agency, "period": "2025", "indicator_code": "Y", "value": y, "comment": "ok"},
            {"agency_code": agency, "period": "2025", "indicator_code": "Z", "value": z},
        ]
    table = pd.DataFrame({"agency_code": [f"A{i:02d}" for i in range(len(cells))],
                          "group": [f"G{i % groups}" for i in range(len(cells))]})  # fmt: skip
    return run_pipeline(FRAMEWORK, pd.DataFrame(rows), groups=table)


share = st.floats(0, 1).map(lambda v: round(v, 2))
points = st.integers(0, 20).map(lambda v: v / 2)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(share, points, share), min_size=1, max_size=12), st.integers(1, 3))
def test_the_stored_rows_are_the_engines_intervals(
    cells: list[tuple[float, float, float]], groups: int
) -> None:
    run = _run(cells, groups)
    result = compute_rank_intervals(run, SPEC)  # type: ignore[arg-type]
    record = interval_record(result)
    assert len(record.rows) == len(result.table)
    assert record.log["output_hash"] == result.log["output_hash"] and record.log["seed"] == 3
    for row, engine in zip(record.rows, result.table.to_dict("records"), strict=True):
        assert (row["rank_low"], row["rank_high"], row["rank_median"]) == (
            engine["rank_low"], engine["rank_high"], engine["median_rank"],
        )  # fmt: skip
        assert row["rank_low"] <= row["rank_median"] <= row["rank_high"] <= row["group_size"]
        assert row["firm"] == (row["rank_low"] == row["rank_high"])
        assert set(row["band_probabilities"]) == {"Tốt", "Khá", "Yếu"}
        assert sum(row["band_probabilities"].values()) == pytest.approx(1.0, abs=1e-5)


def test_a_spec_that_does_not_fit_publishes_the_reason_instead(tmp_path: Path) -> None:
    run = _run([(0.5, 3.0, 0.2), (0.9, 8.0, 0.1)], 1)
    framework_file = tmp_path / "record-test.yaml"
    framework_file.write_text("id: record-test\n", encoding="utf-8")  # only its name is read here
    beside = tmp_path / "record-test.uncertainty.yaml"
    beside.write_text("factors:\n  - {kind: weights, parents: [NO_SUCH_NODE]}\n", encoding="utf-8")
    record = record_for_run(run, framework_id=str(framework_file))  # type: ignore[arg-type]
    assert record.rows == [] and "NO_SUCH_NODE" in record.log["error"]["en"]
    assert "không khớp" in record.log["error"]["vi"]
    assert record.method().error_vi and record.method().replications is None
    beside.unlink()  # no spec beside the framework: the default spec, intervals computed
    assert record_for_run(run, framework_id=str(framework_file)).rows  # type: ignore[arg-type]
