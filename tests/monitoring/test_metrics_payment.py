"""Online payment: dossiers paid online (A), procedures with online payment (B), fee data (C)."""

from __future__ import annotations

import pandas as pd
from metric_data import compute, counts, dossiers, procedures, row


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
            # fee data sent with the dossier, not paid: counts for C, independent of payment
            {"procedure_code": "P2", "fee_required": True, "paid_online": 0},
            {"procedure_code": "P4", "fee_required": False, "paid_online": 1},  # no fee: not counted
        ),
        procedure_rows=catalogue,
    )
    assert counts(result, "A", "PAYMENT_DOSSIERS") == (2, 3)
    assert counts(result, "A", "PAYMENT_PROCEDURES") == (1, 3)
    assert counts(result, "A", "PAYMENT_FEE_COVERAGE") == (2, 3)


def test_no_fee_is_null_not_zero() -> None:
    result = compute(dossiers({"procedure_code": "P4"}), procedure_rows=procedures({"procedure_code": "P4"}))
    for code in ("PAYMENT_DOSSIERS", "PAYMENT_PROCEDURES", "PAYMENT_FEE_COVERAGE"):
        assert counts(result, "A", code) == (0, 0)
        assert pd.isna(row(result, "A", code)["value"]), code
