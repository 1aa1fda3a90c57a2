"""Right of reply and appeals: the preliminary release, an agency's reply or appeal per criterion, the answer.

Domain layer: store models, the assessment services (access, periods, review, evidence checks) and
chiso.errors; nothing from flows, web or cli. Deadlines are given by the caller (chiso.flows.appeals
counts them in working days on the Vietnamese calendar, which lives in a lower room). A reply is filed on
a preliminary score before publication, an appeal on a published one; an answer that changes the points
goes through the review record (`review.change_points_after_approval`) and every step is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.assessment import review
from chiso.assessment.access import check_can_read, check_can_review, check_secretariat
from chiso.assessment.evidence import ALLOWED_TYPES, stored_file, upload_path
from chiso.assessment.periods import get_period, get_submission_for
from chiso.assessment.submissions import period_form
from chiso.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Problem
from chiso.store.models import Agency
from chiso.store.models.appeals import AppealCase, AppealFile, AppealSettings, PreliminaryRelease
from chiso.store.models.assessment import AssessmentPeriod, Publication, Submission

DECISIONS = ("upheld", "changed", "rejected")
MAX_DAYS = 60


@event.listens_for(PreliminaryRelease, "before_update")
@event.listens_for(PreliminaryRelease, "before_delete")
def _immutable(_mapper: Any, _connection: Any, _target: PreliminaryRelease) -> None:
    raise Conflict(
        "Kết quả sơ bộ đã gửi không được sửa hay xóa", "Released preliminary results are never changed"
    )


def get_windows(session: Session, *, period: AssessmentPeriod) -> AppealSettings:
    """Return the period's reply, appeal and answer windows in working days (defaults when never set)."""
    found = session.get(AppealSettings, period.id)
    return found or AppealSettings(period_id=period.id, reply_days=5, appeal_days=10, answer_days=5)


def _days(name: str, value: int) -> int:
    if not 1 <= value <= MAX_DAYS:
        raise InvalidInput(
            f"Số ngày làm việc phải từ 1 đến {MAX_DAYS}, không phải {value}",
            f"The number of working days must be 1 to {MAX_DAYS}, not {value}",
            [Problem("Số ngày không hợp lệ", "Invalid number of days", field=name)],
        )
    return value


def set_windows(
    session: Session,
    *,
    period_code: str,
    reply_days: int,
    appeal_days: int,
    answer_days: int,
    actor: Actor,
    now: datetime,
) -> AppealSettings:
    """Set a period's windows in working days (secretariat): reply, appeal after publication, answer."""
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    days = {
        "reply_days": _days("reply_days", reply_days),
        "appeal_days": _days("appeal_days", appeal_days),
        "answer_days": _days("answer_days", answer_days),
    }
    row = session.get(AppealSettings, period.id)
    old = None if row is None else {k: getattr(row, k) for k in days}
    if row is None:
        row = AppealSettings(period_id=period.id, updated_at=now)
        session.add(row)
    for key, value in days.items():
        setattr(row, key, value)
    row.updated_at, row.updated_by = now, actor.id
    session.flush()
    record_change(
        session,
        action="appeal_settings.update",
        object_type="assessment_period",
        object_id=period.id,
        field="appeal_settings",
        old=old,
        new=days,
        actor=actor,
        at=now,
    )
    return row


def get_release(session: Session, *, period: AssessmentPeriod) -> PreliminaryRelease | None:
    """Return the period's preliminary release, or None."""
    return session.get(PreliminaryRelease, period.id)


def record_release(
    session: Session,
    *,
    period: AssessmentPeriod,
    rows: list[dict[str, Any]],
    framework_id: str,
    framework_version: str,
    reply_days: int,
    reply_until: datetime,
    actor: Actor,
    now: datetime,
) -> PreliminaryRelease:
    """Store the preliminary results released to the agencies, with the reply deadline (secretariat).

    Raises:
        Conflict: the period is published, or its preliminary results were released already.
    """
    check_secretariat(actor)
    if period.status == "published":
        raise Conflict(
            f"Kỳ {period.code} đã công bố; sau công bố đơn vị có thể phúc khảo",
            f"Period {period.code} is published; agencies may appeal now instead",
        )
    if get_release(session, period=period) is not None:
        raise Conflict(
            f"Kết quả sơ bộ của kỳ {period.code} đã được gửi", f"Period {period.code} was released already"
        )
    release = PreliminaryRelease(
        period_id=period.id,
        released_at=now,
        released_by=actor.id,
        reply_days=_days("reply_days", reply_days),
        reply_until=reply_until,
        framework_id=framework_id,
        framework_version=framework_version,
        rows=rows,
    )
    session.add(release)
    session.flush()
    record_change(
        session,
        action="preliminary.release",
        object_type="assessment_period",
        object_id=period.id,
        field="reply_until",
        new=reply_until,
        reason=f"{reply_days} ngày làm việc / working days",
        actor=actor,
        at=now,
    )
    return release


def first_publication(session: Session, *, period: AssessmentPeriod) -> Publication | None:
    """Return the period's first published revision (appeals count from it), or None."""
    return session.scalar(
        select(Publication).where(Publication.period_id == period.id).order_by(Publication.revision).limit(1)
    )


def result_rows(
    session: Session, *, period: AssessmentPeriod
) -> tuple[str, list[dict[str, Any]], int | None]:
    """Return the results an agency replies to: ("published", latest rows, revision) or ("preliminary", ...).

    Raises:
        NotFound: nothing released or published for the period.
    """
    pub = session.scalar(
        select(Publication)
        .where(Publication.period_id == period.id)
        .order_by(Publication.revision.desc())
        .limit(1)
    )
    if pub is not None:
        return "published", list(pub.rows), pub.revision
    release = get_release(session, period=period)
    if release is None:
        raise NotFound(
            f"Kỳ {period.code} chưa gửi kết quả sơ bộ", f"Period {period.code} has no preliminary results yet"
        )
    return "preliminary", list(release.rows), None


def points_of(rows: Sequence[dict[str, Any]], *, agency_code: str, node_code: str) -> float | None:
    """Return an agency's points on one node of a results table's rows (None: no data)."""
    for r in rows:
        if r.get("agency_code") == agency_code and r.get("node_code") == node_code:
            value = r.get("points")
            return None if value is None else float(value)
    return None


def _check_files(files: Sequence[tuple[str, bytes, str]], actor: Actor, now: datetime) -> list[AppealFile]:
    return [AppealFile(**stored_file(name, data, kind, actor=actor, at=now)) for name, data, kind in files]


def check_can_file(actor: Actor, *, submission: Submission) -> None:
    """Refuse filing unless the actor reports for the submission's agency (or is the system)."""
    if is_system(actor) or (actor.role == "reporter" and actor.agency_id == submission.agency_id):
        return
    raise PermissionDenied(
        "Chỉ cán bộ báo cáo của đơn vị mới gửi ý kiến, phúc khảo cho đơn vị mình",
        "Only the agency's own reporter may reply or appeal for it",
    )


def file_case(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    indicator_code: str,
    text: str,
    requested_points: float | None,
    files: Sequence[tuple[str, bytes, str]],
    kind: str,
    until: datetime | None,
    answer_due: datetime,
    actor: Actor,
    now: datetime,
) -> AppealCase:
    """File a reply (preliminary results) or an appeal (published results) on one criterion.

    Args:
        files: (name, bytes, type) already checked with `evidence.check_upload`.
        kind: "reply" or "appeal", as the period stands (the flow decides).
        until: the end of the window (the flow counts it in working days); None: no window is open.
        answer_due: when the answer is due.

    Raises:
        PermissionDenied: not the agency's reporter.
        Conflict: no window open or it closed; a case of this kind on this criterion is still open.
        InvalidInput: empty text, unknown criterion, requested points out of range.
    """
    period = get_period(session, code=period_code)
    sub = get_submission_for(session, period=period, agency_code=agency_code)
    check_can_file(actor, submission=sub)
    body = _checked_request(
        session,
        sub=sub,
        period=period,
        indicator_code=indicator_code,
        text=text,
        requested_points=requested_points,
        kind=kind,
        until=until,
        now=now,
    )
    _stage, rows, _revision = result_rows(session, period=period)
    case = AppealCase(
        period_id=period.id,
        submission_id=sub.id,
        indicator_code=indicator_code,
        kind=kind,
        status="open",
        text=body,
        requested_points=requested_points,
        filed_at=now,
        filed_by=actor.id,
        answer_due=answer_due,
        points_before=points_of(rows, agency_code=agency_code, node_code=indicator_code),
        files=_check_files(files, actor, now),
    )
    session.add(case)
    session.flush()
    record_change(
        session,
        action=f"{kind}.file",
        object_type="appeal_case",
        object_id=case.id,
        field=indicator_code,
        new={"points": case.points_before, "requested": requested_points},
        reason=body,
        actor=actor,
        at=now,
    )
    return case


def _checked_request(
    session: Session,
    *,
    sub: Submission,
    period: AssessmentPeriod,
    indicator_code: str,
    text: str,
    requested_points: float | None,
    kind: str,
    until: datetime | None,
    now: datetime,
) -> str:
    """Check a reply or appeal before it is filed (see `file_case`); return its text, stripped."""
    word = ("ý kiến", "a reply") if kind == "reply" else ("đơn phúc khảo", "an appeal")
    if until is None or now > until:
        shown = "" if until is None else f" ({until:%d/%m/%Y})"
        raise Conflict(f"Hết thời hạn gửi {word[0]}{shown}", f"The time to file {word[1]} is over{shown}")
    body = text.strip()
    if not body:
        raise InvalidInput(
            "Cần nêu nội dung ý kiến",
            "Say what the reply or appeal is about",
            [Problem("Thiếu nội dung", "Missing text", field="text")],
        )
    agency = session.get(Agency, sub.agency_id)
    crit = period_form(period).criterion(indicator_code)
    if agency is not None and not crit.applies_to(agency.kind):
        raise InvalidInput(
            f"Tiêu chí {indicator_code} không áp dụng cho đơn vị {agency.code}",
            f"Criterion {indicator_code} does not apply to {agency.code}",
            [Problem("Tiêu chí không áp dụng", "Criterion does not apply", field="indicator_code")],
        )
    if requested_points is not None and not min(0.0, crit.max_points) <= requested_points <= max(
        0.0, crit.max_points
    ):
        raise InvalidInput(
            f"Điểm đề nghị {requested_points:g} ngoài khoảng của {indicator_code}"
            f" (tối đa {crit.max_points:g})",
            f"Requested points {requested_points:g} outside {indicator_code}'s range"
            f" (max {crit.max_points:g})",
            [Problem("Điểm ngoài khoảng", "Points out of range", field="requested_points")],
        )
    duplicate = session.scalar(
        select(AppealCase.id).where(
            AppealCase.submission_id == sub.id,
            AppealCase.indicator_code == indicator_code,
            AppealCase.kind == kind,
            AppealCase.status == "open",
        )
    )
    if duplicate is not None:
        raise Conflict(
            f"Đã có {word[0]} #{duplicate} đang chờ trả lời cho {indicator_code}",
            f"#{duplicate} on {indicator_code} is still waiting for its answer",
        )
    return body


def _case(session: Session, case_id: int) -> tuple[AppealCase, Submission, AssessmentPeriod]:
    case = session.get(AppealCase, case_id)
    if case is None:
        raise NotFound(f"Không có ý kiến, phúc khảo #{case_id}", f"No reply or appeal #{case_id}")
    sub = session.get(Submission, case.submission_id)
    period = session.get(AssessmentPeriod, case.period_id)
    assert sub is not None and period is not None  # foreign keys
    return case, sub, period


def check_can_answer(session: Session, *, actor: Actor, case: AppealCase, submission: Submission) -> None:
    """Refuse answering a reply unless the group's assessor or the secretariat; an appeal, the secretariat."""
    if case.kind == "appeal":
        check_secretariat(actor)
    else:
        check_can_review(session, actor=actor, submission=submission)


def answer_case(
    session: Session,
    *,
    case_id: int,
    decision: str,
    points: float | None,
    reason: str,
    expected_version: int,
    actor: Actor,
    now: datetime,
) -> AppealCase:
    """Answer a reply or appeal: upheld (the requested or given points), changed (new points) or rejected.

    A change of points goes through the review record and the audit; publishing the revision an upheld
    appeal brings is the flow's job (chiso.flows.appeals).

    Raises:
        PermissionDenied: the actor may not answer it.
        Conflict: answered already, changed since `expected_version`, or a reply whose period is published.
        InvalidInput: unknown decision, no reason, no points where the decision needs them.
    """
    case, sub, period = _case(session, case_id)
    check_can_answer(session, actor=actor, case=case, submission=sub)
    if case.status != "open" or case.version != expected_version:
        raise Conflict(
            f"Ý kiến #{case.id} đã được trả lời hoặc vừa thay đổi; hãy tải lại trang",
            f"#{case.id} was answered or changed meanwhile; reload the page",
        )
    if decision not in DECISIONS:
        raise InvalidInput(
            f"Quyết định không hợp lệ: {decision}",
            f"Unknown decision {decision!r}; use upheld, changed or rejected",
            [Problem("Quyết định không hợp lệ", "Unknown decision", field="decision")],
        )
    text = reason.strip()
    if not text:
        raise InvalidInput(
            "Cần nêu lý do trả lời",
            "Give the reasons of the answer",
            [Problem("Thiếu lý do", "Missing reasons", field="reason")],
        )
    new_points = None
    if decision != "rejected":
        new_points = (
            points if points is not None else (case.requested_points if decision == "upheld" else None)
        )
        if new_points is None:
            raise InvalidInput(
                "Cần nhập điểm mới",
                "Give the new points",
                [Problem("Thiếu điểm", "Missing points", field="points")],
            )
        if case.kind == "reply" and period.status == "published":
            raise Conflict(
                f"Kỳ {period.code} đã công bố: điểm chỉ sửa được qua phúc khảo",
                f"Period {period.code} is published: points change only through an appeal now",
            )
        label = ("Ý kiến về kết quả sơ bộ", "Phúc khảo")[case.kind == "appeal"]
        review.change_points_after_approval(
            session,
            submission=sub,
            indicator_code=case.indicator_code,
            points=new_points,
            comment=text,
            cause=f"{label} #{case.id}",
            actor=actor,
            now=now,
        )
    case.status, case.answer, case.points_after = decision, text, new_points
    case.answered_at, case.answered_by = now, actor.id
    session.flush()
    record_change(
        session,
        action=f"{case.kind}.answer",
        object_type="appeal_case",
        object_id=case.id,
        field=case.indicator_code,
        old={"status": "open", "points": case.points_before},
        new={"status": decision, "points": new_points},
        reason=text,
        actor=actor,
        at=now,
    )
    return case


def note_revision(session: Session, *, case: AppealCase, revision: int) -> None:
    """Record which published revision an upheld appeal brought."""
    case.revision = revision
    session.flush()


def case_file(session: Session, *, file_id: int, actor: Actor) -> tuple[AppealFile, Any, str]:
    """Return a case's file record, its path and media type, once the actor may read the case."""
    record = session.get(AppealFile, file_id)
    if record is None:
        raise NotFound(f"Không có tệp {file_id}", f"No file {file_id}")
    _case_row, sub, _period = _case(session, record.case_id)
    check_can_read(session, actor=actor, submission=sub)
    path = upload_path(record.sha256)
    if not path.exists():
        raise NotFound(f"Tệp {record.filename} không còn trên đĩa", f"The file {record.filename} is missing")
    return record, path, ALLOWED_TYPES[record.file_type][0]


def count_cases(session: Session, *, period: AssessmentPeriod, now: datetime) -> tuple[dict[str, int], int]:
    """Count a period's cases per "kind:status" (zeros included) and the open ones past their answer date."""
    counts = {f"{k}:{s}": 0 for k in ("reply", "appeal") for s in ("open", "upheld", "changed", "rejected")}
    for kind, status, n in session.execute(
        select(AppealCase.kind, AppealCase.status, func.count())
        .where(AppealCase.period_id == period.id)
        .group_by(AppealCase.kind, AppealCase.status)
    ):
        counts[f"{kind}:{status}"] = int(n)
    overdue = session.scalar(
        select(func.count()).where(
            AppealCase.period_id == period.id, AppealCase.status == "open", AppealCase.answer_due < now
        )
    )
    return counts, int(overdue or 0)
