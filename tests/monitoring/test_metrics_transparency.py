"""Transparency as the portal computes it: procedures of announcing decisions dated in the period,
one province-wide complete-content figure, dossiers synchronised (METHODOLOGY §1)."""

from __future__ import annotations

import pandas as pd
from metric_data import compute, counts, dossiers, procedures, row


def _catalogue():  # type: ignore[no-untyped-def]
    return procedures(
        # announced Mon 3 Aug, effective Mon 10 Aug: 5 working days ahead: on time; published then: on time
        {"procedure_code": "P1", "announced_on": "2026-08-03", "legal_basis_effective_on": "2026-08-10",
         "published_on": "2026-08-10", "content_complete": True},
        # announced 2 working days ahead: late; published 10 working days after: late
        {"procedure_code": "P2", "announced_on": "2026-08-06", "legal_basis_effective_on": "2026-08-10",
         "published_on": "2026-08-20", "content_complete": False},
        # announced before the period: not in this period's announcements
        {"procedure_code": "P3", "announced_on": "2026-06-01", "legal_basis_effective_on": "2026-07-01",
         "published_on": "2026-06-02", "content_complete": True},
        # never published nationally: outside the complete-content figure
        {"procedure_code": "P4", "agency_code": "B", "content_complete": True},
    )  # fmt: skip


def test_announced_and_published_on_time_count_the_announcements_of_the_period() -> None:
    result = compute(
        dossiers(
            {"procedure_code": "P1", "synced_national": True},
            {"procedure_code": "P1", "synced_national": True},
            {"procedure_code": "P2"},
            {"procedure_code": "P3"},
            {"procedure_code": "P9"},  # not in the catalogue: no announcement
        ),
        procedure_rows=_catalogue(),
        agencies=pd.DataFrame({"agency_code": ["A", "B"], "parent_code": [None, None]}),
    )
    assert counts(result, "A", "PUBLISH_ON_TIME") == (1, 2)
    assert counts(result, "A", "PUBLIC_UPDATE_ON_TIME") == (1, 2)
    assert counts(result, "A", "DOSSIER_SYNC") == (2, 5)


def test_a_period_without_announcements_and_an_agency_without_dossiers_are_null() -> None:
    result = compute(
        dossiers({"procedure_code": "P3"}),
        procedure_rows=_catalogue(),
        agencies=pd.DataFrame({"agency_code": ["A", "B"], "parent_code": [None, None]}),
    )
    assert counts(result, "A", "PUBLISH_ON_TIME") == (0, 0)
    assert pd.isna(row(result, "A", "PUBLISH_ON_TIME")["value"])
    assert pd.isna(row(result, "A", "PUBLIC_UPDATE_ON_TIME")["value"])
    assert pd.isna(row(result, "B", "DOSSIER_SYNC")["value"])  # no dossiers -> null, not 0


def test_complete_content_is_one_province_figure_on_every_unit() -> None:
    agencies = pd.DataFrame(
        {"agency_code": ["PROV", "A", "B", "C"], "parent_code": [None, "PROV", "PROV", None]}
    )
    result = compute(dossiers({"procedure_code": "P1"}), procedure_rows=_catalogue(), agencies=agencies)
    # published nationally: P1, P2, P3; with complete content: P1, P3 (P4 never published)
    for agency in ("PROV", "A", "B", "C"):
        assert counts(result, agency, "PUBLIC_CONTENT_FULL") == (2, 3), agency


def test_announcement_lead_counts_working_days_not_calendar_days() -> None:
    # Announced Friday 24 Apr 2026, effective Monday 4 May: 27 Apr, 30 Apr and 1 May are holidays,
    # so only 28 and 29 Apr are working days in between -> late, though 10 calendar days ahead.
    catalogue = procedures(
        {"procedure_code": "P1", "announced_on": "2026-04-24", "legal_basis_effective_on": "2026-05-04"},
        {"procedure_code": "P2", "announced_on": "2026-04-24", "legal_basis_effective_on": "2026-05-07"},
    )
    result = compute(
        dossiers({"procedure_code": "P1", "received_at": "2026-04-27 09:00"},
                 {"procedure_code": "P2", "received_at": "2026-04-27 09:00"}),
        procedure_rows=catalogue, period="2026-04",
    )  # fmt: skip
    assert counts(result, "A", "PUBLISH_ON_TIME") == (1, 2)
