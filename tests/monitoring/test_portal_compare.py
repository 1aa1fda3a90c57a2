"""The pure comparison with the portal: ratios as published, the likely reason of each difference."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiso.monitoring.reconcile import COLUMNS, explaining_dossiers, likely_reason, percent, reconcile


@pytest.mark.parametrize(
    ("num", "den", "published"),
    [(29, 32, 90.63), (1, 3, 33.33), (2, 3, 66.67), (1, 8, 12.5), (0, 5, 0.0), (3, 0, None)],
)
def test_ratios_are_rounded_half_up_as_the_portal_publishes(
    num: int, den: int, published: float | None
) -> None:
    assert percent(num, den) == published


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_a_ratio_is_within_half_a_hundredth_of_the_exact_one(num: int, den: int) -> None:
    value = percent(num, den)
    assert value is not None and abs(value - 100 * num / den) <= 0.005 + 1e-9


def _row(**kw: object) -> dict[str, object]:
    return {"indicator_code": "TIMELINESS", "_side": "both", **kw}


@pytest.mark.parametrize(
    ("row", "facts", "reason"),
    [
        (_row(_side="portal"), None, "portal_only"),
        (_row(_side="ours"), None, "chiso_only"),
        (_row(ours_denominator=8, portal_denominator=10), {"unsynced": 3}, "missing_in_chiso"),
        (
            _row(ours_denominator=10, portal_denominator=8),
            {"unsynced": 2, "outside_catalogue": 5},
            "not_synced",
        ),
        (_row(ours_denominator=10, portal_denominator=8), {"outside_catalogue": 2}, "outside_catalogue"),
        (_row(ours_denominator=10, portal_denominator=8), {}, "extra_in_chiso"),
        (
            _row(ours_denominator=10, portal_denominator=10, ours_numerator=7, portal_numerator=9),
            {},
            "due_dates",
        ),
        (
            _row(
                indicator_code="ORIGINAL_RESULT_AVAILABLE",
                ours_denominator=10,
                portal_denominator=10,
                ours_numerator=7,
                portal_numerator=9,
            ),
            {},
            "flags",
        ),  # fmt: skip
        (
            _row(
                ours_denominator=4,
                portal_denominator=4,
                ours_numerator=3,
                portal_numerator=3,
                ours_score=15.0,
                portal_score=15.01,
            ),
            {},
            "score_only",
        ),  # fmt: skip
        (
            _row(
                ours_denominator=4,
                portal_denominator=4,
                ours_numerator=3,
                portal_numerator=3,
                ours_score=15.0,
                portal_score=15.0,
            ),
            {},
            "match",
        ),  # fmt: skip
    ],
)
def test_the_likely_reason_follows_the_documented_order(
    row: dict[str, object], facts: dict[str, int] | None, reason: str
) -> None:
    assert likely_reason(row, facts) == reason


def test_reconcile_compares_only_what_the_portal_publishes_largest_difference_first() -> None:
    ours = pd.DataFrame(
        [("A", "TIMELINESS", 7, 10), ("B", "TIMELINESS", 5, 5), ("A", "PAYMENT_DOSSIERS", 1, 2),
         ("Z", "TIMELINESS", 0, 0)],
        columns=["agency_code", "indicator_code", "numerator", "denominator"],
    )  # fmt: skip
    portal = pd.DataFrame(
        [("A", "TIMELINESS", 9, 10, 90.0, 18.0), ("B", "TIMELINESS", 5, 9, None, 11.11)],
        columns=["agency_code", "indicator_code", "numerator", "denominator", "ratio", "score"],
    )
    table = reconcile(
        ours, portal, facts=pd.DataFrame({"agency_code": ["B"], "unsynced": [0], "outside_catalogue": [0]})
    )
    assert list(table.columns) == COLUMNS
    assert table[["agency_code", "reason", "diff_denominator", "diff_numerator"]].values.tolist() == [
        ["B", "missing_in_chiso", -4.0, 0.0],
        ["A", "due_dates", 0.0, -2.0],
    ]  # fmt: skip
    assert table.loc[0, "portal_ratio"] == 55.56 and table.loc[1, "ours_ratio"] == 70.0


def test_the_dossiers_closest_to_their_due_time_explain_a_due_date_difference() -> None:
    stamp = pd.Timestamp
    dossiers = pd.DataFrame(
        {
            "dossier_id": ["D1", "D2", "D3", "D4"], "agency_code": ["A", "A", "A", "B"],
            "procedure_code": ["P"] * 4, "received_at": [stamp("2026-02-02 08:00")] * 4,
            "due_at": [stamp("2026-02-05 17:00"), stamp("2026-02-05 17:00"), None, stamp("2026-02-05 17:00")],
            "finished_at": [stamp("2026-02-09 17:00"), stamp("2026-02-05 17:30"), None, None],
            "status": ["finished", "finished", "processing", "processing"],
            "synced_national": [True, False, True, True], "in_catalogue": [True, True, False, True],
        }
    )  # fmt: skip
    cutoff = stamp("2026-03-01 00:00")
    due = explaining_dossiers(dossiers, agency_code="A", reason="due_dates", cutoff=cutoff)
    assert due["dossier_id"].tolist() == ["D2", "D1"] and due["margin_hours"].tolist() == [0.5, 96.0]
    assert explaining_dossiers(dossiers, agency_code="A", reason="not_synced", cutoff=cutoff)[
        "dossier_id"
    ].tolist() == ["D2"]
    outside = explaining_dossiers(dossiers, agency_code="A", reason="outside_catalogue", cutoff=cutoff)
    assert outside["dossier_id"].tolist() == ["D3"]
    assert explaining_dossiers(dossiers, agency_code="A", reason="flags", cutoff=cutoff).empty
