"""Satisfaction: petitions on time, petition satisfaction (clamped), dossier satisfaction, categories."""

from __future__ import annotations

import pandas as pd
from metric_data import compute, counts, dossiers, petitions, row


def test_petitions_on_time_and_satisfaction() -> None:
    result = compute(
        dossiers({}),
        petition_rows=petitions(
            {"handled_at": "2026-08-10 10:00", "category": "procedure"},  # on time
            {"handled_at": "2026-08-10 10:00", "overdue": True, "category": "staff"},  # flagged overdue
            {"handled_at": "2026-08-25 10:00"},  # handled after the due date 24 Aug 17:00
            {"due_at": "2026-08-20 17:00"},  # still open at the period end, past due
            {"due_at": "2026-09-20 17:00", "dissatisfied": True, "repeat": True},  # open, in time
        ),
    )
    assert counts(result, "A", "PETITION_PROCESSING_ON_TIME") == (2, 5)
    # 5 - dissatisfied 1 - overdue 3 - repeat 1 = 0
    assert counts(result, "A", "PETITION_HANDLING_SATISFACTION") == (0, 5)
    assert counts(result, "A", "PETITION_BY_PROCEDURE") == (1, 5)
    assert counts(result, "A", "PETITION_BY_STAFF") == (1, 5)


def test_handling_satisfaction_is_clamped_at_zero() -> None:
    bad = {"handled_at": "2026-08-30 10:00", "dissatisfied": True, "repeat": True, "overdue": True}
    result = compute(dossiers({}), petition_rows=petitions(bad, bad))
    r = row(result, "A", "PETITION_HANDLING_SATISFACTION")
    assert (r["numerator"], r["denominator"], r["value"]) == (0, 2, 0.0)


def test_no_petitions_scores_full_marks_but_no_dossiers_scores_zero() -> None:
    agencies = pd.DataFrame({"agency_code": ["A", "QUIET"], "parent_code": [None, None]})
    result = compute(dossiers({}), agencies=agencies)
    assert row(result, "QUIET", "PETITION_PROCESSING_ON_TIME")["value"] == 1.0
    assert row(result, "QUIET", "PETITION_HANDLING_SATISFACTION")["value"] == 1.0
    assert row(result, "QUIET", "DOSSIER_RECEIVING_SATISFACTION")["value"] == 0.0
    assert pd.isna(row(result, "QUIET", "PETITION_BY_STAFF")["value"])


def test_dossier_satisfaction_subtracts_late_and_dissatisfied() -> None:
    ok = {"finished_at": "2026-08-05 10:00", "status": "finished"}
    late = {"due_at": "2026-08-04 17:00"}
    unhappy = {"rating": "dissatisfied"}
    result = compute(dossiers(*[ok] * 7, {**ok, **unhappy}, late, {**late, **unhappy}))
    # 10 received - 2 late - 2 dissatisfied = 6 -> rate 0.6
    r = row(result, "A", "DOSSIER_RECEIVING_SATISFACTION")
    assert (r["numerator"], r["denominator"], r["value"]) == (6, 10, 0.6)
