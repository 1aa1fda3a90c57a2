"""Online services: full-online dossiers of eligible procedures, procedures online, submissions online."""

from __future__ import annotations

from metric_data import compute, counts, dossiers, procedures


def test_online_rates() -> None:
    catalogue = procedures(
        {"procedure_code": "P1", "full_online_eligible": True},
        {"procedure_code": "P2", "online_available": True},
        {"procedure_code": "P3"},
    )
    result = compute(
        dossiers(
            {"procedure_code": "P1", "channel": "online", "full_online": True},
            {"procedure_code": "P1", "channel": "online", "full_online": True},
            {"procedure_code": "P1", "channel": "direct"},
            {"procedure_code": "P2", "channel": "postal", "full_online": True},  # not eligible
            {"procedure_code": "P3", "channel": "direct"},
        ),
        procedure_rows=catalogue,
    )
    assert counts(result, "A", "ONLINE_FULL_DOSSIER_RATE") == (2, 3)
    # P1 had online dossiers, P2 offers online service in the catalogue, P3 neither
    assert counts(result, "A", "ONLINE_PROCEDURE_RATE") == (2, 3)
    assert counts(result, "A", "ONLINE_SUBMISSION_RATE") == (2, 5)


def test_without_a_catalogue_nothing_is_eligible() -> None:
    result = compute(dossiers({"channel": "online", "full_online": True}))
    assert counts(result, "A", "ONLINE_FULL_DOSSIER_RATE") == (0, 0)
    assert counts(result, "A", "ONLINE_PROCEDURE_RATE") == (1, 1)
