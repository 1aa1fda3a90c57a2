"""The worker's scheduled jobs: deadline reminders, escalation of overdue requests, rule evaluation after an
ingest and daily, scheduled report e-mails.

Flows layer: composes chiso.assessment (periods, submissions, rankings), chiso.followup and the evaluation
of chiso.flows.followup_eval. Every job is idempotent through its notification keys, so running it twice
(or on two processes by mistake) notifies nobody twice; each runs in its own transaction, as SYSTEM.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.assessment.publication import get_ranking
from chiso.config import get_settings
from chiso.errors import ChisoError
from chiso.flows import followup_notices as notices
from chiso.flows.computed import refresh_open_periods
from chiso.flows.followup_eval import evaluate_followup
from chiso.followup import lease, requests
from chiso.followup.messages import Message
from chiso.followup.notify import notify, recipients_of
from chiso.followup.settings import get_followup_settings
from chiso.store.db import session_scope
from chiso.store.models.agencies import Agency
from chiso.store.models.assessment import AssessmentPeriod, AssessorAssignment, Submission
from chiso.store.models.followup import Alert, ExplanationRequest, ReminderSchedule, ReportSubscription
from chiso.store.models.users import User

log = logging.getLogger("chiso.worker")


EVALUATED = "evaluated"  # when the last evaluation that completed began


@dataclass
class JobState:
    """What a worker remembers between passes: the record store's manifest it last evaluated."""

    manifest_stamp: float | None = None


def resumed_state(url: str | None = None) -> JobState:
    """The state a starting worker resumes: records unchanged since an evaluation of today began (and
    completed) need none.

    Without it every server start re-evaluated every target and rule (seconds on a province) although
    nothing had changed; records swapped after that evaluation began, or an evaluation that failed, are
    evaluated at the first pass.
    """
    stamp = _manifest_stamp()
    with session_scope(url) as session:
        last = lease.last_run(session, name=EVALUATED)
    today = clock.to_local(clock.now()).date()
    if last is not None and clock.to_local(last).date() == today and stamp < last.timestamp():
        return JobState(manifest_stamp=stamp)
    return JobState()


def _manifest_stamp() -> float:
    path = get_settings().records_dir / "_manifest.json"  # the store swaps it on every ingest
    try:
        return path.stat().st_mtime_ns / 1e9
    except OSError:
        return 0.0


def schedule_days(session: Session, *, period: AssessmentPeriod, kind: str) -> tuple[int, ...]:
    """Return the reminder days of a period (its schedule, or CHISO_REMINDER_DAYS when it has none)."""
    row = session.scalar(
        select(ReminderSchedule).where(ReminderSchedule.period_id == period.id, ReminderSchedule.kind == kind)
    )
    if row is None:
        return get_followup_settings().reminder_days
    return tuple(row.days_before) if row.enabled else ()


def set_schedule(
    session: Session, *, period_code: str, kind: str, days_before: list[int]
) -> ReminderSchedule:
    """Set the reminder days of a period (e.g. [7, 3, 1] before the submission deadline)."""
    period = session.scalar(select(AssessmentPeriod).where(AssessmentPeriod.code == period_code))
    if period is None:
        raise ChisoError(f"Không có kỳ {period_code}", f"No period {period_code}")
    row = session.scalar(
        select(ReminderSchedule).where(ReminderSchedule.period_id == period.id, ReminderSchedule.kind == kind)
    )
    if row is None:
        row = ReminderSchedule(period_id=period.id, kind=kind, enabled=True, days_before=[])
        session.add(row)
    row.days_before = sorted({int(d) for d in days_before}, reverse=True)
    session.flush()
    return row


def _bucket(deadline: datetime, days: tuple[int, ...], now: datetime) -> int | None:
    """Return the smallest reminder day already reached before `deadline` (None: none yet, or past)."""
    if now >= deadline:
        return None
    reached = [d for d in days if now >= deadline - timedelta(days=d)]
    return min(reached) if reached else None


def send_deadline_reminders(session: Session, *, now: datetime) -> int:
    """Remind the reporters of agencies that have not submitted, N days before their deadline (once per N)."""
    sent = 0
    stmt = (
        select(Submission, AssessmentPeriod, Agency)
        .join(AssessmentPeriod, Submission.period_id == AssessmentPeriod.id)
        .join(Agency, Submission.agency_id == Agency.id)
        .where(AssessmentPeriod.status == "open", Submission.status.in_(["draft", "returned"]))
    )
    days_of: dict[int, tuple[int, ...]] = {}
    for sub, period, agency in session.execute(stmt):
        if period.id not in days_of:
            days_of[period.id] = schedule_days(session, period=period, kind="submission")
        deadline = sub.extended_until or period.submission_deadline
        day = _bucket(deadline, days_of[period.id], now)
        if day is None:
            continue
        sent += notices.not_submitted(
            session,
            period_code=period.code,
            agency=agency,
            due=deadline,
            key=f"deadline:{period.code}:{agency.code}:{day}",
            title_vi=f"Còn {day} ngày đến hạn nộp kỳ {period.code}",
            title_en=f"{day} day(s) left to submit for {period.code}",
            now=now,
        ).inapp
    return sent + _review_reminders(session, now=now)


def _review_reminders(session: Session, *, now: datetime) -> int:
    sent = 0
    for period in session.scalars(
        select(AssessmentPeriod).where(AssessmentPeriod.status.in_(["open", "review"]))
    ):
        day = _bucket(period.review_deadline, schedule_days(session, period=period, kind="review"), now)
        if day is None:
            continue
        waiting = (
            select(Submission.group_id, func.count())
            .where(Submission.period_id == period.id, Submission.status.in_(["submitted", "resubmitted"]))
            .group_by(Submission.group_id)
        )
        groups = dict(session.execute(waiting).all())
        if not groups:
            continue
        users = session.scalars(
            select(User)
            .join(AssessorAssignment, AssessorAssignment.user_id == User.id)
            .where(AssessorAssignment.group_id.in_(list(groups)))
            .distinct()
        )
        count = sum(groups.values())
        sent += notify(
            session,
            event_type="review_deadline",
            key=f"review:{period.code}:{day}",
            recipients=recipients_of(session, users),
            now=now,
            message=Message(
                f"Còn {day} ngày đến hạn thẩm định kỳ {period.code}",
                f"{day} day(s) left to review {period.code}",
                f"{count} bản tự đánh giá đang chờ thẩm định.",
                f"{count} submissions wait for review.",
                "/assessment/review",
            ),
        ).inapp
    return sent


def report_key(sub: ReportSubscription, now: datetime) -> str | None:
    """Return the key of the report due now (Monday for weekly, the 1st for monthly), else None."""
    local = clock.to_local(now)
    if sub.frequency == "weekly" and local.weekday() == 0:
        year, week, _ = local.isocalendar()
        return f"report:{sub.id}:{year}-W{week:02d}"
    if sub.frequency == "monthly" and local.day == 1:
        return f"report:{sub.id}:{local.year}-{local.month:02d}"
    return None


def report_message(session: Session, sub: ReportSubscription) -> Message:
    """Return the summary e-mail of a subscription: a ranking's top and bands, or the dashboard's counts."""
    if sub.report == "ranking" and sub.period_code:
        ranking = get_ranking(session, period_code=sub.period_code)
        top = "\n".join(
            f"{r.rank}. {r.agency_name_vi}: {r.total:.2f} ({r.band or '-'})" for r in ranking.rows[:10]
        )
        return Message(
            f"Xếp hạng {ranking.period_name_vi}",
            f"Ranking {ranking.period_code}",
            top,
            top,
            f"/rankings/{ranking.period_code}",
        )
    open_alerts = session.scalar(select(func.count(Alert.id)).where(Alert.status == "open")) or 0
    open_requests = (
        session.scalar(select(func.count(ExplanationRequest.id)).where(ExplanationRequest.status == "open"))
        or 0
    )
    return Message(
        "Tóm tắt theo dõi chỉ tiêu",
        "Follow-up summary",
        f"Cảnh báo đang mở: {open_alerts}\nYêu cầu giải trình đang chờ: {open_requests}",
        f"Open alerts: {open_alerts}\nOpen requests for explanation: {open_requests}",
        "/targets",
    )


def send_scheduled_reports(session: Session, *, now: datetime) -> int:
    """Queue the weekly and monthly report e-mails that are due today (each once)."""
    sent = 0
    for sub in session.scalars(select(ReportSubscription)):
        key = report_key(sub, now)
        user = session.get(User, sub.user_id)
        if key is None or user is None:
            continue
        try:
            message = report_message(session, sub)
        except ChisoError as exc:  # a ranking not published (any more): say so in the log, skip
            log.warning("report %s skipped: %s", sub.id, exc)
            continue
        sent += notify(
            session,
            event_type="report",
            key=key,
            recipients=recipients_of(session, [user]),
            message=message,
            now=now,
        ).deliveries
    return sent


def run_due_jobs(url: str | None = None, *, state: JobState, now: datetime) -> dict[str, object]:
    """Run the jobs due now, each in its own transaction: escalation, reminders, evaluation, reports."""
    done: dict[str, object] = {}
    settings = get_followup_settings()
    with session_scope(url) as session:
        done["escalated"] = requests.escalate_overdue(
            session, actor=SYSTEM, delays_days=settings.escalation_days, now=now
        )
    with session_scope(url) as session:
        done["reminders"] = send_deadline_reminders(session, now=now)
    stamp = _manifest_stamp()
    with session_scope(url) as session:
        daily = lease.due_today(session, name="evaluate", now=now)
    if daily or stamp != state.manifest_stamp:
        with session_scope(url) as session:
            done["evaluation"] = evaluate_followup(session, data_dir=get_settings().data_dir, now=now)
            lease.mark_run(session, name=EVALUATED, at=now)
        with session_scope(url) as session:  # computed values of open periods follow the new records
            done["computed"] = sum(r.written for r in refresh_open_periods(session, actor=SYSTEM))
        state.manifest_stamp = stamp
    with session_scope(url) as session:
        if lease.due_today(session, name="reports", now=now):
            done["reports"] = send_scheduled_reports(session, now=now)
    return done
