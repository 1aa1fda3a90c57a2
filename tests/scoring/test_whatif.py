"""What-if equals a full re-score with the changed values; group-relative criteria re-score the group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness_helpers import random_cell, three_pillars

from chiso.errors import ScoringError
from chiso.frameworks import Framework, load_framework
from chiso.scoring import score
from chiso.scoring.pipeline import run_pipeline
from chiso.scoring.whatif import CriterionChange, what_if

LEAVES = {
    "A1": {"max_points": 6, "rule": {"type": "ratio", "zero_denominator": "exclude"}},
    "A2": {"max_points": 4, "rule": {"type": "minmax"}},
    "A3": {"max_points": 10, "rule": {"type": "assessor"}, "missing": "last_period"},
    "B1": {"max_points": 15, "rule": {"type": "capped_linear", "target": 0.8}, "missing": "exclude"},
    "B2": {"max_points": 5, "rule": {"type": "percentile"}},
    "C1": {"max_points": 8, "rule": {"type": "fraction"}, "missing": "null_excluded"},
    "C2": {"max_points": 2, "rule": {"type": "yes_no"}, "missing": "group_mean"},
}


def _framework() -> Framework:
    return three_pillars(LEAVES, "whatif")


def _cell(leaf: str, rng: np.random.Generator) -> dict[str, object]:
    return random_cell(LEAVES[leaf]["rule"]["type"], rng)  # type: ignore[index]


def _values(seed: int, n: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for period in ("2024", "2025"):
        for a in range(n):
            for leaf in LEAVES:
                if rng.random() < 0.15:
                    continue
                rows.append(
                    {
                        "agency_code": f"AG{a:02d}",
                        "period": period,
                        "indicator_code": leaf,
                        **_cell(leaf, rng),
                    }
                )
    groups = pd.DataFrame(
        {"agency_code": [f"AG{a:02d}" for a in range(n)], "group": [f"G{a % 2}" for a in range(n)]}
    )
    return pd.DataFrame(rows), groups


def _changed_table(
    values: pd.DataFrame, agency: str, period: str, changes: dict[str, object]
) -> pd.DataFrame:
    keep = ~(
        (values["agency_code"] == agency)
        & (values["period"] == period)
        & values["indicator_code"].isin(list(changes))
    )
    rows = []
    for leaf, change in changes.items():
        row: dict[str, object] = {"agency_code": agency, "period": period, "indicator_code": leaf}
        if isinstance(change, CriterionChange):
            row.update(numerator=change.numerator, denominator=change.denominator, value=change.value)
        else:
            row.update(value=change)
        if LEAVES[leaf]["rule"]["type"] == "assessor":  # type: ignore[index]
            row["comment"] = "ok"
        rows.append(row)
    return pd.concat([values[keep], pd.DataFrame(rows)], ignore_index=True)


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, int, dict[str, object], str]:
    seed = draw(st.integers(0, 10_000))
    agency = draw(st.integers(0, 11))
    leaves = draw(st.lists(st.sampled_from(list(LEAVES)), min_size=1, max_size=3, unique=True))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    changes: dict[str, object] = {}
    for leaf in leaves:
        if draw(st.integers(0, 5)) == 0:
            changes[leaf] = None
            continue
        cell = _cell(leaf, rng)
        if "numerator" in cell:
            changes[leaf] = CriterionChange(
                numerator=float(cell["numerator"]), denominator=float(cell["denominator"])
            )
        else:
            changes[leaf] = cell["value"]
    period = draw(st.sampled_from(["2024", "2025"]))
    return seed, agency, changes, period


@settings(max_examples=60, deadline=None)
@given(cases())
def test_what_if_equals_a_full_re_score(case: tuple[int, int, dict[str, object], str]) -> None:
    seed, agency_index, changes, period = case
    framework = _framework()
    values, groups = _values(seed)
    agency = f"AG{agency_index:02d}"
    if not ((values["agency_code"] == agency) & (values["period"] == period)).any():
        return
    run = run_pipeline(framework, values, groups=groups)
    result = what_if(run, agency, changes, period=period)
    full = score(framework, _changed_table(values, agency, period, changes), groups=groups).totals()
    mine = full[(full["agency_code"] == agency) & (full["period"] == period)].iloc[0]
    expected_published = None if pd.isna(mine["published"]) else float(mine["published"])
    assert result.after.published == expected_published
    assert result.after.rank == (None if pd.isna(mine["rank"]) else int(mine["rank"]))
    assert result.after.band == (None if pd.isna(mine["band"]) else str(mine["band"]))
    relative = any(c in changes for c in ("A2", "B2", "C2"))  # minmax, percentile, group-mean fill
    assert result.method == ("group" if relative else "agency")


def test_the_766_timeliness_what_if_in_dossiers() -> None:
    framework = load_framework("qd766")
    values = pd.DataFrame(
        [
            {
                "agency_code": a,
                "period": "2025-06",
                "indicator_code": "TIMELINESS",
                "numerator": n,
                "denominator": 40,
            }
            for a, n in (("X", 29), ("Y", 33), ("Z", 35))
        ]
    )
    run = run_pipeline(framework, values)
    result = what_if(run, "X", {"TIMELINESS": CriterionChange(numerator=35, denominator=40)})
    assert result.before.rank == 3 and result.before.published == 14.5 + 12  # + 12: no petitions, full
    assert result.nodes["TIMELINESS"] == 17.5  # 20 x 35 / 40
    assert result.after.rank == 1  # ties Z at the top (shared rank)
    assert result.method == "agency" and result.reason_en == ""
    assert result.after.published - result.before.published == pytest.approx(3.0)


def test_what_if_names_bad_values_and_unknown_codes() -> None:
    framework = _framework()
    values, groups = _values(1)
    run = run_pipeline(framework, values, groups=groups)
    with pytest.raises(ScoringError) as info:
        what_if(run, "AG01", {"B1": 1.7, "A1": CriterionChange(numerator=5, denominator=3)})
    text = str(info.value)
    assert "B1: giá trị ngoài khoảng" in text and "A1: tử số lớn hơn mẫu số" in text
    with pytest.raises(ScoringError, match="NOPE"):
        what_if(run, "AG01", {"NOPE": 1})
    with pytest.raises(ScoringError, match="No agency ZZ"):
        what_if(run, "ZZ", {"B1": 0.5})
    with pytest.raises(ScoringError, match="No period 2030"):
        what_if(run, "AG01", {"B1": 0.5}, period="2030")
