"""Transparency (công khai, minh bạch, 18 points); monitoring layer, imports only ibis and metrics.base.

As the national portal computes them (METHODOLOGY §1): announced on time and published on time count
only the agency's procedures whose announcing decision is dated in the period (``announced_in_period``
of the ``procedures`` source); a period without announcements is null. Province rules: the
announcing decision is dated at least 5 working days before the legal basis takes effect; the
procedure is published in the national database within 5 working days of the announcement. A
missing date cannot prove timeliness: it counts as not on time. Complete content is one
province-wide figure over the catalogue (procedures published nationally with complete content /
procedures published there), the same on every unit. Dossier sync is over dossiers received.
"""

from __future__ import annotations

import ibis.expr.types as ir

from chiso.monitoring.metrics.base import Metric, flag, one, register

ANNOUNCE_LEAD_WORKING_DAYS = 5
PUBLISH_WITHIN_WORKING_DAYS = 5


def _announced_on_time(p: ir.Table) -> ir.BooleanValue:
    return p.announced_in_period & ((p.w_effective - p.w_announced) >= ANNOUNCE_LEAD_WORKING_DAYS)


def _published_on_time(p: ir.Table) -> ir.BooleanValue:
    return p.announced_in_period & ((p.w_published - p.w_announced) <= PUBLISH_WITHIN_WORKING_DAYS)


def _published_nationally(c: ir.Table) -> ir.BooleanValue:
    return c.published_on.notnull()


def _published_complete(c: ir.Table) -> ir.BooleanValue:
    return c.published_on.notnull() & c.content_complete.fill_null(False)


PUBLISH_ON_TIME = register(
    Metric(
        "PUBLISH_ON_TIME",
        "transparency",
        "procedures",
        _announced_on_time,
        flag("announced_in_period"),
        "null",
        "Thủ tục được công bố đúng hạn",
        "Procedures announced on time",
        f"procedures announced in the period >= {ANNOUNCE_LEAD_WORKING_DAYS} working days before the "
        "legal basis takes effect / procedures announced in the period; none -> null",
    )
)
PUBLIC_UPDATE_ON_TIME = register(
    Metric(
        "PUBLIC_UPDATE_ON_TIME",
        "transparency",
        "procedures",
        _published_on_time,
        flag("announced_in_period"),
        "null",
        "Thủ tục được cập nhật, công khai đúng hạn trên CSDL quốc gia",
        "Procedures published on time in the national procedure database",
        f"procedures announced in the period and published within {PUBLISH_WITHIN_WORKING_DAYS} working "
        "days / procedures announced in the period; none -> null",
    )
)
PUBLIC_CONTENT_FULL = register(
    Metric(
        "PUBLIC_CONTENT_FULL",
        "transparency",
        "catalogue",
        _published_complete,
        _published_nationally,
        "null",
        "Thủ tục công khai đầy đủ nội dung",
        "Procedures published with all required content",
        "province-wide: catalogue procedures published nationally with complete content / published; "
        "the same figure on every unit",
    )
)
DOSSIER_SYNC = register(
    Metric(
        "DOSSIER_SYNC",
        "transparency",
        "dossiers",
        flag("synced_national"),
        one,
        "null",
        "Hồ sơ được đồng bộ lên Cổng DVC quốc gia",
        "Dossiers synchronised with the national portal",
        "synced_national dossiers / received",
    )
)
