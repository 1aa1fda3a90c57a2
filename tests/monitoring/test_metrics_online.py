"""Online services: procedures online, online services used, online share x sync rate (METHODOLOGY §1)."""

from __future__ import annotations

import pandas as pd
import pytest
from metric_data import compute, counts, dossiers, procedures, row


def test_online_rates() -> None:
    catalogue = procedures(
        {"procedure_code": "P1", "full_online_eligible": True},
        {"procedure_code": "P2", "online_available": True},
        {"procedure_code": "P3"},
    )
    result = compute(
        dossiers(
            {"procedure_code": "P1", "channel": "online", "full_online": True, "synced_national": True},
            {"procedure_code": "P1", "channel": "online", "full_online": True, "synced_national": True},
            {"procedure_code": "P1", "channel": "direct", "synced_national": True},
            {"procedure_code": "P2", "channel": "postal", "full_online": True},  # not eligible
            {"procedure_code": "P3", "channel": "direct"},
        ),
        procedure_rows=catalogue,
    )
    assert counts(result, "A", "ONLINE_FULL_DOSSIER_RATE") == (2, 3)
    # P1 had online dossiers, P2 offers online service in the catalogue, P3 neither
    assert counts(result, "A", "ONLINE_PROCEDURE_RATE") == (2, 3)
    # of the two online services only P1 received an online dossier
    assert counts(result, "A", "ONLINE_SERVICE_USED") == (1, 2)
    # online share 2/5 times the sync rate 3/5
    assert counts(result, "A", "ONLINE_SUBMISSION_RATE") == (2, 5)
    assert row(result, "A", "ONLINE_SUBMISSION_RATE")["value"] == pytest.approx(0.4 * 0.6)


def test_without_a_catalogue_nothing_is_eligible_and_no_online_service_is_null() -> None:
    result = compute(dossiers({"channel": "online", "full_online": True}, {"procedure_code": "P2"}))
    assert counts(result, "A", "ONLINE_FULL_DOSSIER_RATE") == (0, 0)
    assert pd.isna(row(result, "A", "ONLINE_FULL_DOSSIER_RATE")["value"])
    assert counts(result, "A", "ONLINE_PROCEDURE_RATE") == (1, 2)
    assert counts(result, "A", "ONLINE_SERVICE_USED") == (1, 1)
