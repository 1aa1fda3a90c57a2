"""Timeliness (tiến độ giải quyết, 20 points); monitoring layer, imports only ibis and metrics.base.

Follows the national portal: dossiers received in the period; a dossier is on time when it was
finished - or is still open at the period's cut-off - on or before its due date, the applicant's
waiting time (``paused_days`` working days) added to the due date; more than one supplement
request counts as late; a dossier without a due date cannot be late. Score = 20 x on_time /
received; an agency with no dossiers scores 0.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from chiso.monitoring.metrics.base import Metric, one, register


def _seconds_of_day(ts: ir.TimestampValue) -> ir.IntegerValue:
    return ts.hour() * 3600 + ts.minute() * 60 + ts.second()


def dossier_on_time(d: ir.Table) -> ir.BooleanValue:
    """Return, per dossier row, whether it counts as finished (or still open) on time.

    ``end_at`` is the finishing time, or the cut-off when the dossier was still open then.
    Without pauses the comparison is ``end_at <= due_at``. With ``paused_days`` = p > 0 the due
    date moves p working days later (same time of day): on time when the end day's working-day
    ordinal ``w_end`` is before ``w_due + p``, or equal to it on a working day at or before the due
    time of day (a weekend after the shifted due date is already late).
    """
    paused = d.paused_days.fill_null(0)
    shifted = d.w_due + paused
    by_working_days = (d.w_end < shifted) | (
        (d.w_end == shifted) & d.end_working & (_seconds_of_day(d.end_at) <= _seconds_of_day(d.due_at))
    )
    within_due = ibis.ifelse(paused > 0, by_working_days, d.end_at <= d.due_at)
    in_time = d.due_at.isnull() | within_due.fill_null(False)
    return in_time & (d.supplement_requests.fill_null(0) <= 1)


TIMELINESS = register(
    Metric(
        code="TIMELINESS",
        family="timeliness",
        source="dossiers",
        numerator=dossier_on_time,
        denominator=one,
        zero_policy="zero",
        name_vi="Hồ sơ giải quyết trước hạn, đúng hạn hoặc đang giải quyết trong hạn",
        name_en="Dossiers finished early or on time, or still open within the due date",
        rule="20 x on_time / received; no dossiers -> 0",
    )
)
