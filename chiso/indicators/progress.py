"""Who has reported a period: per owner department, indicators expected, entered and approved.

Indicators room; imports chiso.store, chiso.clock and the period keys. An indicator is expected of
its owner department in every period of its period type (active, entered or pushed; computed and
formula indicators fill themselves); it is entered when at least one value is stored for the period;
approved when every stored value is approved (counted only for indicators that need approval). A
department is late when the period ended more than the grace days ago (CHISO_INDICATOR_GRACE_DAYS,
default 10) and values are missing; late departments come first.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.errors import InvalidInput, Problem
from chiso.indicators.periods import label_vi, period_type_of, shift
from chiso.store.models.agencies import Agency
from chiso.store.models.indicators import Indicator, IndicatorValue

DEFAULT_GRACE_DAYS = 10
ENTERABLE = ("entered", "pushed")


def grace_days() -> int:
    """Return the days a department has after a period ends before it counts as late (setting)."""
    text = os.environ.get("CHISO_INDICATOR_GRACE_DAYS", "").strip()
    return int(text) if text.isdigit() else DEFAULT_GRACE_DAYS


FIRST_YEAR, LAST_YEAR = 1900, 2999


def check_year(key: str) -> str:
    """Return a period key whose year is one a report can have (1900-2999), else raise InvalidInput."""
    period_type_of(key)
    if not FIRST_YEAR <= int(key[:4]) <= LAST_YEAR:
        vi = f"Kỳ {key}: năm phải từ {FIRST_YEAR} đến {LAST_YEAR}"
        en = f"Period {key}: the year must be {FIRST_YEAR} to {LAST_YEAR}"
        raise InvalidInput(vi, en, [Problem(vi, en, field="period")])
    return key


def period_start(key: str) -> date:
    """Return the first day of a period ("2026-Q2" -> 1 April 2026)."""
    kind, year = period_type_of(key), int(key[:4])
    if kind == "month":
        return date(year, int(key[5:]), 1)
    if kind == "quarter":
        return date(year, 3 * (int(key[6:]) - 1) + 1, 1)
    return date(year, 1, 1)


def period_end(key: str) -> date:
    """Return the last day of a period ("2026-Q2" -> 30 June 2026)."""
    return period_start(shift(key, 1)) - timedelta(days=1)


class DepartmentProgress(BaseModel):
    """One owner department's reporting in a period."""

    agency_code: str
    agency_name_vi: str
    agency_name_en: str | None = None
    expected: int
    entered: int
    needs_approval: int  # indicators of the department that need approval
    approved: int  # of those, the ones whose values are all approved
    flagged: int  # values waiting for the department's confirmation
    missing: list[str]  # indicator codes without a value
    late: bool

    @property
    def share(self) -> float:
        return 100.0 * self.entered / self.expected if self.expected else 100.0


class ProgressPage(BaseModel):
    """The secretariat's view of a period: departments, late ones first, and the totals."""

    period: str
    period_label: str
    period_type: str
    ends_on: date
    late_after: date
    grace_days: int
    today: date
    expected: int
    entered: int
    late: int
    departments: list[DepartmentProgress]
    periods: list[str]  # the nearby periods of the same type, newest first, to choose from


def _stored(session: Session, codes: list[str], period: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    if codes:
        rows = session.execute(
            select(IndicatorValue.indicator_code, IndicatorValue.status).where(
                IndicatorValue.indicator_code.in_(codes), IndicatorValue.period == period
            )
        )
        for code, status in rows:
            found[code].append(status)
    return found


def get_progress(
    session: Session, *, period: str, today: date | None = None, grace: int | None = None
) -> ProgressPage:
    """Return each owner department's progress in `period`, late departments first.

    Args:
        session: the open session.
        period: a period key ("2026-Q1"); its type chooses the indicators expected.
        today: the day progress is judged on (default: the province's today).
        grace: days after the period's end before missing values make a department late
            (default: the CHISO_INDICATOR_GRACE_DAYS setting).

    Raises:
        InvalidInput: a period key of none of the three shapes.
    """
    kind = period_type_of(check_year(period))
    today = today or clock.today()
    grace = grace_days() if grace is None else grace
    late_after = period_end(period) + timedelta(days=grace)
    indicators = list(
        session.scalars(
            select(Indicator)
            .where(Indicator.active.is_(True), Indicator.period_type == kind, Indicator.source.in_(ENTERABLE))
            .order_by(Indicator.code)
        )
    )
    stored = _stored(session, [i.code for i in indicators], period)
    owners: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        owners[indicator.owner_agency_code or "—"].append(indicator)
    names = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(list(owners))))}
    rows = [
        _department(code, items, stored, names.get(code), late=today > late_after)
        for code, items in owners.items()
    ]
    rows.sort(key=lambda r: (not r.late, -(r.expected - r.entered), r.agency_name_vi))
    return ProgressPage(
        period=period, period_label=label_vi(period), period_type=kind, ends_on=period_end(period),
        late_after=late_after, grace_days=grace, today=today, expected=sum(r.expected for r in rows),
        entered=sum(r.entered for r in rows), late=sum(r.late for r in rows), departments=rows,
        periods=[shift(period, step) for step in range(2, -6, -1)],
    )  # fmt: skip


def _department(
    code: str, items: list[Indicator], stored: dict[str, list[str]], agency: Agency | None, *, late: bool
) -> DepartmentProgress:
    missing = [i.code for i in items if not stored.get(i.code)]
    approving = [i for i in items if i.needs_approval]
    return DepartmentProgress(
        agency_code=code,
        agency_name_vi=agency.name_vi if agency else code,
        agency_name_en=agency.name_en if agency else None,
        expected=len(items),
        entered=len(items) - len(missing),
        needs_approval=len(approving),
        approved=sum(1 for i in approving if stored.get(i.code) and set(stored[i.code]) == {"approved"}),
        flagged=sum(
            statuses.count("flagged") for c, statuses in stored.items() if c in {i.code for i in items}
        ),
        missing=missing,
        late=late and bool(missing),
    )
