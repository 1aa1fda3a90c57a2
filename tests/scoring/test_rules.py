"""Each rule by hand, the rule contract, missing-value policies and aggregations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiso.frameworks import RULE_PARAMS, framework_from_dict, parse_rule
from chiso.scoring import RULES, score
from chiso.scoring.rules import LeafContext, apply_rule

CTX = LeafContext(10.0, np.zeros(4, dtype=np.int64))


def test_every_rule_key_has_an_implementation() -> None:
    assert set(RULE_PARAMS) == set(RULES)


@pytest.mark.parametrize(
    ("rule", "values", "expected"),
    [
        ({"type": "yes_no"}, [1, 0, 1, 0], [10, 0, 10, 0]),
        ({"type": "capped_linear", "target": 0.8}, [0, 0.4, 0.8, 1], [0, 5, 10, 10]),
        ({"type": "ratio", "target": 0.5}, [0, 0.25, 0.5, 0.9], [0, 5, 10, 10]),
        ({"type": "fraction"}, [0, 0.25, 0.5, 1], [0, 2.5, 5, 10]),
        ({"type": "assessor"}, [0, 3.5, 7, 10], [0, 3.5, 7, 10]),
        ({"type": "bonus_penalty", "min_points": -5}, [-5, 0, 2, 10], [-5, 0, 2, 10]),
        ({"type": "monitoring"}, [3, 0, 7, 1], [0, 0, 0, 0]),
        (
            {"type": "step_bands", "steps": [{"min": 1, "points": 4}, {"min": 5, "points": 10}]},
            [0, 1, 4, 9],
            [0, 4, 4, 10],
        ),
        ({"type": "minmax"}, [2, 4, 6, 10], [0, 2.5, 5, 10]),
        ({"type": "minmax", "higher_is_better": False}, [2, 4, 6, 10], [10, 7.5, 5, 0]),
        ({"type": "percentile"}, [5, 1, 3, 3], [10, 0, 5, 5]),
    ],
)
def test_rule_by_hand(rule: dict[str, object], values: list[float], expected: list[float]) -> None:
    points = apply_rule(parse_rule(rule), np.array(values, dtype=float), context=CTX, indicator_code="X")
    np.testing.assert_allclose(points, expected)


@given(
    st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=1, max_size=30),
    st.sampled_from(sorted(RULE_PARAMS)),
)
def test_rule_contract_length_kept_and_nan_only_where_input_was_nan(
    values: list[float | None], key: str
) -> None:
    raw: dict[str, object] = {"type": key}
    if key in ("capped_linear",):
        raw["target"] = 0.5
    if key == "step_bands":
        raw["steps"] = [{"min": 0.5, "points": 3}]
    array = np.array([np.nan if v is None else v for v in values], dtype=float)
    context = LeafContext(10.0, np.zeros(array.size, dtype=np.int64))
    points = apply_rule(parse_rule(raw), array, context=context, indicator_code="X")
    assert points.shape == array.shape
    assert (np.isnan(points) == np.isnan(array)).all()


def test_minmax_is_within_each_peer_group() -> None:
    context = LeafContext(10.0, np.array([0, 0, 1, 1], dtype=np.int64))
    points = apply_rule(
        parse_rule({"type": "minmax"}), np.array([1.0, 3.0, 5.0, 5.0]), context=context, indicator_code="X"
    )
    np.testing.assert_allclose(points, [0, 10, 10, 10])  # a constant group scores full by default


def _framework(missing: str, aggregation: str = "sum", zero_den: str = "zero") -> object:
    return framework_from_dict(
        {
            "id": "t",
            "name_vi": "t",
            "nodes": [
                {
                    "code": "P",
                    "name_vi": "P",
                    "max_points": 20,
                    "aggregation": aggregation,
                    "children": [
                        {
                            "code": "L1",
                            "name_vi": "L1",
                            "max_points": 10,
                            "weight": 1,
                            "missing": missing,
                            "rule": {"type": "ratio", "zero_denominator": zero_den},
                        },
                        {
                            "code": "L2",
                            "name_vi": "L2",
                            "max_points": 10,
                            "weight": 3,
                            "rule": {"type": "fraction"},
                        },
                    ],
                }
            ],
        }
    )


def _rows(spec: list[tuple[str, str, str, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"agency_code": a, "period": p, "indicator_code": c, "value": v} for a, p, c, v in spec]
    )


def _points(result, agency: str, node: str, period: str | None = None) -> float:
    t = result.table
    sel = (t["agency_code"] == agency) & (t["node_code"] == node)
    if period:
        sel &= t["period"] == period
    return float(t[sel]["points"].iloc[0])


def test_missing_policies() -> None:
    spec = [
        ("A", "1", "L1", 0.8),
        ("A", "1", "L2", 0.5),
        ("B", "1", "L1", 0.4),
        ("B", "1", "L2", 0.5),
        ("C", "1", "L2", 0.5),
    ]
    values = _rows(spec)
    assert _points(score(_framework("zero"), values), "C", "L1") == 0.0
    assert _points(score(_framework("full"), values), "C", "L1") == 10.0
    assert _points(score(_framework("group_mean"), values), "C", "L1") == pytest.approx(6.0)
    assert _points(score(_framework("group_median"), values), "C", "L1") == pytest.approx(6.0)
    excluded = score(_framework("exclude"), values)
    assert np.isnan(_points(excluded, "C", "L1"))
    assert _points(excluded, "C", "P") == pytest.approx(10.0)  # 5 of 10 rescaled to 20


def test_history_policies_carry_the_previous_period() -> None:
    spec = [
        ("A", "1", "L1", 0.8),
        ("A", "1", "L2", 0.5),
        ("A", "2", "L2", 0.5),
        ("A", "3", "L1", 0.2),
        ("A", "3", "L2", 0.5),
        ("A", "4", "L2", 0.5),
    ]
    last = score(_framework("last_period"), _rows(spec))
    assert _points(last, "A", "L1", "2") == 8.0
    assert _points(last, "A", "L1", "4") == 2.0
    average = score(_framework("prior_average"), _rows(spec))
    assert _points(average, "A", "L1", "4") == pytest.approx((8 + 8 + 2) / 3)
    first = score(_framework("last_period"), _rows([("A", "1", "L2", 0.5)]))
    notes = first.explanations
    assert (
        notes[notes["indicator_code"] == "L1"]["note"].iloc[0] == "missing value: no earlier period, scored 0"
    )


def test_zero_denominator_policies() -> None:
    values = pd.DataFrame(
        [
            {"agency_code": "A", "period": "1", "indicator_code": "L1", "numerator": 0, "denominator": 0},
            {"agency_code": "A", "period": "1", "indicator_code": "L2", "value": 1.0},
        ]
    )
    assert _points(score(_framework("zero", zero_den="full"), values), "A", "L1") == 10.0
    assert _points(score(_framework("zero", zero_den="zero"), values), "A", "L1") == 0.0
    assert _points(score(_framework("zero", zero_den="exclude"), values), "A", "P") == 20.0


def test_weighted_and_geometric_means() -> None:
    values = _rows([("A", "1", "L1", 0.5), ("A", "1", "L2", 1.0)])
    weighted = score(_framework("zero", "weighted_mean"), values)
    assert _points(weighted, "A", "P") == pytest.approx(20 * (1 * 0.5 + 3 * 1.0) / 4)
    geometric = score(_framework("zero", "geometric_mean"), values)
    assert _points(geometric, "A", "P") == pytest.approx(20 * (0.5**1 * 1.0**3) ** (1 / 4))


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.one_of(st.none(), st.sampled_from([0.0, 1.0, 2.5]), st.floats(0, 9))),
        min_size=1,
        max_size=40,
    )
)
def test_group_normalisations_match_a_plain_pandas_reference(cells: list[tuple[int, float | None]]) -> None:
    groups = np.array([g for g, _ in cells], dtype=np.int64)
    values = np.array([np.nan if v is None else v for _, v in cells], dtype=float)
    context = LeafContext(10.0, groups)
    frame = pd.DataFrame({"g": groups, "v": values})
    ranks = frame.groupby("g")["v"].rank(method="average")
    counts = frame.groupby("g")["v"].transform("count")
    expected = np.where(counts > 1, 10.0 * (ranks - 1) / (counts - 1), 10.0)
    expected = np.where(np.isnan(values), np.nan, expected)
    got = apply_rule(parse_rule({"type": "percentile"}), values, context=context, indicator_code="X")
    np.testing.assert_allclose(got, expected)
    low = frame.groupby("g")["v"].transform("min").to_numpy()
    high = frame.groupby("g")["v"].transform("max").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(high > low, (values - low) / (high - low), 1.0)
    expected_mm = np.where(np.isnan(values), np.nan, 10.0 * spread)
    got_mm = apply_rule(parse_rule({"type": "minmax"}), values, context=context, indicator_code="X")
    np.testing.assert_allclose(got_mm, expected_mm)


def test_bands_as_percent_of_max_on_the_published_total() -> None:
    framework = framework_from_dict(
        {
            "id": "pct",
            "name_vi": "pct",
            "max_points": 200,
            "band_basis": "percent",
            "bands": [
                {"code": "A", "label_vi": "Tốt", "min": 80},
                {"code": "B", "label_vi": "Yếu", "max": 80},
            ],
            "nodes": [{"code": "L", "name_vi": "L", "max_points": 200, "rule": {"type": "fraction"}}],
        }
    )
    values = _rows([("A", "1", "L", 0.8), ("B", "1", "L", 0.79995), ("C", "1", "L", 0.79994)])
    totals = score(framework, values).totals().set_index("agency_code")
    # 159.99 -> 79.995% is below 80; 159.988 publishes as 159.99 too: the band follows the published figure.
    assert totals.loc["A", "band"] == "Tốt"
    assert totals.loc["B", "published"] == 159.99 and totals.loc["B", "band"] == "Yếu"
    assert totals.loc["C", "published"] == 159.99 and totals.loc["C", "band"] == "Yếu"
    assert totals.loc["B", "rank"] == totals.loc["C", "rank"] == 2
