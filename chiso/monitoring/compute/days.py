"""Day tables joined by the prepared sources: working-day ordinals and the periods' days; compute layer.

Working-day arithmetic is plain integer arithmetic on every engine: `workday_table` gives every day
of the Vietnamese calendar (`chiso.monitoring.calendar`, with the data dir's overrides) its ordinal
``w`` (working days on or before it), and `with_ordinal` left-joins it to a date column.
`period_day_table` maps each day of a set of periods to the period's label and cut-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from chiso.monitoring.calendar import WorkingCalendar, load_calendar
from chiso.monitoring.periods import Period


def _workday_table(cal: WorkingCalendar) -> pa.Table:
    """Return day, w (working-day ordinal: working days on or before the day), working."""
    days = np.arange(cal.start, cal.start + len(cal.working))
    return pa.table(
        {
            "day": pa.array(days, pa.date32()),
            "w": pa.array(np.cumsum(cal.working, dtype=np.int64)),
            "working": pa.array(cal.working),
        }
    )


_WORKDAYS: dict[int, pa.Table] = {}


def workday_table(data_dir: Path | None = None) -> pa.Table:
    """Return the working-day table of the Vietnamese calendar (with the data dir's overrides), cached."""
    cal = load_calendar(data_dir)
    key = id(cal)
    if key not in _WORKDAYS:
        _WORKDAYS.clear()
        _WORKDAYS[key] = _workday_table(cal)
    return _WORKDAYS[key]


def period_day_table(periods: Sequence[Period], as_of: datetime | None) -> pa.Table:
    days: list[date] = []
    labels: list[str] = []
    cutoffs: list[datetime] = []
    for p in periods:
        cutoff = min(p.cutoff, as_of) if as_of is not None else p.cutoff
        n = (p.end - p.start).days
        days.extend(p.start + timedelta(days=i) for i in range(n))
        labels.extend([p.label] * n)
        cutoffs.extend([cutoff] * n)
    return pa.table(
        {
            "_rday": pa.array(days, pa.date32()),
            "period": pa.array(labels, pa.string()),
            "cutoff": pa.array(cutoffs, pa.timestamp("us")),
        }
    )


def with_ordinal(
    table: ir.Table, workdays: ir.Table, day: ir.Value, prefix: str, *, working: bool = False
) -> ir.Table:
    """Left-join the working-day ordinal of ``day`` as column ``w_<prefix>`` (and ``<prefix>_working``)."""
    key = f"_{prefix}_day"
    table = table.mutate(**{key: day})
    cols: dict[str, Any] = {key: workdays.day, f"w_{prefix}": workdays.w}
    if working:
        cols[f"{prefix}_working"] = workdays.working
    right = workdays.select(**cols)
    return table.join(right, key, how="left").drop(key)
