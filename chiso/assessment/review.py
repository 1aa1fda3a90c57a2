"""Review (thẩm định): the assessor's queue, per-criterion accept / change points / return, approval.

Domain layer: store models, chiso.assessment helpers, chiso.errors; nothing from web or cli.
Optimistic locking: every decision names the version of the value (or submission) the assessor saw;
if someone else changed it meanwhile the decision is refused with a Conflict naming that change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.assessment.access import (
    SEE_ALL,
    check_can_read,
    check_can_review,
    readable_submissions,
)
from chiso.assessment.audit import list_audit
from chiso.assessment.form import Criterion
from chiso.assessment.periods import get_period
from chiso.assessment.schemas import AuditEntryOut, CriterionHistory, QueueItem
from chiso.assessment.scores import allowed_points
from chiso.assessment.submissions import (
    open_submission,
    period_form,
    transition,
    values_by_code,
)
from chiso.errors import Conflict, InvalidInput, PermissionDenied, Problem
from chiso.store.models import Agency, AuditEntry, PeerGroup, User
from chiso.store.models.assessment import (
    SUBMISSION_STATUSES,
    AssessmentPeriod,
    Evidence,
    Submission,
    SubmissionValue,
)

REVIEWABLE = ("submitted", "resubmitted")
DECISIONS = ("accept", "change", "return")


def review_queue(
    session: Session,
    *,
    actor: Actor,
    period_code: str | None = None,
    statuses: Sequence[str] = REVIEWABLE,
) -> list[QueueItem]:
    """List the submissions waiting for review that the actor may review, oldest submission first.

    Assessors see only the groups assigned to them; the secretariat and leaders see every group.
    """
    stmt = (
        select(Submission, AssessmentPeriod.code, Agency.code, Agency.name_vi, PeerGroup.code)
        .join(AssessmentPeriod, AssessmentPeriod.id == Submission.period_id)
        .join(Agency, Agency.id == Submission.agency_id)
        .outerjoin(PeerGroup, PeerGroup.id == Submission.group_id)
        .where(Submission.status.in_(list(statuses)))
    )
    if period_code:
        stmt = stmt.where(AssessmentPeriod.code == period_code)
    if not (is_system(actor) or actor.role in ("assessor", *SEE_ALL)):
        raise PermissionDenied("Bạn không có hàng chờ thẩm định", "You have no review queue")
    stmt = stmt.where(readable_submissions(session, actor=actor))
    rows = session.execute(stmt.order_by(Submission.submitted_at, Agency.code)).all()
    pending_counts = (
        dict(
            session.execute(
                select(SubmissionValue.submission_id, func.count())
                .where(
                    SubmissionValue.submission_id.in_([r[0].id for r in rows]),
                    SubmissionValue.review_state == "pending",
                )
                .group_by(SubmissionValue.submission_id)
            ).all()
        )
        if rows
        else {}
    )
    return [
        QueueItem(
            submission_id=sub.id,
            period_code=pcode,
            agency_code=acode,
            agency_name_vi=aname,
            group_code=gcode,
            status=sub.status,
            submitted_at=sub.submitted_at,
            pending=int(pending_counts.get(sub.id, 0)),
            version=sub.version,
        )
        for sub, pcode, acode, aname, gcode in rows
    ]


def _brief(text: str | None) -> str:
    """Say a stored audit value shortly: "changed, 3 điểm/points" rather than its JSON."""
    if not text:
        return "∅"
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, dict):
        return text
    if "review_state" in data:
        points = data.get("points")
        return str(data["review_state"]) + ("" if points is None else f", {points:g} điểm/points")
    shown = [
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in data.items()
        if v is not None and k != "comment"
    ]
    return ", ".join(shown) or "∅"


def _last_change(session: Session, *, object_type: str, object_id: int) -> str:
    row = session.execute(
        select(AuditEntry, User.full_name, User.username)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return ""
    entry, full_name, username = row
    who = f"{full_name} ({username})" if username else "hệ thống/system"
    at = entry.at
    what = f"{entry.action} {entry.field or ''}: {_brief(entry.old_value)} → {_brief(entry.new_value)}"
    why = f" — “{entry.reason}”" if entry.reason else ""
    return f"{who}, {clock.to_local(at):%d/%m/%Y %H:%M}: {what}{why}"


def _stale(session: Session, *, object_type: str, object_id: int, code: str) -> Conflict:
    change = _last_change(session, object_type=object_type, object_id=object_id)
    return Conflict(
        f"Tiêu chí {code} vừa được người khác thay đổi, thao tác của bạn chưa được lưu. "
        f"Thay đổi đó: {change}",
        f"{code} was changed by someone else meanwhile; your decision was not saved. Their change: {change}",
        [Problem("Xung đột chỉnh sửa", "Edit conflict", field=code)],
    )


def review_value(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    indicator_code: str,
    decision: str,
    expected_version: int,
    points: float | None = None,
    comment: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> SubmissionValue:
    """Record an assessor's decision on one criterion: accept, change the points, or return it.

    Args:
        decision: "accept" (keep the reported value), "change" (set `points`, comment required) or
            "return" (ask the agency to correct, comment required).
        expected_version: the value's version the assessor saw.

    Raises:
        InvalidInput: unknown decision, missing comment, points out of range.
        Conflict: the submission is not under review, or the value changed since `expected_version`
            (the message names who changed what and when).
    """
    now = now or clock.now()
    period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    check_can_review(session, actor=actor, submission=sub)
    text = (comment or "").strip()
    _check_decision(decision, text, status=sub.status)
    crit = period_form(period).criterion(indicator_code)
    row = _value_row(session, submission=sub, crit=crit, state="pending", now=now)
    if row.version != expected_version:
        raise _stale(session, object_type="submission_value", object_id=row.id, code=indicator_code)
    if decision == "change":
        state, new_points = "changed", _changed_points(points, crit, indicator_code)
    else:
        state, new_points = ("accepted" if decision == "accept" else "returned"), None
    return _decide(
        session,
        row=row,
        state=state,
        points=new_points,
        comment=text or None,
        action=f"review.{decision}",
        reason=text or None,
        actor=actor,
        now=now,
    )


def _value_row(
    session: Session, *, submission: Submission, crit: Criterion, state: str, now: datetime
) -> SubmissionValue:
    """Return the criterion's stored value, adding an empty reported one (in `state`) when there is none."""
    row = values_by_code(session, submission=submission).get(crit.code)
    if row is None:
        row = SubmissionValue(
            submission_id=submission.id,
            indicator_code=crit.code,
            kind=crit.kind,
            source="reported",
            review_state=state,
            updated_at=now,
        )
        session.add(row)
        session.flush()
    return row


def _decide(
    session: Session,
    *,
    row: SubmissionValue,
    state: str,
    points: float | None,
    comment: str | None,
    action: str,
    reason: str | None,
    actor: Actor,
    now: datetime,
) -> SubmissionValue:
    """Set a value's review state, points and comment, and record the change (old and new review).

    Raises:
        Conflict: a concurrent transaction changed the value between our read and write.
    """
    old = {"review_state": row.review_state, "points": row.points_override, "comment": row.review_comment}
    row.review_state, row.points_override, row.review_comment = state, points, comment
    row.reviewed_by, row.reviewed_at = actor.id, now
    try:
        session.flush()
    except StaleDataError as exc:  # a concurrent transaction won the race between our read and write
        raise Conflict(
            f"Tiêu chí {row.indicator_code} vừa được người khác thay đổi cùng lúc; hãy tải lại trang",
            f"{row.indicator_code} was changed by someone else at the same moment; reload and decide again",
        ) from exc
    record_change(
        session,
        action=action,
        object_type="submission_value",
        object_id=row.id,
        field=row.indicator_code,
        old=old,
        new={"review_state": state, "points": points, "comment": comment},
        reason=reason,
        actor=actor,
        at=now,
    )
    return row


def _check_decision(decision: str, comment: str, *, status: str) -> None:
    """Refuse an unknown decision, a submission not under review, or a change/return without comment."""
    if decision not in DECISIONS:
        raise InvalidInput(
            f"Quyết định không hợp lệ: {decision}",
            f"Unknown decision {decision!r}; use accept, change or return",
        )
    if status not in REVIEWABLE:
        raise Conflict(
            f"Bản tự đánh giá đang ở trạng thái '{status}', chưa/không thể thẩm định",
            f"The submission is {status}; only submitted or resubmitted ones are reviewed",
        )
    if decision in ("change", "return") and not comment:
        raise InvalidInput(
            "Cần ghi nhận xét khi sửa điểm hoặc trả lại",
            "A comment is required to change points or return a criterion",
            [Problem("Thiếu nhận xét", "Missing comment", field="comment")],
        )


def _changed_points(points: float | None, crit: Criterion, indicator_code: str) -> float:
    """Return the assessor's new points once checked against the criterion's range and rule levels."""
    if points is None:
        raise InvalidInput(
            "Cần nhập điểm mới",
            "Give the new points",
            [Problem("Thiếu điểm", "Missing points", field="points")],
        )
    lo = min(0.0, crit.max_points) if crit.max_points >= 0 else crit.max_points
    hi = max(0.0, crit.max_points)
    if not lo <= points <= hi:
        raise InvalidInput(
            f"Điểm {points:g} ngoài khoảng [{lo:g}, {hi:g}] của {indicator_code}",
            f"Points {points:g} outside [{lo:g}, {hi:g}] for {indicator_code}",
            [Problem("Điểm ngoài khoảng", "Points out of range", field="points")],
        )
    allowed = allowed_points(crit)
    if allowed is not None and not any(abs(points - a) < 1e-9 for a in allowed):
        shown = ", ".join(f"{a:g}" for a in allowed)
        raise InvalidInput(
            f"Quy tắc của {indicator_code} chỉ cho các mức điểm: {shown}",
            f"{indicator_code}'s rule only gives these points: {shown}",
            [Problem("Mức điểm không hợp lệ", "Points not allowed by the rule", field="points")],
        )
    return float(points)


def return_submission(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    comment: str,
    actor: Actor,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Submission:
    """Return a submission to the agency for correction, with a mandatory comment."""
    now = now or clock.now()
    _period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    check_can_review(session, actor=actor, submission=sub)
    if not comment.strip():
        raise InvalidInput(
            "Cần ghi nhận xét khi trả lại",
            "A comment is required to return a submission",
            [Problem("Thiếu nhận xét", "Missing comment", field="comment")],
        )
    if expected_version is not None and expected_version != sub.version:
        raise _stale(session, object_type="submission", object_id=sub.id, code=agency_code)
    sub.review_comment = comment.strip()
    transition(session, submission=sub, step="return", actor=actor, reason=comment.strip(), now=now)
    return sub


def approve_submission(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    actor: Actor,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Submission:
    """Approve a submission: criteria still pending are accepted as reported; none may be "returned".

    Raises:
        Conflict: criteria are marked "returned" (return the submission instead), or a stale version.
    """
    now = now or clock.now()
    _period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    check_can_review(session, actor=actor, submission=sub)
    if expected_version is not None and expected_version != sub.version:
        raise _stale(session, object_type="submission", object_id=sub.id, code=agency_code)
    stored = values_by_code(session, submission=sub)
    returned = sorted(code for code, row in stored.items() if row.review_state == "returned")
    if returned:
        raise Conflict(
            f"Còn tiêu chí bị yêu cầu sửa: {', '.join(returned)}; hãy trả lại bản tự đánh giá",
            f"Criteria marked for correction: {', '.join(returned)}; return the submission instead",
        )
    for code, row in sorted(stored.items()):
        if row.review_state == "pending":
            row.review_state, row.reviewed_at = "accepted", now
            row.reviewed_by = actor.id
            record_change(
                session,
                action="review.accept",
                object_type="submission_value",
                object_id=row.id,
                field=code,
                old={"review_state": "pending"},
                new={"review_state": "accepted"},
                reason="approved with the submission",
                actor=actor,
                at=now,
            )
    sub.approved_at = now
    sub.review_comment = None
    transition(session, submission=sub, step="approve", actor=actor, now=now)
    return sub


def value_history(
    session: Session, *, period_code: str, agency_code: str, indicator_code: str, actor: Actor
) -> list[AuditEntryOut]:
    """Return every change of one criterion's value, review and evidence, oldest first."""
    _period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    check_can_read(session, actor=actor, submission=sub)
    row = values_by_code(session, submission=sub).get(indicator_code)
    rows = []
    if row is not None:
        rows = list_audit(
            session, object_type="submission_value", object_id=row.id, limit=None, newest_first=False
        )
    # The criterion's evidence too (added, edited, withdrawn): withdrawn items stay for this history.
    documents = select(Evidence.id).where(
        Evidence.submission_id == sub.id, Evidence.indicator_code == indicator_code
    )
    for evidence_id in session.scalars(documents):
        rows += list_audit(
            session, object_type="evidence", object_id=evidence_id, limit=None, newest_first=False
        )
    return sorted(rows, key=lambda r: (r.at, r.id))


def criterion_history(
    session: Session, *, period_code: str, agency_code: str, indicator_code: str, actor: Actor
) -> CriterionHistory:
    """Return one criterion's history with its name and the agency's, for the history page."""
    period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    crit = period_form(period).criterion(indicator_code)
    rows = value_history(
        session, period_code=period_code, agency_code=agency_code, indicator_code=indicator_code, actor=actor
    )
    agency = session.get(Agency, sub.agency_id)
    return CriterionHistory(
        period_code=period.code,
        agency_code=agency_code,
        agency_name_vi=agency.name_vi if agency else agency_code,
        indicator_code=crit.code,
        name_vi=crit.name_vi,
        name_en=crit.name_en,
        rows=rows,
    )


def period_progress(session: Session, *, period_code: str) -> dict[str, int]:
    """Count the submissions of a period per status (all statuses present, zeros included)."""
    period = get_period(session, code=period_code)
    counts = dict(
        session.execute(
            select(Submission.status, func.count())
            .where(Submission.period_id == period.id)
            .group_by(Submission.status)
        ).all()
    )
    return {status: int(counts.get(status, 0)) for status in SUBMISSION_STATUSES}


def change_points_after_approval(
    session: Session,
    *,
    submission: Submission,
    indicator_code: str,
    points: float,
    comment: str,
    cause: str,
    actor: Actor,
    now: datetime,
) -> SubmissionValue:
    """Change an approved criterion's points for a reply or appeal: the same checks, state and audit entry
    ("review.change") as an assessor's change during review, the cause named in the reason.

    Raises:
        PermissionDenied: the actor may not review this agency's group.
        InvalidInput: points out of range or not allowed by the criterion's rule.
    """
    check_can_review(session, actor=actor, submission=submission)
    period = session.get(AssessmentPeriod, submission.period_id)
    assert period is not None  # a submission always belongs to a period
    crit = period_form(period).criterion(indicator_code)
    new_points = _changed_points(points, crit, indicator_code)
    row = _value_row(session, submission=submission, crit=crit, state="accepted", now=now)
    return _decide(
        session,
        row=row,
        state="changed",
        points=new_points,
        comment=comment.strip() or None,
        action="review.change",
        reason=f"{cause}: {comment.strip()}",
        actor=actor,
        now=now,
    )
