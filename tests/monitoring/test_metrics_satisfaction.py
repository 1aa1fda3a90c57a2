"""Satisfaction: petitions on time, petition satisfaction, dossier satisfaction, categories.

As the portal counts them (METHODOLOGY §1): a petition both late and disliked is unhappy once; a
dossier late, disliked and complained about (a petition naming it) is unhappy once.
"""

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
    # unhappy: 3 overdue, 1 dissatisfied and repeated (in time) -> 1 happy of 5
    assert counts(result, "A", "PETITION_HANDLING_SATISFACTION") == (1, 5)
    assert counts(result, "A", "PETITION_BY_PROCEDURE") == (1, 5)
    assert counts(result, "A", "PETITION_BY_STAFF") == (1, 5)


def test_a_petition_late_and_disliked_counts_once() -> None:
    bad = {"handled_at": "2026-08-30 10:00", "dissatisfied": True, "repeat": True, "overdue": True}
    good = {"handled_at": "2026-08-10 10:00"}
    result = compute(dossiers({}), petition_rows=petitions(bad, good, good))
    r = row(result, "A", "PETITION_HANDLING_SATISFACTION")
    # the old rule (3 - 3 for the bad one) gave 0 of 3; the portal's gives 2 of 3
    assert (r["numerator"], r["denominator"]) == (2, 3)


def test_no_petitions_scores_full_marks_but_no_dossiers_scores_zero() -> None:
    agencies = pd.DataFrame({"agency_code": ["A", "QUIET"], "parent_code": [None, None]})
    result = compute(dossiers({}), agencies=agencies)
    assert row(result, "QUIET", "PETITION_PROCESSING_ON_TIME")["value"] == 1.0
    assert row(result, "QUIET", "PETITION_HANDLING_SATISFACTION")["value"] == 1.0
    assert row(result, "QUIET", "DOSSIER_RECEIVING_SATISFACTION")["value"] == 0.0
    assert pd.isna(row(result, "QUIET", "PETITION_BY_STAFF")["value"])


def test_dossier_satisfaction_counts_each_unhappy_dossier_once() -> None:
    ok = {"finished_at": "2026-08-05 10:00", "status": "finished"}
    late = {"due_at": "2026-08-04 17:00"}
    unhappy = {"rating": "dissatisfied"}
    result = compute(dossiers(*[ok] * 7, {**ok, **unhappy}, late, {**late, **unhappy}))
    # 10 received; unhappy: 1 disliked, 1 late, 1 late and disliked (once) -> 7 of 10
    r = row(result, "A", "DOSSIER_RECEIVING_SATISFACTION")
    assert (r["numerator"], r["denominator"], r["value"]) == (7, 10, 0.7)


def test_a_complaint_about_a_dossier_makes_it_unhappy_once() -> None:
    ok = {"finished_at": "2026-08-05 10:00", "status": "finished"}
    complaints = petitions(
        {"dossier_id": "dos-0"},
        {"dossier_id": "dos-0"},  # a second complaint about the same dossier: still one dossier
        {"dossier_id": "elsewhere"},  # names no dossier of this agency
    )
    result = compute(dossiers(ok, ok, ok, ok), petition_rows=complaints)
    assert counts(result, "A", "DOSSIER_RECEIVING_SATISFACTION") == (3, 4)


def test_a_late_disliked_complained_dossier_counts_once() -> None:
    ok = {"finished_at": "2026-08-05 10:00", "status": "finished"}
    late_disliked = {"due_at": "2026-08-04 17:00", "rating": "dissatisfied"}
    result = compute(dossiers(late_disliked, ok, ok, ok), petition_rows=petitions({"dossier_id": "dos-0"}))
    assert counts(result, "A", "DOSSIER_RECEIVING_SATISFACTION") == (3, 4)  # 1 - 1 - 1 - 1 would give 2
