"""Right of reply and appeals, composed: deadlines in Vietnamese working days, the preliminary run, the
revision an upheld appeal publishes.

Flows layer: composes chiso.assessment.appeals (the cases and their rules), chiso.monitoring.calendar
(the working-day calendar: weekends, public holidays, Tết) and chiso.flows.scoring (the same scoring run
as the ranking preview and the publication, so preliminary and final results differ only where an answer
changed points).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.assessment import appeals, appeals_views
from chiso.assessment.appeals_schemas import AgencyResults, CaseOut, PeriodAppeals
from chiso.assessment.evidence import check_upload
from chiso.assessment.periods import get_period
from chiso.errors import InvalidInput
from chiso.flows import scoring
from chiso.monitoring.calendar import load_calendar
from chiso.store.models.appeals import AppealCase, PreliminaryRelease
from chiso.store.models.assessment import AssessmentPeriod


def working_deadline(start: datetime, days: int) -> datetime:
    """Return the end (23:59:59, province time) of the `days`-th working day after `start`'s local day.

    The start day itself never counts, whether it is a working day or not: released on a Friday with 5
    days, the window ends the next Friday (no holiday between); released on a Saturday, it ends on the
    Friday after.

    Raises:
        InvalidInput: `days` below 1, or a date outside the calendar.
    """
    if days < 1:
        raise InvalidInput(
            f"Số ngày làm việc phải từ 1, không phải {days}", f"Working days must be 1 or more, not {days}"
        )
    first = np.datetime64(clock.to_local(start).date() + timedelta(days=1), "D")
    day = load_calendar().add_working_days(first, days - 1)
    return clock.end_of_local_day(day.astype("datetime64[D]").item())


def release_preliminary(
    session: Session, *, period_code: str, reply_days: int, actor: Actor, now: datetime | None = None
) -> PreliminaryRelease:
    """Release a period's preliminary results to its agencies for `reply_days` working days (secretariat).

    Raises:
        Conflict: submissions not all approved, the period published or released already.
    """
    now = now or clock.now()
    run = scoring.score_period(session, period_code=period_code, actor=actor)
    # the rows as a publication stores them, so preliminary and final compare cell by cell
    rows = json.loads(run.result.table.to_json(orient="records", double_precision=15))
    return appeals.record_release(
        session,
        period=run.period,
        rows=rows,
        reply_days=reply_days,
        framework_id=run.result.framework_id,
        framework_version=run.result.framework_version,
        reply_until=working_deadline(now, reply_days),
        actor=actor,
        now=now,
    )


def window(session: Session, *, period: AssessmentPeriod) -> tuple[str, datetime | None]:
    """Return what an agency may file and until when: ("appeal", end) if published, else ("reply", end)."""
    if period.status == "published":
        first = appeals.first_publication(session, period=period)
        days = appeals.get_windows(session, period=period).appeal_days
        return "appeal", None if first is None else working_deadline(first.published_at, days)
    release = appeals.get_release(session, period=period)
    return "reply", None if release is None else release.reply_until


def file_case(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    indicator_code: str,
    text: str,
    requested_points: float | None,
    files: Sequence[tuple[str, bytes]],
    actor: Actor,
    now: datetime | None = None,
) -> AppealCase:
    """File a reply or appeal with its files (checked by content before anything is written)."""
    now = now or clock.now()
    period = get_period(session, code=period_code)
    kind, until = window(session, period=period)
    checked = [(name, data, check_upload(name, data)) for name, data in files]
    answer_days = appeals.get_windows(session, period=period).answer_days
    return appeals.file_case(
        session,
        period_code=period_code,
        agency_code=agency_code,
        indicator_code=indicator_code,
        text=text,
        requested_points=requested_points,
        files=checked,
        kind=kind,
        until=until,
        answer_due=working_deadline(now, answer_days),
        actor=actor,
        now=now,
    )


def answer_case(
    session: Session,
    *,
    case_id: int,
    decision: str,
    points: float | None,
    reason: str,
    expected_version: int,
    actor: Actor,
    now: datetime | None = None,
) -> AppealCase:
    """Answer a reply or appeal; an appeal whose points changed publishes a new revision with the reason."""
    now = now or clock.now()
    case = appeals.answer_case(
        session,
        case_id=case_id,
        decision=decision,
        points=points,
        reason=reason,
        expected_version=expected_version,
        actor=actor,
        now=now,
    )
    if case.kind == "appeal" and case.points_after is not None:
        period = session.get(AssessmentPeriod, case.period_id)
        assert period is not None
        published = scoring.publish_period(
            session,
            period_code=period.code,
            actor=actor,
            now=now,
            reason=f"Phúc khảo #{case.id} ({case.indicator_code}): {case.answer}",
        )
        appeals.note_revision(session, case=case, revision=published.revision)
    return case


def agency_results(
    session: Session, *, period_code: str, agency_code: str | None, actor: Actor, now: datetime | None = None
) -> AgencyResults:
    """Return an agency's preliminary or published results with the window it may still reply or appeal in."""
    period = get_period(session, code=period_code)
    _kind, until = window(session, period=period)
    return appeals_views.agency_results(
        session,
        period_code=period_code,
        agency_code=agency_code,
        actor=actor,
        window_until=until,
        now=now or clock.now(),
    )


def period_appeals(session: Session, *, period_code: str, now: datetime | None = None) -> PeriodAppeals:
    """Return a period's right of reply in numbers: release, windows and cases per kind and status."""
    now = now or clock.now()
    period = get_period(session, code=period_code)
    release = appeals.get_release(session, period=period)
    days = appeals.get_windows(session, period=period)
    kind, until = window(session, period=period)
    counts, overdue = appeals.count_cases(session, period=period, now=now)
    return PeriodAppeals(
        period_code=period.code,
        period_status=period.status,
        released_at=None if release is None else release.released_at,
        reply_until=None if release is None else release.reply_until,
        appeal_until=until if kind == "appeal" else None,
        reply_days=days.reply_days,
        appeal_days=days.appeal_days,
        answer_days=days.answer_days,
        counts=counts,
        overdue=overdue,
    )


def get_case(session: Session, *, case_id: int, actor: Actor) -> CaseOut:
    """Return one reply or appeal as its page shows it."""
    return appeals_views.get_case(session, case_id=case_id, actor=actor, now=clock.now())
