"""The audit log for people: each entry's object named (agency, period, criterion, user), and the filters by
agency and by date that a person types.

Domain layer: store models only; nothing from flows, web or cli. The log keeps stable ids; a page shows
"Sở Khoa học và Công nghệ · DNG-2026" for `submission 187`, resolved in a fixed number of queries per page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, String, and_, cast, false, or_, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.store.models import Agency, AuditEntry, User
from chiso.store.models.assessment import AssessmentPeriod, Evidence, Submission, SubmissionValue


def day_window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """Return [start of `since`, end of `until`) in the province's days, as aware datetimes."""
    first, last = clock.parse_day(since), clock.parse_day(until)
    zone = clock.local_zone()
    start = datetime.combine(first, time(0), tzinfo=zone) if first else None
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone) if last else None
    return start, end


def agency_condition(session: Session, agency_code: str) -> ColumnElement[bool]:
    """Return the condition of the entries about one agency: itself, its submissions, values and evidence."""
    agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code.strip()))
    if agency_id is None:
        return false()
    subs = select(cast(Submission.id, String)).where(Submission.agency_id == agency_id)
    values = (
        select(cast(SubmissionValue.id, String))
        .join(Submission, Submission.id == SubmissionValue.submission_id)
        .where(Submission.agency_id == agency_id)
    )
    proofs = (
        select(cast(Evidence.id, String))
        .join(Submission, Submission.id == Evidence.submission_id)
        .where(Submission.agency_id == agency_id)
    )
    return or_(
        and_(AuditEntry.object_type == "agency", AuditEntry.object_id.in_([str(agency_id), agency_code])),
        and_(AuditEntry.object_type == "submission", AuditEntry.object_id.in_(subs)),
        and_(AuditEntry.object_type == "submission_value", AuditEntry.object_id.in_(values)),
        and_(AuditEntry.object_type == "evidence", AuditEntry.object_id.in_(proofs)),
    )


def _ints(ids: Iterable[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def object_labels(session: Session, entries: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Return a readable name for each (object_type, object_id) that still exists; others are left out."""
    wanted: dict[str, set[str]] = {}
    for kind, oid in entries:
        wanted.setdefault(kind, set()).add(oid)
    out: dict[tuple[str, str], str] = {}
    sub_ids = _ints(wanted.get("submission", ()))
    for sid, name, code in session.execute(
        select(Submission.id, Agency.name_vi, AssessmentPeriod.code)
        .join(Agency, Agency.id == Submission.agency_id)
        .join(AssessmentPeriod, AssessmentPeriod.id == Submission.period_id)
        .where(Submission.id.in_(sub_ids))
    ):
        out[("submission", str(sid))] = f"{name} · {code}"
    for vid, indicator, name, code in session.execute(
        select(SubmissionValue.id, SubmissionValue.indicator_code, Agency.name_vi, AssessmentPeriod.code)
        .join(Submission, Submission.id == SubmissionValue.submission_id)
        .join(Agency, Agency.id == Submission.agency_id)
        .join(AssessmentPeriod, AssessmentPeriod.id == Submission.period_id)
        .where(SubmissionValue.id.in_(_ints(wanted.get("submission_value", ()))))
    ):
        out[("submission_value", str(vid))] = f"{indicator} · {name} · {code}"
    for pid, code in session.execute(
        select(AssessmentPeriod.id, AssessmentPeriod.code).where(
            AssessmentPeriod.id.in_(_ints(wanted.get("assessment_period", ())))
        )
    ):
        out[("assessment_period", str(pid))] = code
    for uid, username, full_name in session.execute(
        select(User.id, User.username, User.full_name).where(User.id.in_(_ints(wanted.get("user", ()))))
    ):
        out[("user", str(uid))] = f"{full_name} ({username})"
    for aid, name in session.execute(
        select(Agency.id, Agency.name_vi).where(Agency.id.in_(_ints(wanted.get("agency", ()))))
    ):
        out[("agency", str(aid))] = name
    return out
