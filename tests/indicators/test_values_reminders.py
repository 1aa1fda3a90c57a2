"""A department late with its indicator values hears of it, once a week per period, in the app."""

from __future__ import annotations

from datetime import date

from indicator_values_support import OTHER, add_indicator, add_units, add_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.flows.indicator_reminders import remind_late_departments
from chiso.store.models.followup import Notification


def test_the_reporters_of_a_late_department_are_reminded_once(db: Session) -> None:
    add_units(db)
    add_indicator(db, "VT_LATE", owner_agency_code=OTHER)
    reporter = add_user(db, "reporter", OTHER)
    assert remind_late_departments(db, today=date(2025, 7, 5)) == []  # Q2 ended, within the grace days
    assert remind_late_departments(db, today=date(2025, 7, 16)) == [OTHER]
    assert remind_late_departments(db, today=date(2025, 7, 19)) == [OTHER]  # the same week: no new one
    notes = list(db.scalars(select(Notification).where(Notification.user_id == reporter.id)))
    assert len(notes) == 1 and "Q2/2025" in notes[0].title_vi and "VT_LATE" in notes[0].body_vi
    assert notes[0].link == "/indicators/values?period=2025-Q2"
