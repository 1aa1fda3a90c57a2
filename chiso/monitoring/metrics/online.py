"""Online public services (dịch vụ công trực tuyến, 12 points); monitoring layer, imports only ibis and base.

The three sub-indicators the national portal documents (METHODOLOGY §1): procedures offering
online services (full marks at >= 80%), online services that received online dossiers, and the
online dossiers' share of dossiers received times the sync rate (full marks at >= 50%). The split
of the 12 points is not published ([unknown]): the qd766 framework uses 4/4/4, editable. A
procedure offers online services when the catalogue says so (``online_available``) or when one of
its dossiers of the period was submitted online. ONLINE_FULL_DOSSIER_RATE (full-online dossiers of
eligible procedures) is kept for monitoring, 0 points.
"""

from __future__ import annotations

import ibis.expr.types as ir

from chiso.monitoring.metrics.base import Metric, flag, one, register


def _procedure_online(p: ir.Table) -> ir.BooleanValue:
    return p.online_available | p.has_online


def _submitted_online(d: ir.Table) -> ir.BooleanValue:
    return d.channel == "online"


ONLINE_FULL_DOSSIER_RATE = register(
    Metric(
        "ONLINE_FULL_DOSSIER_RATE",
        "online",
        "dossiers",
        flag("full_online", "full_online_eligible"),
        flag("full_online_eligible"),
        "null",
        "Hồ sơ trực tuyến toàn trình trên hồ sơ của thủ tục đủ điều kiện toàn trình",
        "Full-online dossiers over dossiers of procedures eligible for full-online",
        "full_online dossiers of eligible procedures / dossiers of eligible procedures (monitoring)",
    )
)
ONLINE_PROCEDURE_RATE = register(
    Metric(
        "ONLINE_PROCEDURE_RATE",
        "online",
        "procedures",
        _procedure_online,
        one,
        "null",
        "Thủ tục cung cấp dịch vụ công trực tuyến",
        "Procedures offering online services",
        "procedures online (catalogue or an online dossier) / procedures (full marks at 80%)",
    )
)
ONLINE_SERVICE_USED = register(
    Metric(
        "ONLINE_SERVICE_USED",
        "online",
        "procedures",
        flag("has_online"),
        _procedure_online,
        "null",
        "Dịch vụ công trực tuyến có phát sinh hồ sơ trực tuyến",
        "Online services that received online dossiers",
        "procedures online with an online dossier in the period / procedures online",
    )
)
ONLINE_SUBMISSION_RATE = register(
    Metric(
        "ONLINE_SUBMISSION_RATE",
        "online",
        "dossiers",
        _submitted_online,
        one,
        "null",
        "Tỷ lệ hồ sơ nộp trực tuyến (nhân tỷ lệ đồng bộ)",
        "Share of dossiers submitted online (x sync rate)",
        "channel = online / received x DOSSIER_SYNC rate (full marks at 50%)",
        times_rate_of="DOSSIER_SYNC",
    )
)
