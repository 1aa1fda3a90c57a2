"""Digitisation as the portal computes it: every dossier indicator over dossiers received, procedures
for citizens connected to the population database (METHODOLOGY §1)."""

from __future__ import annotations

import pandas as pd
from metric_data import compute, counts, dossiers, procedures, row


def test_digitisation_counts_are_over_dossiers_received() -> None:
    done = {"status": "finished", "finished_at": "2026-08-05 10:00"}
    result = compute(
        dossiers(
            {**done, "e_result": True, "personal_storage_synced": True, "digitised": True},
            {**done, "e_result": True, "digitised": True, "reused_data": True, "population_data": True},
            {**done, "e_certified_copy": True},
            {"status": "returned", "finished_at": "2026-08-05 10:00", "e_result": True},
            {"status": "processing", "personal_storage_synced": True},  # still counts: over received
            {"procedure_code": "P2", "population_data": True},
        ),
    )
    assert counts(result, "A", "ORIGINAL_RESULT_AVAILABLE") == (3, 6)
    assert counts(result, "A", "SYNCED_WITH_DVCQG_PERSONAL_STORAGE") == (2, 6)
    assert counts(result, "A", "SO_HOA_GIAY_TO_GIAI_QUYET") == (2, 6)
    assert counts(result, "A", "ELECTRONIC_CERTIFIED_COPY") == (1, 6)
    assert counts(result, "A", "REUSED_DIGITIZED_DATA") == (1, 6)
    assert counts(result, "A", "CITIZEN_DATA_CONNECTED_DOSSIER") == (2, 6)


def test_no_dossier_received_is_null_for_every_dossier_indicator() -> None:
    agencies = pd.DataFrame({"agency_code": ["A", "QUIET"], "parent_code": [None, None]})
    result = compute(dossiers({}), agencies=agencies)
    for code in ("ORIGINAL_RESULT_AVAILABLE", "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
                 "SO_HOA_GIAY_TO_GIAI_QUYET", "ELECTRONIC_CERTIFIED_COPY", "REUSED_DIGITIZED_DATA",
                 "CITIZEN_DATA_CONNECTED_DOSSIER"):  # fmt: skip
        assert counts(result, "QUIET", code) == (0, 0)
        assert pd.isna(row(result, "QUIET", code)["value"]), code


def test_citizen_procedures_connected_over_procedures_for_citizens() -> None:
    catalogue = procedures(
        {"procedure_code": "P1", "for_citizens": True, "population_data_connected": True},
        {"procedure_code": "P2", "for_citizens": True},  # a dossier used population data: not enough
        {"procedure_code": "P3", "population_data_connected": True},  # not for citizens: outside
        {"procedure_code": "P4", "for_citizens": True, "agency_code": "A"},  # A's, no dossier
    )
    result = compute(
        dossiers({"procedure_code": "P1"}, {"procedure_code": "P2", "population_data": True},
                 {"procedure_code": "P3"}),
        procedure_rows=catalogue,
    )  # fmt: skip
    assert counts(result, "A", "CITIZEN_DATA_CONNECTED_FORMALITY") == (1, 3)


def test_no_procedure_for_citizens_is_null() -> None:
    result = compute(dossiers({"population_data": True}))
    assert counts(result, "A", "CITIZEN_DATA_CONNECTED_FORMALITY") == (0, 0)
    assert pd.isna(row(result, "A", "CITIZEN_DATA_CONNECTED_FORMALITY")["value"])
