"""Transparency: procedures announced/published on time, complete content, dossiers synchronised."""

from __future__ import annotations

import pandas as pd
from metric_data import compute, counts, dossiers, procedures, row


def test_procedure_indicators_count_the_agencys_procedures_of_the_period() -> None:
    catalogue = procedures(
        # 1 Jul 2026 (Wed) -> effective 8 Jul: 5 working days ahead: on time; published 8 Jul: on time
        {"procedure_code": "P1", "announced_on": "2026-07-01", "legal_basis_effective_on": "2026-07-08",
         "published_on": "2026-07-08", "content_complete": True},
        # announced 2 working days ahead: late; published 10 working days after: late
        {"procedure_code": "P2", "announced_on": "2026-07-06", "legal_basis_effective_on": "2026-07-08",
         "published_on": "2026-07-20", "content_complete": False},
        # no dates: cannot prove timeliness
        {"procedure_code": "P3", "content_complete": True},
        # assigned to agency B by the catalogue, no dossier: still B's procedure
        {"procedure_code": "P4", "agency_code": "B", "announced_on": "2026-06-01",
         "legal_basis_effective_on": "2026-07-01", "published_on": "2026-06-02"},
    )  # fmt: skip
    result = compute(
        dossiers(
            {"procedure_code": "P1", "synced_national": True},
            {"procedure_code": "P1", "synced_national": True},
            {"procedure_code": "P2"},
            {"procedure_code": "P3"},
            {"procedure_code": "P9"},  # not in the catalogue: counted, never on time
        ),
        procedure_rows=catalogue,
        agencies=pd.DataFrame({"agency_code": ["A", "B"], "parent_code": [None, None]}),
    )
    assert counts(result, "A", "PUBLISH_ON_TIME") == (1, 4)
    assert counts(result, "A", "PUBLIC_UPDATE_ON_TIME") == (1, 4)
    assert counts(result, "A", "PUBLIC_CONTENT_FULL") == (2, 4)
    assert counts(result, "A", "DOSSIER_SYNC") == (2, 5)
    assert counts(result, "B", "PUBLISH_ON_TIME") == (1, 1)
    assert counts(result, "B", "PUBLIC_UPDATE_ON_TIME") == (1, 1)
    assert row(result, "B", "DOSSIER_SYNC")["value"] == 0.0  # no dossiers -> 0


def test_announcement_lead_counts_working_days_not_calendar_days() -> None:
    # Announced Friday 24 Apr 2026, effective Monday 4 May: 27 Apr, 30 Apr and 1 May are holidays,
    # so only 28 and 29 Apr are working days in between -> late, though 10 calendar days ahead.
    catalogue = procedures(
        {"procedure_code": "P1", "announced_on": "2026-04-24", "legal_basis_effective_on": "2026-05-04"},
        {"procedure_code": "P2", "announced_on": "2026-04-24", "legal_basis_effective_on": "2026-05-07"},
    )
    result = compute(
        dossiers({"procedure_code": "P1"}, {"procedure_code": "P2"}), procedure_rows=catalogue
    )
    assert counts(result, "A", "PUBLISH_ON_TIME") == (1, 2)
