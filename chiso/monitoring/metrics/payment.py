"""Online payment (thanh toán trực tuyến, 10 points); monitoring layer, imports only ibis and base.

As the national portal computes it (METHODOLOGY §1): points = 6A + min(2, 2B / 0.8) + min(2, 2C / 0.8),
A = dossiers paid online (national portal or provincial gateway) / dossiers with a financial
obligation, B = fee-bearing procedures with a successful online payment / fee-bearing procedures,
C = fee-bearing procedures whose dossiers carry the fee data (``fee_required`` sent with the dossier,
paid or not) / fee-bearing procedures; each part capped at its maximum. The qd766 framework scores
each part with the portal's rounding pipeline (`rounding: portal`). The agency's fee-bearing
procedures are the catalogue's fee-bearing procedures among the agency's procedures of the period.
"""

from __future__ import annotations

import ibis.expr.types as ir

from chiso.monitoring.metrics.base import Metric, flag, register


def dossier_paid_online(d: ir.Table) -> ir.BooleanValue:
    """Return, per dossier row, whether a fee was due and paid online (national or provincial)."""
    return d.fee_required & d.paid_online.isin([1, 2])


PAYMENT_DOSSIERS = register(
    Metric(
        "PAYMENT_DOSSIERS",
        "payment",
        "dossiers",
        dossier_paid_online,
        flag("fee_required"),
        "null",
        "Hồ sơ thanh toán trực tuyến",
        "Dossiers paid online",
        "6 x paid online / dossiers with a fee (6A)",
    )
)
PAYMENT_PROCEDURES = register(
    Metric(
        "PAYMENT_PROCEDURES",
        "payment",
        "procedures",
        flag("fee_bearing", "has_paid_online"),
        flag("fee_bearing"),
        "null",
        "Thủ tục có thanh toán trực tuyến",
        "Fee-bearing procedures with an online payment",
        "min(2, 2B / 0.8)",
    )
)
PAYMENT_FEE_COVERAGE = register(
    Metric(
        "PAYMENT_FEE_COVERAGE",
        "payment",
        "procedures",
        flag("fee_bearing", "has_fee_required"),
        flag("fee_bearing"),
        "null",
        "Thủ tục có hồ sơ mang dữ liệu phí, lệ phí",
        "Fee-bearing procedures whose dossiers carry fee data",
        "min(2, 2C / 0.8)",
    )
)
