"""Reminders for departments late with their indicator values, through the follow-up room's notifications.

Flows layer: composes chiso.indicators.progress (who is late) with chiso.followup.notify (who hears of
it, on the channels they chose). For each period type, the last ended period is checked; each late
department's reporters are reminded at most once a week per period (the notification key says so).
The event is the follow-up room's "deadline_soon" until an event of its own is registered.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.followup import lease
from chiso.followup.messages import Message
from chiso.followup.notify import notify, recipients_of
from chiso.indicators.periods import label_vi, period_of, previous
from chiso.indicators.progress import get_progress
from chiso.store import session_scope
from chiso.store.models.agencies import Agency
from chiso.store.models.users import User

EVENT = "deadline_soon"
JOB = "indicator-reminders"


def remind_late_departments(session: Session, *, today: date | None = None) -> list[str]:
    """Remind the reporters of every late department; return the codes of the departments reminded."""
    today = today or clock.today()
    week = today.isocalendar()
    reminded: list[str] = []
    for kind in ("month", "quarter", "year"):
        period = previous(period_of(today, kind))
        for dept in get_progress(session, period=period, today=today).departments:
            if not dept.late:
                continue
            users = list(
                session.scalars(
                    select(User)
                    .join(Agency, Agency.id == User.agency_id)
                    .where(Agency.code == dept.agency_code, User.role == "reporter", User.is_active)
                )
            )
            missing = ", ".join(dept.missing[:10]) + (" ..." if len(dept.missing) > 10 else "")
            notify(
                session,
                event_type=EVENT,
                key=f"indicator-values:{period}:{dept.agency_code}:late:{week.year}-W{week.week}",
                recipients=recipients_of(session, users),
                message=Message(
                    f"Chậm nhập số liệu chỉ tiêu kỳ {label_vi(period)}",
                    f"Indicator values for {period} are late",
                    f"Còn thiếu {len(dept.missing)} chỉ tiêu: {missing}.",
                    f"{len(dept.missing)} indicators are missing: {missing}.",
                    f"/indicators/values?period={period}",
                ),
            )
            reminded.append(dept.agency_code)
    return reminded


def remind_if_due(url: str | None = None) -> list[str]:
    """Run the reminders once a day (the worker calls this on every pass)."""
    with session_scope(url) as session:
        if not lease.due_today(session, name=JOB):
            return []
        return remind_late_departments(session)
