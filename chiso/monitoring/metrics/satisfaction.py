"""Satisfaction (mức độ hài lòng, 18 points); monitoring layer, imports only ibis and metrics.base.

A petition is overdue when flagged so by the source system or when it was handled - or is still
open at the cut-off - after its due date. As the national portal computes them (METHODOLOGY §1):
PETITION_HANDLING_SATISFACTION counts the petitions neither disliked, nor repeated, nor overdue (a
petition both late and disliked counts once); DOSSIER_RECEIVING_SATISFACTION counts the dossiers
received that are neither late, nor disliked, nor complained about (a petition whose ``dossier_id``
names the dossier; subtracted by `chiso.monitoring.compute.counts`): a late disliked dossier counts
once.
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


def _satisfied(p: ir.Table) -> ir.BooleanValue:
    unhappy = p.dissatisfied.fill_null(False) | petition_overdue(p) | p.repeat.fill_null(False)
    return ~unhappy


def dossier_ok(d: ir.Table) -> ir.BooleanValue:
    """Return, per dossier row, whether it is on time and not disliked (complaints are subtracted later)."""
    return dossier_on_time(d) & ~(d.rating == "dissatisfied").fill_null(False)


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
        _satisfied,
        one,
        "full",
        "Mức độ hài lòng về xử lý phản ánh, kiến nghị",
        "Satisfaction with petition handling",
        "6 x petitions not disliked, not repeated, not overdue / total; no petitions -> 6",
    )
)
DOSSIER_RECEIVING_SATISFACTION = register(
    Metric(
        "DOSSIER_RECEIVING_SATISFACTION",
        "satisfaction",
        "dossiers",
        dossier_ok,
        one,
        "zero",
        "Mức độ hài lòng trong tiếp nhận, giải quyết hồ sơ",
        "Satisfaction with dossier handling",
        "(received - late - complained or disliked, each dossier once) / received; min(6, 6 x rate / 0.9); "
        "no dossiers -> 0",
        minus_complained=True,
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
