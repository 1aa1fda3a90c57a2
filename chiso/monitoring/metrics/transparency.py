"""Transparency (công khai, minh bạch, 18 points); monitoring layer, imports only ibis and metrics.base.

The procedure indicators count the agency's procedures of the period: the distinct procedures
with at least one dossier received by the agency in the period, with their catalogue entry.
Province rules: the announcing decision is dated at least 5 working days before the legal basis
takes effect; the procedure is published in the national database within 5 working days of the
announcement. A missing date cannot prove timeliness: it counts as not on time.
"""

from __future__ import annotations

import ibis.expr.types as ir

from chiso.monitoring.metrics.base import Metric, one, register

ANNOUNCE_LEAD_WORKING_DAYS = 5
PUBLISH_WITHIN_WORKING_DAYS = 5


def _announced_on_time(p: ir.Table) -> ir.BooleanValue:
    return (p.w_effective - p.w_announced) >= ANNOUNCE_LEAD_WORKING_DAYS


def _published_on_time(p: ir.Table) -> ir.BooleanValue:
    return (p.w_published - p.w_announced) <= PUBLISH_WITHIN_WORKING_DAYS


def _content_complete(p: ir.Table) -> ir.BooleanValue:
    return p.content_complete


def _synced(d: ir.Table) -> ir.BooleanValue:
    return d.synced_national


PUBLISH_ON_TIME = register(
    Metric(
        "PUBLISH_ON_TIME",
        "transparency",
        "procedures",
        _announced_on_time,
        one,
        "zero",
        "Thủ tục được công bố đúng hạn",
        "Procedures announced on time",
        f"announced >= {ANNOUNCE_LEAD_WORKING_DAYS} working days before the legal basis takes effect",
    )
)
PUBLIC_UPDATE_ON_TIME = register(
    Metric(
        "PUBLIC_UPDATE_ON_TIME",
        "transparency",
        "procedures",
        _published_on_time,
        one,
        "zero",
        "Thủ tục được cập nhật, công khai đúng hạn trên CSDL quốc gia",
        "Procedures published on time in the national procedure database",
        f"published within {PUBLISH_WITHIN_WORKING_DAYS} working days of the announcement",
    )
)
PUBLIC_CONTENT_FULL = register(
    Metric(
        "PUBLIC_CONTENT_FULL",
        "transparency",
        "procedures",
        _content_complete,
        one,
        "zero",
        "Thủ tục công khai đầy đủ nội dung",
        "Procedures published with all required content",
        "content_complete procedures / procedures",
    )
)
DOSSIER_SYNC = register(
    Metric(
        "DOSSIER_SYNC",
        "transparency",
        "dossiers",
        _synced,
        one,
        "zero",
        "Hồ sơ được đồng bộ lên Cổng DVC quốc gia",
        "Dossiers synchronised with the national portal",
        "synced_national dossiers / received",
    )
)
