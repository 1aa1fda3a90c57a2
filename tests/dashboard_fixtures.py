"""Helpers of the dashboard tests: catalogue rows, values and targets written straight into the store.

The catalogue and value entry are other rooms' work; these tests only need rows to read, so they add
them directly (every code starts with "TD_" so a cleanup can find them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from chiso import clock
from chiso.store.models.indicators import (
    Dashboard,
    DashboardVersion,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
)


def add_indicator(session: Session, code: str, **fields: Any) -> Indicator:
    """Add a catalogue indicator with sensible defaults (a monthly commune count summed to the province)."""
    data: dict[str, Any] = {
        "name_vi": f"Chỉ tiêu {code}", "name_en": f"Indicator {code}", "value_type": "count",
        "period_type": "month", "level": "commune", "aggregation": "sum", "source": "entered",
        "updated_at": clock.now(), "updated_by": "test", **fields,
    }  # fmt: skip
    row = Indicator(code=code, **data)
    session.add(row)
    session.flush()
    return row


def put(session: Session, code: str, unit: str, period: str, value: float) -> None:
    """Store one value of an indicator for a unit and period."""
    session.add(
        IndicatorValue(
            indicator_code=code, unit_code=unit, period=period, value=value, status="approved",
            channel="demo", entered_by="test", entered_at=clock.now(),
        )
    )  # fmt: skip
    session.flush()


def target(session: Session, code: str, year: int, value: float, unit: str | None = None) -> None:
    """Store a target of an indicator for a year (province-wide when unit is None)."""
    session.add(IndicatorTarget(indicator_code=code, unit_code=unit, year=year, value=value))
    session.flush()


def remove_test_rows(session: Session) -> None:
    """Delete every row these helpers and the dashboard tests added (codes "TD_", titles "TD ")."""
    session.execute(delete(IndicatorValue).where(IndicatorValue.indicator_code.like("TD\\_%", escape="\\")))
    session.execute(delete(IndicatorTarget).where(IndicatorTarget.indicator_code.like("TD\\_%", escape="\\")))
    session.execute(delete(Indicator).where(Indicator.code.like("TD\\_%", escape="\\")))
    session.execute(delete(DashboardVersion))
    session.execute(delete(Dashboard))
