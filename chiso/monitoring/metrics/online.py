"""Online public services (dịch vụ công trực tuyến, 12 points); monitoring layer, imports only ibis and base.

The split of the 12 points is not published ([unknown] in METHODOLOGY): the qd766 framework uses
4/4/4 and the secretariat may edit it. Full marks at 80% of procedures online and at 50% online
submission are the framework's capped rules; the metrics here deliver the plain rates.
A procedure offers online services when the catalogue says so (``online_available``) or when one
of its dossiers of the period was submitted online.
"""

from __future__ import annotations

import ibis.expr.types as ir

from chiso.monitoring.metrics.base import Metric, one, register


def _full_online_of_eligible(d: ir.Table) -> ir.BooleanValue:
    return d.full_online & d.full_online_eligible


def _dossiers_of_eligible(d: ir.Table) -> ir.BooleanValue:
    return d.full_online_eligible


def _procedure_online(p: ir.Table) -> ir.BooleanValue:
    return p.online_available | p.has_online


def _submitted_online(d: ir.Table) -> ir.BooleanValue:
    return d.channel == "online"


ONLINE_FULL_DOSSIER_RATE = register(
    Metric(
        "ONLINE_FULL_DOSSIER_RATE",
        "online",
        "dossiers",
        _full_online_of_eligible,
        _dossiers_of_eligible,
        "zero",
        "Hồ sơ trực tuyến toàn trình trên hồ sơ của thủ tục đủ điều kiện toàn trình",
        "Full-online dossiers over dossiers of procedures eligible for full-online",
        "full_online dossiers of eligible procedures / dossiers of eligible procedures",
    )
)
ONLINE_PROCEDURE_RATE = register(
    Metric(
        "ONLINE_PROCEDURE_RATE",
        "online",
        "procedures",
        _procedure_online,
        one,
        "zero",
        "Thủ tục cung cấp dịch vụ công trực tuyến",
        "Procedures offering online services",
        "procedures online (catalogue or an online dossier) / procedures (full marks at 80%)",
    )
)
ONLINE_SUBMISSION_RATE = register(
    Metric(
        "ONLINE_SUBMISSION_RATE",
        "online",
        "dossiers",
        _submitted_online,
        one,
        "zero",
        "Tỷ lệ hồ sơ nộp trực tuyến",
        "Share of dossiers submitted online",
        "channel = online / received (full marks at 50%)",
    )
)
