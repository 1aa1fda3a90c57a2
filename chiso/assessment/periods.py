"""Assessment periods: open a round for a framework, peer groups and agencies; deadlines and extensions.

Domain layer: store models, chiso.frameworks (load_framework, with the province's library from
chiso.config) and chiso.errors; nothing from web or cli.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.accounts.service import get_user
from chiso.assessment.access import check_secretariat
from chiso.config import get_settings
from chiso.errors import Conflict, InvalidInput, NotFound, Problem
from chiso.frameworks import BUILTIN_IDS, load_framework
from chiso.store.models import Agency, GroupMember, PeerGroup
from chiso.store.models.assessment import AssessmentPeriod, AssessorAssignment, PeriodGroup, Submission


def get_period(session: Session, *, code: str) -> AssessmentPeriod:
    """Return the period with this code.

    Raises:
        NotFound: no such period.
    """
    period = session.scalar(select(AssessmentPeriod).where(AssessmentPeriod.code == code))
    if period is None:
        raise NotFound(f"Không có kỳ đánh giá {code}", f"No assessment period {code!r}")
    return period


def list_periods(
    session: Session, *, province_code: str | None = None, status: str | None = None
) -> list[AssessmentPeriod]:
    """List periods, newest submission deadline first."""
    stmt = select(AssessmentPeriod)
    if province_code:
        stmt = stmt.where(AssessmentPeriod.province_code == province_code)
    if status:
        stmt = stmt.where(AssessmentPeriod.status == status)
    return list(session.scalars(stmt.order_by(AssessmentPeriod.submission_deadline.desc())))


def list_period_groups(session: Session, *, period: AssessmentPeriod) -> list[PeerGroup]:
    """List the peer groups taking part in a period, by code."""
    stmt = (
        select(PeerGroup)
        .join(PeriodGroup, PeriodGroup.group_id == PeerGroup.id)
        .where(PeriodGroup.period_id == period.id)
        .order_by(PeerGroup.code)
    )
    return list(session.scalars(stmt))


def _pinned_framework(framework_id: str) -> tuple[str, str]:
    """Return the reference a period keeps and the version: a framework of the province's library is
    pinned as `id@version`, so importing a newer version never changes the period's framework."""
    framework = load_framework(framework_id, directory=get_settings().frameworks_dir)
    version = str(getattr(framework, "version", "") or "")
    if framework_id in BUILTIN_IDS or Path(framework_id).is_file():
        return framework_id, version
    return f"{framework.id}@{version}", version


def open_period(
    session: Session,
    *,
    code: str,
    name_vi: str,
    province_code: str,
    period: str,
    framework_id: str,
    group_codes: Sequence[str],
    submission_deadline: datetime,
    review_deadline: datetime,
    agency_codes: Sequence[str] | None = None,
    framework_version: str | None = None,
    name_en: str | None = None,
    previous_period_code: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> AssessmentPeriod:
    """Open an assessment period and create one draft submission per participating agency.

    Args:
        code: the period's code, e.g. "DNG-2026".
        period: the label of the peer groups used ("2026").
        framework_id: a built-in framework id or a framework file; its version is recorded.
        group_codes: the peer groups taking part (codes of PeerGroup for this province and period).
        agency_codes: restrict to these members of the groups; default all members.
        previous_period_code: the period to compare with (change of rank and points).

    Raises:
        InvalidInput: unknown groups or agencies, deadlines in the wrong order.
        Conflict: a period with this code exists.
    """
    check_secretariat(actor)
    now = now or clock.now()
    problems: list[Problem] = []
    if session.scalar(select(AssessmentPeriod.id).where(AssessmentPeriod.code == code)) is not None:
        raise Conflict(f"Kỳ đánh giá {code} đã tồn tại", f"The assessment period {code!r} already exists")
    sub_dl, rev_dl = clock.from_local(submission_deadline), clock.from_local(review_deadline)
    if rev_dl < sub_dl:
        problems.append(
            Problem(
                "Hạn thẩm định phải sau hạn nộp",
                "The review deadline must not be before the submission deadline",
                field="review_deadline",
            )
        )
    groups, chosen = _participants(
        session,
        province_code=province_code,
        period=period,
        group_codes=group_codes,
        agency_codes=agency_codes,
        problems=problems,
    )
    previous_id = None
    if previous_period_code:
        previous_id = get_period(session, code=previous_period_code).id
    if problems:
        raise InvalidInput("Không mở được kỳ đánh giá", f"Cannot open the period {code}", problems)
    if framework_version is None:
        framework_id, framework_version = _pinned_framework(framework_id)
    version = framework_version
    record = AssessmentPeriod(
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        province_code=province_code,
        period=period,
        framework_id=framework_id,
        framework_version=version,
        submission_deadline=sub_dl,
        review_deadline=rev_dl,
        status="open",
        previous_period_id=previous_id,
        created_at=now,
        created_by=actor.id,
    )
    session.add(record)
    session.flush()
    session.add_all(PeriodGroup(period_id=record.id, group_id=g.id) for g in groups)
    session.add_all(
        Submission(
            period_id=record.id,
            agency_id=agency.id,
            group_id=group_id,
            status="draft",
            updated_at=now,
            updated_by=actor.id,
        )
        for agency, group_id in chosen
    )
    session.flush()
    record_change(
        session,
        action="period.open",
        object_type="assessment_period",
        object_id=record.id,
        actor=actor,
        new={
            "code": code,
            "framework": f"{framework_id}@{version}",
            "groups": sorted(group_codes),
            "agencies": len(chosen),
            "submission_deadline": sub_dl.isoformat(),
            "review_deadline": rev_dl.isoformat(),
        },
        at=now,
    )
    return record


def _participants(
    session: Session,
    *,
    province_code: str,
    period: str,
    group_codes: Sequence[str],
    agency_codes: Sequence[str] | None,
    problems: list[Problem],
) -> tuple[list[PeerGroup], list[tuple[Agency, int]]]:
    """Return the period's peer groups and its (agency, group id) pairs; add what is unknown to `problems`."""
    groups = list(
        session.scalars(
            select(PeerGroup).where(
                PeerGroup.province_code == province_code,
                PeerGroup.period == period,
                PeerGroup.code.in_(group_codes),
            )
        )
    )
    missing = sorted(set(group_codes) - {g.code for g in groups})
    if missing:
        problems.append(
            Problem(
                f"Không có nhóm {', '.join(missing)} của tỉnh {province_code} kỳ {period}",
                f"Unknown peer groups {', '.join(missing)} for province {province_code}, period {period}; "
                "create them first (chiso agencies import)",
                field="group_codes",
            )
        )
    if not group_codes:
        problems.append(
            Problem("Cần ít nhất một nhóm", "Choose at least one peer group", field="group_codes")
        )
    members = session.execute(
        select(Agency, GroupMember.group_id)
        .join(GroupMember, GroupMember.agency_id == Agency.id)
        .where(GroupMember.group_id.in_([g.id for g in groups]))
    ).all()
    by_code = {agency.code: (agency, group_id) for agency, group_id in members}
    if agency_codes is not None:
        outside = sorted(set(agency_codes) - set(by_code))
        if outside:
            problems.append(
                Problem(
                    f"Các đơn vị không thuộc nhóm đã chọn: {', '.join(outside)}",
                    f"Agencies not members of the chosen groups: {', '.join(outside)}",
                    field="agency_codes",
                )
            )
        chosen = [by_code[c] for c in sorted(set(agency_codes)) if c in by_code]
    else:
        chosen = [by_code[c] for c in sorted(by_code)]
    return groups, chosen


def set_deadlines(
    session: Session,
    *,
    period_code: str,
    reason: str,
    submission_deadline: datetime | None = None,
    review_deadline: datetime | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> AssessmentPeriod:
    """Move a period's deadlines (for every agency), with a mandatory reason recorded in the audit."""
    check_secretariat(actor)
    if not reason.strip():
        raise InvalidInput("Cần nêu lý do thay đổi hạn", "A reason is required to change deadlines")
    period = get_period(session, code=period_code)
    new_sub = clock.from_local(submission_deadline) if submission_deadline else period.submission_deadline
    new_rev = clock.from_local(review_deadline) if review_deadline else period.review_deadline
    if new_rev < new_sub:
        raise InvalidInput(
            "Hạn thẩm định phải sau hạn nộp", "The review deadline must not be before the submission deadline"
        )
    for name, new in (("submission_deadline", new_sub), ("review_deadline", new_rev)):
        old = getattr(period, name)
        if old != new:
            setattr(period, name, new)
            record_change(
                session,
                action="period.deadline",
                object_type="assessment_period",
                object_id=period.id,
                field=name,
                old=old,
                new=new,
                reason=reason,
                actor=actor,
                at=now,
            )
    session.flush()
    return period


def get_submission_for(session: Session, *, period: AssessmentPeriod, agency_code: str) -> Submission:
    """Return the submission of one agency in a period.

    Raises:
        NotFound: the agency does not take part in the period.
    """
    sub = session.scalar(
        select(Submission)
        .join(Agency, Agency.id == Submission.agency_id)
        .where(Submission.period_id == period.id, Agency.code == agency_code)
    )
    if sub is None:
        raise NotFound(
            f"Đơn vị {agency_code} không tham gia kỳ {period.code}",
            f"Agency {agency_code} does not take part in period {period.code}",
        )
    return sub


def extend_deadline(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    until: datetime,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> Submission:
    """Extend one agency's submission deadline (gia hạn) with a mandatory reason.

    Raises:
        InvalidInput: no reason, or `until` not after the period's submission deadline.
    """
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    if not reason.strip():
        raise InvalidInput(
            "Cần nêu lý do gia hạn",
            "A reason is required to extend a deadline",
            [Problem("Thiếu lý do", "Missing reason", field="reason")],
        )
    until = clock.from_local(until)
    if until <= period.submission_deadline:
        raise InvalidInput(
            "Hạn gia hạn phải sau hạn nộp chung của kỳ",
            f"The extension must end after the period's submission deadline "
            f"{clock.to_local(period.submission_deadline):%d/%m/%Y %H:%M}",
            [Problem("Ngày không hợp lệ", "Bad date", field="until")],
        )
    sub = get_submission_for(session, period=period, agency_code=agency_code)
    old = sub.extended_until
    sub.extended_until = until
    sub.extension_reason = reason
    sub.updated_at = now or clock.now()
    sub.updated_by = actor.id
    session.flush()
    record_change(
        session,
        action="submission.extend",
        object_type="submission",
        object_id=sub.id,
        field="extended_until",
        old=old,
        new=until,
        reason=reason,
        actor=actor,
        at=now,
    )
    return sub


def submission_deadline_for(period: AssessmentPeriod, submission: Submission) -> datetime:
    """Return the deadline that applies to this agency: the later of the period's and its extension."""
    deadline = period.submission_deadline
    if submission.extended_until is not None:
        deadline = max(deadline, submission.extended_until)
    return deadline


def resubmission_deadline_for(period: AssessmentPeriod, submission: Submission) -> datetime:
    """Return the deadline for resubmitting after a return: the review deadline (or a later extension)."""
    return max(period.review_deadline, submission_deadline_for(period, submission))


def _group_of_period(session: Session, *, period: AssessmentPeriod, group_code: str) -> PeerGroup:
    group = session.scalar(
        select(PeerGroup)
        .join(PeriodGroup, PeriodGroup.group_id == PeerGroup.id)
        .where(PeriodGroup.period_id == period.id, PeerGroup.code == group_code)
    )
    if group is None:
        raise NotFound(
            f"Nhóm {group_code} không thuộc kỳ {period.code}",
            f"Group {group_code} is not part of period {period.code}",
        )
    return group


def assign_assessor(
    session: Session, *, period_code: str, group_code: str, username: str, actor: Actor
) -> AssessorAssignment:
    """Assign an assessor to review one peer group of a period (idempotent)."""
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    group = _group_of_period(session, period=period, group_code=group_code)
    user = get_user(session, username=username)
    if user.role != "assessor":
        raise InvalidInput(
            f"{username} không phải thẩm định viên", f"{username} has role {user.role}, not assessor"
        )
    existing = session.get(AssessorAssignment, (user.id, group.id))
    if existing is not None:
        return existing
    assignment = AssessorAssignment(user_id=user.id, group_id=group.id)
    session.add(assignment)
    session.flush()
    record_change(
        session,
        action="assessor.assign",
        object_type="user",
        object_id=user.id,
        field="group",
        new=f"{period.code}/{group.code}",
        actor=actor,
    )
    return assignment


def unassign_assessor(
    session: Session, *, period_code: str, group_code: str, username: str, actor: Actor
) -> None:
    """Remove an assessor from a group of a period (no-op when not assigned)."""
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    group = _group_of_period(session, period=period, group_code=group_code)
    user = get_user(session, username=username)
    existing = session.get(AssessorAssignment, (user.id, group.id))
    if existing is not None:
        session.delete(existing)
        session.flush()
        record_change(
            session,
            action="assessor.unassign",
            object_type="user",
            object_id=user.id,
            field="group",
            old=f"{period.code}/{group.code}",
            actor=actor,
        )
