"""Satisfaction (mức độ hài lòng, 18 points); monitoring layer, imports only ibis and metrics.base.

A petition is overdue when flagged so by the source system or when it was handled - or is still
open at the cut-off - after its due date. PETITION_HANDLING_SATISFACTION counts
max(0, total - dissatisfied - overdue - repeat) as the numerator, as the portal's
(total - dislikes - overdue - repeats) / total. DOSSIER_RECEIVING_SATISFACTION's rate is
1 - (late share + dissatisfied-rating share), i.e. max(0, received - late - dissatisfied) / received.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from chiso.monitoring.metrics.base import Metric, RowExpr, one, register
from chiso.monitoring.metrics.timeliness import dossier_on_time


def petition_overdue(p: ir.Table) -> ir.BooleanValue:
    """Return, per petition row, whether it is overdue at the cut-off."""
    end_at = p.handled_at.isnull().ifelse(p.cutoff, ibis.least(p.handled_at, p.cutoff))
    late = p.due_at.notnull() & (end_at > p.due_at)
    return p.overdue.fill_null(False) | late.fill_null(False)


def _on_time(p: ir.Table) -> ir.BooleanValue:
    return ~petition_overdue(p)


def _satisfied_count(p: ir.Table) -> ir.IntegerValue:
    # Row-level contribution 1 - dissatisfied - overdue - repeat; the metric clamps the sum at 0.
    return (
        1
        - p.dissatisfied.fill_null(False).cast("int64")
        - petition_overdue(p).cast("int64")
        - p.repeat.fill_null(False).cast("int64")
    )


def _dossier_ok(d: ir.Table) -> ir.IntegerValue:
    late = (~dossier_on_time(d)).cast("int64")
    disliked = (d.rating == "dissatisfied").fill_null(False).cast("int64")
    return 1 - late - disliked


def _category(name: str) -> RowExpr:
    def expr(p: ir.Table) -> ir.BooleanValue:
        return p.category == name

    return expr


PETITION_PROCESSING_ON_TIME = register(
    Metric(
        "PETITION_PROCESSING_ON_TIME",
        "satisfaction",
        "petitions",
        _on_time,
        one,
        "full",
        "Phản ánh, kiến nghị được xử lý đúng hạn",
        "Petitions handled on time",
        "6 x on_time / petitions; no petitions -> 6",
    )
)
PETITION_HANDLING_SATISFACTION = register(
    Metric(
        "PETITION_HANDLING_SATISFACTION",
        "satisfaction",
        "petitions",
        _satisfied_count,
        one,
        "full",
        "Mức độ hài lòng về xử lý phản ánh, kiến nghị",
        "Satisfaction with petition handling",
        "6 x max(0, total - dissatisfied - overdue - repeat) / total; no petitions -> 6",
        clamp_at_zero=True,
    )
)
DOSSIER_RECEIVING_SATISFACTION = register(
    Metric(
        "DOSSIER_RECEIVING_SATISFACTION",
        "satisfaction",
        "dossiers",
        _dossier_ok,
        one,
        "zero",
        "Mức độ hài lòng trong tiếp nhận, giải quyết hồ sơ",
        "Satisfaction with dossier handling",
        "rate = 1 - (late share + dissatisfied share); min(6, 6 x rate / 0.9); no dossiers -> 0",
        clamp_at_zero=True,
    )
)
PETITION_BY_PROCEDURE = register(
    Metric(
        "PETITION_BY_PROCEDURE",
        "satisfaction",
        "petitions",
        _category("procedure"),
        one,
        "null",
        "Phản ánh, kiến nghị về thủ tục hành chính",
        "Petitions about procedures",
        "monitoring only (0 points)",
    )
)
PETITION_BY_STAFF = register(
    Metric(
        "PETITION_BY_STAFF",
        "satisfaction",
        "petitions",
        _category("staff"),
        one,
        "null",
        "Phản ánh, kiến nghị về hành vi cán bộ",
        "Petitions about staff behaviour",
        "monitoring only (0 points)",
    )
)
