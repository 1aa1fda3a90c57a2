"""Online payment: dossiers paid online (A), procedures with online payment (B), fee coverage (C)."""

from __future__ import annotations

from metric_data import compute, counts, dossiers, procedures


def test_payment_counts() -> None:
    catalogue = procedures(
        {"procedure_code": "P1", "fee_bearing": True},
        {"procedure_code": "P2", "fee_bearing": True},
        {"procedure_code": "P3", "fee_bearing": True, "agency_code": "A"},  # A's, no dossier this month
        {"procedure_code": "P4"},
    )
    result = compute(
        dossiers(
            {"procedure_code": "P1", "fee_required": True, "paid_online": 1},
            {"procedure_code": "P1", "fee_required": True, "paid_online": 2},
            {"procedure_code": "P2", "fee_required": True, "paid_online": 0},
            {"procedure_code": "P4", "fee_required": False, "paid_online": 1},  # no fee: not counted
        ),
        procedure_rows=catalogue,
    )
    assert counts(result, "A", "PAYMENT_DOSSIERS") == (2, 3)
    assert counts(result, "A", "PAYMENT_PROCEDURES") == (1, 3)
    assert counts(result, "A", "PAYMENT_FEE_COVERAGE") == (2, 3)
