"""Timeliness worked examples: on time with pauses and supplements, still-open dossiers, zero received."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from metric_data import compute, counts, dossiers, row

# 3 Aug 2026 is a Monday; the default dossier is due Friday 7 Aug 2026 at 17:00.


@pytest.mark.parametrize(
    ("finished_at", "paused_days", "on_time"),
    [
        ("2026-08-07 16:59", 0, True),  # before the due time
        ("2026-08-07 17:00", 0, True),  # exactly at the due time
        ("2026-08-07 17:01", 0, False),  # a minute late
        ("2026-08-08 09:00", 0, False),  # the Saturday after: late
        ("2026-08-08 09:00", 1, True),  # paused 1 working day -> due Monday 10 Aug 17:00
        ("2026-08-10 17:00", 1, True),
        ("2026-08-10 17:01", 1, False),
        ("2026-08-11 09:00", 1, False),
        ("2026-08-13 12:00", 4, True),  # 4 working days later: Thursday 13 Aug 17:00
        ("2026-08-14 08:00", 4, False),
        ("2026-08-17 10:00", 6, True),  # 6 working days crosses the weekend: Monday 17 Aug
        ("2026-08-18 10:00", 6, False),
    ],
)
def test_finished_dossier_on_time_with_pauses(finished_at: str, paused_days: int, on_time: bool) -> None:
    result = compute(dossiers({"finished_at": finished_at, "status": "finished", "paused_days": paused_days}))
    assert counts(result, "A", "TIMELINESS") == (int(on_time), 1)


def test_more_than_one_supplement_request_is_late_even_when_early() -> None:
    result = compute(
        dossiers(
            {"finished_at": "2026-08-04 10:00", "status": "finished", "supplement_requests": 1},
            {"finished_at": "2026-08-04 10:00", "status": "finished", "supplement_requests": 2},
            {"finished_at": "2026-08-04 10:00", "status": "finished", "supplement_requests": 5},
        )
    )
    assert counts(result, "A", "TIMELINESS") == (1, 3)


def test_still_open_dossiers_are_judged_at_the_period_end() -> None:
    result = compute(
        dossiers(
            {"due_at": "2026-09-15 17:00"},  # open on 31 Aug, due later: on time
            {"due_at": "2026-08-20 17:00"},  # open on 31 Aug, overdue since 20 Aug: late
            {"due_at": "2026-09-01 08:00", "status": "waiting_supplement"},  # due next morning: on time
            {"due_at": "2026-08-31 17:00"},  # due at 17:00 on the last day, open at midnight: late
            # finished after the period: still open at its end, and already overdue then
            {"due_at": "2026-08-28 17:00", "finished_at": "2026-09-03 10:00", "status": "finished"},
            # finished after the period, but within due at the period end: on time
            {"due_at": "2026-09-10 17:00", "finished_at": "2026-09-03 10:00", "status": "finished"},
        )
    )
    assert counts(result, "A", "TIMELINESS") == (3, 6)


def test_live_cut_off_judges_open_dossiers_now() -> None:
    rows = dossiers({"due_at": "2026-08-20 17:00"}, {"due_at": "2026-08-10 17:00"})
    early = compute(rows, as_of=datetime(2026, 8, 12, 9, 0))
    assert counts(early, "A", "TIMELINESS") == (1, 2)
    assert counts(compute(rows), "A", "TIMELINESS") == (0, 2)


def test_dossier_without_due_date_cannot_be_late() -> None:
    result = compute(dossiers({"due_at": None}, {"due_at": None, "finished_at": "2026-08-30 10:00"}))
    assert counts(result, "A", "TIMELINESS") == (2, 2)


def test_only_dossiers_received_in_the_period_count() -> None:
    result = compute(
        dossiers(
            {"received_at": "2026-07-31 23:59", "due_at": "2026-08-01 10:00"},  # July: not counted
            {"received_at": "2026-08-01 00:00", "finished_at": "2026-08-03 10:00"},
            {"received_at": "2026-08-31 23:59", "due_at": "2026-09-04 17:00"},
            {"received_at": "2026-09-01 00:00"},  # September: not counted
        )
    )
    assert counts(result, "A", "TIMELINESS") == (2, 2)


def test_agency_with_no_dossiers_scores_zero() -> None:
    agencies = pd.DataFrame({"agency_code": ["A", "EMPTY"], "parent_code": [None, None]})
    result = compute(dossiers({"finished_at": "2026-08-04 10:00"}), agencies=agencies)
    empty = row(result, "EMPTY", "TIMELINESS")
    assert (empty["numerator"], empty["denominator"], empty["value"]) == (0, 0, 0.0)
    assert row(result, "A", "TIMELINESS")["value"] == 1.0


def test_twenty_nine_of_thirty_two_on_time() -> None:
    on_time = {"finished_at": "2026-08-05 10:00", "status": "finished"}
    rows = [on_time] * 29 + [{"due_at": "2026-08-04 17:00"}] * 3
    result = compute(dossiers(*rows))
    r = row(result, "A", "TIMELINESS")
    assert (r["numerator"], r["denominator"]) == (29, 32)
    assert 20 * r["value"] == pytest.approx(18.125, abs=1e-12)


def test_pause_across_public_holidays() -> None:
    # Due Wednesday 29 Apr 2026; 30 Apr and 1 May are public holidays, so 1 paused working day
    # moves the due date to Monday 4 May.
    base = {"received_at": "2026-04-20 09:00", "due_at": "2026-04-29 17:00", "paused_days": 1}
    result = compute(
        dossiers({**base, "finished_at": "2026-05-04 09:00"}, {**base, "finished_at": "2026-05-05 09:00"}),
        period="2026-Q2",  # a quarter, so that both finish inside the period
    )
    assert counts(result, "A", "TIMELINESS") == (1, 2)


def test_months_of_a_quarter_in_one_pass() -> None:
    result = compute(
        dossiers(
            {"received_at": "2026-07-06 09:00", "due_at": "2026-07-10 17:00", "finished_at": "2026-07-09"},
            {"received_at": "2026-08-03 09:00"},
            {"received_at": "2026-09-07 09:00", "due_at": "2026-09-11 17:00", "finished_at": "2026-09-10"},
        ),
        period="2026-Q3",
        by="month",
    )
    assert counts(result, "A", "TIMELINESS", "2026-07") == (1, 1)
    assert counts(result, "A", "TIMELINESS", "2026-08") == (0, 1)
    assert counts(result, "A", "TIMELINESS", "2026-09") == (1, 1)
