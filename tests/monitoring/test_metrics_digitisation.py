"""Digitisation: electronic results of finished dossiers, digitised, reused, population data."""

from __future__ import annotations

from metric_data import compute, counts, dossiers, procedures


def test_digitisation_counts() -> None:
    done = {"status": "finished", "finished_at": "2026-08-05 10:00"}
    result = compute(
        dossiers(
            {**done, "e_result": True, "personal_storage_synced": True, "digitised": True},
            {**done, "e_result": True, "digitised": True, "reused_data": True, "population_data": True},
            {**done, "e_certified_copy": True},
            {"status": "returned", "finished_at": "2026-08-05 10:00", "e_result": True},  # not a result
            {"status": "finished", "finished_at": "2026-09-02 10:00", "e_result": True},  # after the period
            {"procedure_code": "P2", "population_data": True},
        ),
        procedure_rows=procedures(
            {"procedure_code": "P3", "agency_code": "A", "population_data_connected": True}
        ),
    )
    assert counts(result, "A", "ORIGINAL_RESULT_AVAILABLE") == (2, 3)
    assert counts(result, "A", "SYNCED_WITH_DVCQG_PERSONAL_STORAGE") == (1, 3)
    assert counts(result, "A", "SO_HOA_GIAY_TO_GIAI_QUYET") == (2, 6)
    assert counts(result, "A", "ELECTRONIC_CERTIFIED_COPY") == (1, 6)
    assert counts(result, "A", "REUSED_DIGITIZED_DATA") == (1, 6)
    assert counts(result, "A", "CITIZEN_DATA_CONNECTED_DOSSIER") == (2, 6)
    # P1 (a dossier used population data), P2 (same), P3 (catalogue says connected)
    assert counts(result, "A", "CITIZEN_DATA_CONNECTED_FORMALITY") == (3, 3)
