"""Online payment (thanh toán trực tuyến, 10 points); monitoring layer, imports only ibis and base.

Inferred from the portal [unofficial]: points = 6A + min(2, 2.5B) + 2.5C, capped at 10, where
A = dossiers paid online / dossiers with a fee, B = procedures with an online-paid dossier /
fee-bearing procedures, C = procedures with fee-bearing dossiers / fee-bearing procedures. The
agency's fee-bearing procedures are the catalogue's fee-bearing procedures among those with a
dossier of the agency in the period.
"""

from __future__ import annotations

import ibis.expr.types as ir

from chiso.monitoring.metrics.base import Metric, register


def dossier_paid_online(d: ir.Table) -> ir.BooleanValue:
    """Return, per dossier row, whether a fee was due and paid online (national or provincial)."""
    return d.fee_required & d.paid_online.isin([1, 2])


def _fee_required(d: ir.Table) -> ir.BooleanValue:
    return d.fee_required


def _fee_bearing(p: ir.Table) -> ir.BooleanValue:
    return p.fee_bearing


def _fee_bearing_paid_online(p: ir.Table) -> ir.BooleanValue:
    return p.fee_bearing & p.has_paid_online


def _fee_bearing_with_fee_dossiers(p: ir.Table) -> ir.BooleanValue:
    return p.fee_bearing & p.has_fee_required


PAYMENT_DOSSIERS = register(
    Metric(
        "PAYMENT_DOSSIERS",
        "payment",
        "dossiers",
        dossier_paid_online,
        _fee_required,
        "zero",
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
        _fee_bearing_paid_online,
        _fee_bearing,
        "zero",
        "Thủ tục có thanh toán trực tuyến",
        "Fee-bearing procedures with an online payment",
        "min(2, 2.5B)",
    )
)
PAYMENT_FEE_COVERAGE = register(
    Metric(
        "PAYMENT_FEE_COVERAGE",
        "payment",
        "procedures",
        _fee_bearing_with_fee_dossiers,
        _fee_bearing,
        "zero",
        "Thủ tục có phát sinh hồ sơ có phí",
        "Fee-bearing procedures with fee-paying dossiers",
        "2.5C; the payment group is capped at 10",
    )
)
