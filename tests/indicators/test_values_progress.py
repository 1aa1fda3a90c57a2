"""Progress of a period: each owner department's indicators expected, entered and approved; late first."""

from __future__ import annotations

from datetime import date

from indicator_values_support import OTHER, OWNER, PROVINCE, add_history, add_indicator, add_units
from sqlalchemy.orm import Session

from chiso.indicators.progress import get_progress, period_end


def test_a_department_with_missing_values_after_the_grace_is_late_and_first(db: Session) -> None:
    add_units(db)
    add_indicator(db, "VT_A")
    add_indicator(db, "VT_B", needs_approval=True)
    add_indicator(db, "VT_C", owner_agency_code=OTHER)
    add_indicator(db, "VT_M", period_type="month")  # another rhythm: not expected this quarter
    add_history(db, "VT_A", PROVINCE, ["2025-Q1"], [10])
    add_history(db, "VT_B", PROVINCE, ["2025-Q1"], [10], status="approved")
    page = get_progress(db, period="2025-Q1", today=date(2025, 4, 5), grace=10)
    assert page.late == 0 and page.late_after == date(2025, 4, 10) and page.ends_on == period_end("2025-Q1")
    late = get_progress(db, period="2025-Q1", today=date(2025, 4, 11), grace=10)
    first, second = late.departments
    assert (first.agency_code, first.late, first.missing, first.expected) == (OTHER, True, ["VT_C"], 1)
    assert (second.agency_code, second.late, second.entered, second.approved) == (OWNER, False, 2, 1)
    assert (late.expected, late.entered, late.late) == (3, 2, 1)
