"""How the 766 portal computes (METHODOLOGY §1): rounded sums and null metrics left out of the sum.

Hand-made cases: 20 x 29 / 32 = 18.125 is published 18.13 and the group adds the rounded figure; a
group of three metrics where one has a zero denominator is published null, adds nothing and the group
keeps its full maximum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chiso.errors import InvalidInput
from chiso.frameworks import Framework, framework_from_dict, load_framework
from chiso.scoring import score


def _framework(
    *, aggregation: str = "sum", policy: str = "zero", missing: str = "zero", top: str = "sum"
) -> Framework:
    def ratio(code: str, points: float) -> dict[str, object]:
        return {
            "code": code,
            "name_vi": code,
            "max_points": points,
            "missing": missing,
            "rule": {"type": "ratio", "zero_denominator": policy},
        }

    return framework_from_dict(
        {
            "id": "portal",
            "name_vi": "Cổng",
            "max_points": 32,
            "aggregation": top,
            "nodes": [
                {
                    "code": "TIME",
                    "name_vi": "Tiến độ",
                    "max_points": 20,
                    "aggregation": aggregation,
                    "children": [ratio("ON_TIME", 20)],
                },
                {
                    "code": "OPEN",
                    "name_vi": "Công khai",
                    "max_points": 12,
                    "aggregation": aggregation,
                    "children": [ratio("M6", 6), ratio("M4", 4), ratio("M2", 2)],
                },
            ],
        }
    )


def _values(rows: list[tuple[str, str, float | None, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"agency_code": a, "period": "2025", "indicator_code": c, "numerator": n, "denominator": d}
            for a, c, n, d in rows
        ]
    )


def _points(result, agency: str) -> dict[str, float]:
    table = result.table[result.table["agency_code"] == agency]
    return dict(zip(table["node_code"].astype(str), table["published"], strict=True))


def test_a_group_total_is_the_sum_of_its_rounded_metric_scores() -> None:
    rows = [("A", "ON_TIME", 29, 32), ("A", "M6", 3, 16), ("A", "M4", 9, 32), ("A", "M2", 9, 16)]
    # 20 x 29/32 = 18.125 -> 18.13; 6 x 3/16 = 1.125 -> 1.13; 4 x 9/32 = 1.125 -> 1.13; 2 x 9/16 = 1.125
    plain = _points(score(_framework(), _values(rows)), "A")
    rounded = _points(score(_framework(aggregation="rounded_sum", top="rounded_sum"), _values(rows)), "A")
    assert plain["ON_TIME"] == rounded["ON_TIME"] == 18.13
    assert plain["OPEN"] == 3.38  # 3.375 rounded once
    assert rounded["OPEN"] == 3.39  # 1.13 + 1.13 + 1.13
    assert plain["TOTAL"] == 21.5  # 18.125 + 3.375
    assert rounded["TOTAL"] == 21.52  # 18.13 + 3.39: the index adds the rounded group totals


def test_rounded_sum_rescales_like_sum_when_a_child_is_excluded() -> None:
    rows = [("A", "ON_TIME", 29, 32), ("A", "M6", 3, 16), ("A", "M4", 0, 0), ("A", "M2", 9, 16)]
    result = score(_framework(aggregation="rounded_sum", policy="exclude"), _values(rows))
    # M4 excluded: (1.13 + 1.13) x 12 / 8 = 3.39
    assert _points(result, "A")["OPEN"] == 3.39


def test_a_zero_denominator_is_null_left_out_of_the_sum_and_the_group_keeps_its_max() -> None:
    rows = [("A", "ON_TIME", 32, 32), ("A", "M6", 3, 4), ("A", "M4", 0, 0), ("A", "M2", 1, 2)]
    null = score(_framework(policy="null_excluded"), _values(rows))
    excluded = score(_framework(policy="exclude"), _values(rows))
    zero = score(_framework(policy="zero"), _values(rows))
    table = null.table.set_index("node_code")
    assert np.isnan(table.loc["M4", "points"]) and np.isnan(table.loc["M4", "published"])
    assert pd.isna(table.loc["M4", "rank"])
    assert table.loc["OPEN", "points"] == 4.5 + 1.0  # not rescaled
    assert table.loc["OPEN", "max_points"] == 12  # the group keeps its full maximum
    assert table.loc["TOTAL", "published"] == 25.5
    assert _points(excluded, "A")["OPEN"] == 8.25  # exclude rescales: 5.5 x 12 / 8
    assert _points(zero, "A")["M4"] == 0.0  # zero publishes a 0, null publishes nothing
    note = null.explain("A")[2]
    assert note["indicator_code"] == "M4" and note["points"] is None
    assert note["note"] == "zero denominator: null, left out of the parent's sum (parent keeps its max)"


def test_a_missing_value_can_be_null_too_and_a_group_of_nulls_is_null() -> None:
    rows = [("A", "ON_TIME", 10, 20), ("A", "M6", None, None), ("B", "ON_TIME", 20, 20), ("B", "M6", 1, 1)]
    result = score(_framework(missing="null_excluded", policy="null_excluded"), _values(rows))
    a = result.table[result.table["agency_code"] == "A"].set_index("node_code")
    # A has no data in OPEN at all: the group is null and the index adds TIME alone, not rescaled.
    assert np.isnan(a.loc["OPEN", "points"])
    assert a.loc["TOTAL", "points"] == 10.0
    b = _points(result, "B")
    assert b["OPEN"] == 6.0 and b["TOTAL"] == 26.0
    assert result.totals().set_index("agency_code")["rank"].to_dict() == {"A": 2, "B": 1}


def test_null_excluded_needs_adding_parents_and_rounded_sum_checks_its_max() -> None:
    raw = _framework(policy="null_excluded").model_dump(mode="json")
    raw["nodes"][1]["aggregation"] = "weighted_mean"
    with pytest.raises(InvalidInput, match="null_excluded needs every ancestor"):
        framework_from_dict(raw)
    raw = _framework(aggregation="rounded_sum").model_dump(mode="json")
    raw["nodes"][1]["max_points"] = 13
    with pytest.raises(InvalidInput, match="add up to 12"):
        framework_from_dict(raw)


def test_the_bundled_frameworks_keep_their_defaults() -> None:
    for framework_id in ("dti-province-2022", "danang-it"):
        framework = load_framework(framework_id)
        nodes = [node for node, _ in framework.walk()]
        assert framework.aggregation != "rounded_sum"
        assert all(node.aggregation != "rounded_sum" for node in nodes)
        assert all(node.missing != "null_excluded" for node in nodes)


def test_qd766_follows_the_portal_by_default() -> None:
    """Issue 15: rounded metric scores summed into groups and the index; a zero denominator is left out."""
    framework = load_framework("qd766")
    groups = list(framework.nodes)
    assert framework.aggregation == "rounded_sum" and all(g.aggregation == "rounded_sum" for g in groups)
    leaves = framework.leaves()
    assert any(getattr(leaf.rule, "zero_denominator", None) == "null_excluded" for leaf in leaves)
