"""Who hears of an assessment event: the notification of a period opened, a submission received or returned,
a ranking published, a deadline approaching; each enqueued in the event's own transaction.

Flows layer: composes chiso.assessment (its models: who takes part, who reviews) with chiso.followup.notify.
The assessment flows and routes call these right after the service that performs the event, so the
notification is committed with the event or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.followup.messages import Message
from chiso.followup.notify import NotifyReport, notify, recipients_of
from chiso.store.models.agencies import Agency
from chiso.store.models.assessment import AssessmentPeriod, AssessorAssignment, Submission
from chiso.store.models.users import User


def _period(session: Session, code: str) -> AssessmentPeriod:
    period = session.scalar(select(AssessmentPeriod).where(AssessmentPeriod.code == code))
    assert period is not None, code
    return period


def _reporters(session: Session, agency_ids: list[int]) -> list[User]:
    stmt = select(User).where(User.agency_id.in_(agency_ids), User.role == "reporter", User.is_active)
    return list(session.scalars(stmt))


def _when(moment: datetime) -> str:
    return clock.to_local(moment).strftime("%d/%m/%Y %H:%M")


def not_submitted(
    session: Session,
    *,
    period_code: str,
    agency: Agency,
    due: datetime,
    key: str,
    title_vi: str,
    title_en: str,
    now: datetime,
) -> NotifyReport:
    """Tell an agency's reporters that its form is not submitted yet and when it is due (a reminder)."""
    when = _when(due)
    return notify(
        session,
        event_type="deadline_soon",
        key=key,
        recipients=recipients_of(session, _reporters(session, [agency.id])),
        now=now,
        message=Message(
            title_vi,
            title_en,
            f"{agency.name_vi} chưa nộp bản tự đánh giá; hạn {when}.",
            f"{agency.name_vi} has not submitted yet; due {when}.",
            f"/assessment/{period_code}/agencies/{agency.code}",
        ),
    )


def period_opened(session: Session, *, period_code: str) -> NotifyReport:
    """Tell every participating agency's reporters that a period opened, with its deadline."""
    period = _period(session, period_code)
    ids = list(session.scalars(select(Submission.agency_id).where(Submission.period_id == period.id)))
    due = _when(period.submission_deadline)
    return notify(
        session,
        event_type="period_opened",
        key=f"period:{period.code}:opened",
        recipients=recipients_of(session, _reporters(session, ids)),
        message=Message(
            f"Mở kỳ đánh giá {period.name_vi}",
            f"Assessment period {period.code} opened",
            f"Hạn nộp bản tự đánh giá: {due}.",
            f"Submission deadline: {due}.",
            f"/assessment/{period.code}",
        ),
    )


def submission_returned(
    session: Session, *, period_code: str, agency_code: str, comment: str
) -> NotifyReport:
    """Tell the agency's reporters that their submission came back, with the assessor's comment."""
    period = _period(session, period_code)
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    assert agency is not None
    sub = session.scalar(
        select(Submission).where(Submission.period_id == period.id, Submission.agency_id == agency.id)
    )
    stamp = sub.updated_at.isoformat() if sub is not None else clock.now().isoformat()
    return notify(
        session,
        event_type="submission_returned",
        key=f"submission:{period.code}:{agency_code}:returned:{stamp}",
        recipients=recipients_of(session, _reporters(session, [agency.id])),
        message=Message(
            f"Bản tự đánh giá {period.code} bị trả lại",
            f"Submission for {period.code} returned",
            f"Ý kiến thẩm định: {comment}",
            f"Assessor's comment: {comment}",
            f"/assessment/{period.code}/agencies/{agency_code}",
        ),
    )


def submission_received(session: Session, *, period_code: str, agency_code: str) -> NotifyReport:
    """Tell the assessors of the agency's group that a (re)submission waits in their queue."""
    period = _period(session, period_code)
    row = session.execute(
        select(Submission, Agency)
        .join(Agency, Submission.agency_id == Agency.id)
        .where(Submission.period_id == period.id, Agency.code == agency_code)
    ).first()
    if row is None or row[0].group_id is None:
        return NotifyReport()
    sub, agency = row
    users = session.scalars(
        select(User)
        .join(AssessorAssignment, AssessorAssignment.user_id == User.id)
        .where(AssessorAssignment.group_id == sub.group_id)
    )
    stamp = (sub.submitted_at or clock.now()).isoformat()
    return notify(
        session,
        event_type="submission_received",
        key=f"submission:{period.code}:{agency_code}:sent:{stamp}",
        recipients=recipients_of(session, users),
        message=Message(
            f"{agency.name_vi} đã nộp bản tự đánh giá",
            f"{agency.name_vi} submitted",
            f"Kỳ {period.code}: bản tự đánh giá chờ thẩm định.",
            f"Period {period.code}: a submission waits for your review.",
            f"/assessment/{period.code}/agencies/{agency_code}",
        ),
    )


def ranking_published(session: Session, *, period_code: str, revision: int) -> NotifyReport:
    """Tell every user of the province (but the public role) that a ranking was published."""
    period = _period(session, period_code)
    users = session.scalars(select(User).where(User.role != "public", User.is_active))
    return notify(
        session,
        event_type="ranking_published",
        key=f"ranking:{period.code}:{revision}",
        recipients=recipients_of(session, users),
        message=Message(
            f"Công bố xếp hạng {period.name_vi} (lần {revision})",
            f"Ranking {period.code} published (revision {revision})",
            "Bảng xếp hạng đã được công bố.",
            "The ranking has been published.",
            f"/rankings/{period.code}",
        ),
    )
