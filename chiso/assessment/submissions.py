"""Self-assessment: the agency's form with values, draft autosave, required check, submit.

Domain layer: store models, chiso.assessment helpers, chiso.errors; nothing from web or cli.
Status machine: draft -> submitted -> (returned -> resubmitted)* -> approved. Only draft and returned
submissions take new values; submitting is refused after the agency's deadline unless extended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.assessment.access import check_can_edit, check_can_read
from chiso.assessment.form import Criterion, Form, load_form
from chiso.assessment.periods import (
    get_period,
    get_submission_for,
    resubmission_deadline_for,
    submission_deadline_for,
)
from chiso.assessment.schemas import (
    EvidenceOut,
    FieldOut,
    SaveReport,
    SectionOut,
    SubmissionView,
    ValueConflict,
    ValueInput,
)
from chiso.assessment.values import CleanValue, clean_value, is_empty
from chiso.errors import Conflict, InvalidInput, Problem
from chiso.store.models import Agency, PeerGroup
from chiso.store.models.assessment import AssessmentPeriod, Evidence, Submission, SubmissionValue
from chiso.store.models.users import User
from chiso.store.rows import model_of

EDITABLE_STATUSES = ("draft", "returned")
TRANSITIONS = {
    "submit": {"draft": "submitted", "returned": "resubmitted"},
    "return": {"submitted": "returned", "resubmitted": "returned"},
    "approve": {"submitted": "approved", "resubmitted": "approved"},
    "reopen": {"approved": "returned"},
}


def period_form(period: AssessmentPeriod) -> Form:
    """Return the form of the period's framework."""
    return load_form(period.framework_id)[1]


def open_submission(
    session: Session, *, period_code: str, agency_code: str, actor: Actor
) -> tuple[AssessmentPeriod, Submission]:
    """Return a period and one agency's submission in it, checking the actor may read it."""
    period = get_period(session, code=period_code)
    sub = get_submission_for(session, period=period, agency_code=agency_code)
    check_can_read(session, actor=actor, submission=sub)
    return period, sub


def group_submission_ids(session: Session, *, submission: Submission) -> list[int]:
    """Return the ids of the submissions of the same period and peer group (the submission's peers)."""
    group = submission.group_id
    same_group = Submission.group_id.is_(None) if group is None else Submission.group_id == group
    stmt = select(Submission.id).where(Submission.period_id == submission.period_id, same_group)
    return list(session.scalars(stmt.order_by(Submission.id)))


def values_by_code(session: Session, *, submission: Submission) -> dict[str, SubmissionValue]:
    """Return the stored values of a submission keyed by indicator code."""
    rows = session.scalars(select(SubmissionValue).where(SubmissionValue.submission_id == submission.id))
    return {v.indicator_code: v for v in rows}


def transition(
    session: Session,
    *,
    submission: Submission,
    step: str,
    actor: Actor,
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    """Move a submission along the status machine, auditing the change.

    Raises:
        Conflict: the step is not allowed from the current status.
    """
    allowed = TRANSITIONS[step]
    old = submission.status
    if old not in allowed:
        raise Conflict(
            f"Không thể '{step}' bản tự đánh giá đang ở trạng thái '{old}'",
            f"Cannot {step} a submission whose status is {old!r} (allowed from: {', '.join(allowed)})",
        )
    submission.status = allowed[old]
    submission.updated_at = now or clock.now()
    submission.updated_by = actor.id
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            "Bản tự đánh giá vừa được người khác thay đổi; hãy tải lại trang",
            "Someone else changed this submission meanwhile; reload and try again",
        ) from exc
    record_change(
        session,
        action=f"submission.{step}",
        object_type="submission",
        object_id=submission.id,
        actor=actor,
        field="status",
        old=old,
        new=submission.status,
        reason=reason,
        at=now,
    )


def _apply(row: SubmissionValue, clean: CleanValue) -> None:
    for key, val in clean.as_dict().items():
        setattr(row, key, val)


def _stored(row: SubmissionValue) -> CleanValue:
    return CleanValue(row.value, row.numerator, row.denominator, row.choice, row.comment)


def lock_submission(session: Session, *, submission: Submission) -> None:
    """Hold the submission's row until the transaction ends, and reload it: saves run one at a time.

    Without it, 50 simultaneous autosaves of one agency read the same version and all but one fail.
    PostgreSQL: SELECT ... FOR UPDATE. SQLite has no row locks: a no-op UPDATE takes the database's
    write lock (waiting up to its busy timeout), so the reads that follow see the last committed save.
    """
    if session.get_bind().dialect.name == "sqlite":
        stmt = update(Submission).where(Submission.id == submission.id).values(id=Submission.id)
        session.execute(stmt.execution_options(synchronize_session=False))
    session.refresh(submission, with_for_update=True)


def save_draft(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    values: Mapping[str, ValueInput | Mapping[str, object]],
    actor: Actor,
    expected_version: int | None = None,
    seen_versions: Mapping[str, int] | None = None,
    partial: bool = False,
    now: datetime | None = None,
) -> SaveReport:
    """Save (autosave) values of a draft or returned submission; idempotent: unchanged values are no-ops.

    Every value is checked first; if any is wrong nothing is saved. A changed value goes back to
    "pending" review and loses any points the assessor had set for the old value.

    Args:
        values: indicator_code -> ValueInput (or a dict of its fields).
        expected_version: the submission version the client saw; a stale one raises Conflict.
        seen_versions: indicator_code -> the value's version the client saw (0: none yet). A value
            changed since (another tab, another person) is not overwritten: it is left out and listed
            in `SaveReport.conflicts`, so the client shows both and lets the user keep one.
        partial: save the valid values and report the invalid ones in `SaveReport.problems` instead of
            refusing everything (the browser's autosave: typing elsewhere is never lost).

    Raises:
        InvalidInput: unknown criteria, computed (read-only) criteria, values of the wrong type or range.
        Conflict: the submission is not editable (submitted, approved) or the version is stale.
    """
    now = now or clock.now()
    period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    check_can_edit(session, actor=actor, submission=sub)
    lock_submission(session, submission=sub)
    if sub.status not in EDITABLE_STATUSES:
        raise Conflict(
            f"Bản tự đánh giá đang ở trạng thái '{sub.status}', không sửa được",
            f"The submission is {sub.status}; values can change only while it is draft or returned",
        )
    if expected_version is not None and expected_version != sub.version:
        raise Conflict(
            "Bản tự đánh giá đã được lưu ở nơi khác (tab hoặc người khác); hãy tải lại trang",
            f"The submission was saved elsewhere meanwhile (version {sub.version}, you had "
            f"{expected_version}); reload the page",
        )
    form = period_form(period)
    kind = agency_kind_of(session, submission=sub)
    existing = values_by_code(session, submission=sub)
    cleaned, problems = _checked_values(form.criteria_for(kind), form=form, existing=existing, values=values)
    if problems and not partial:
        raise InvalidInput(
            "Có giá trị không hợp lệ; chưa lưu gì", "Some values are invalid; nothing was saved", problems
        )
    for problem in problems:
        cleaned.pop(problem.field or "", None)
    changed, unchanged, conflicts = _write_values(
        session, form=form, submission=sub, existing=existing, cleaned=cleaned, seen_versions=seen_versions,
        actor=actor, now=now,
    )  # fmt: skip
    return SaveReport(
        submission_id=sub.id,
        status=sub.status,
        version=sub.version,
        changed=changed,
        unchanged=unchanged,
        saved_at=now,
        problems=[p.to_dict() for p in problems],
        conflicts=conflicts,
    )


def _checked_values(
    criteria: Sequence[Criterion],
    *,
    form: Form,
    existing: Mapping[str, SubmissionValue],
    values: Mapping[str, ValueInput | Mapping[str, object]],
) -> tuple[dict[str, CleanValue], list[Problem]]:
    """Clean each typed value of `criteria` (the agency's); list the values of other or computed criteria,
    or of the wrong type or range, as problems."""
    problems: list[Problem] = []
    cleaned: dict[str, CleanValue] = {}
    codes = {c.code for c in criteria}
    for code, raw in values.items():
        if code not in codes:
            problems.append(
                Problem(
                    f"Tiêu chí {code} không có trong bộ chỉ số {form.framework_id}",
                    f"Criterion {code} is not in framework {form.framework_id} or does not apply to this "
                    "agency",
                    field=code,
                )
            )
            continue
        crit = form.criterion(code)
        if crit.computed or (code in existing and existing[code].is_computed):
            source = existing[code].source if code in existing else crit.source
            problems.append(
                Problem(
                    f"{code} được tính tự động ({source}), không nhập tay",
                    f"{code} is computed ({source}) and cannot be typed in",
                    field=code,
                )
            )
            continue
        vi = raw if isinstance(raw, ValueInput) else ValueInput.model_validate(dict(raw))
        clean, found = clean_value(crit, vi)
        problems.extend(found)
        cleaned[code] = clean
    return cleaned, problems


def _write_values(
    session: Session,
    *,
    form: Form,
    submission: Submission,
    existing: Mapping[str, SubmissionValue],
    cleaned: Mapping[str, CleanValue],
    seen_versions: Mapping[str, int] | None,
    actor: Actor,
    now: datetime,
) -> tuple[list[str], list[str], list[ValueConflict]]:
    """Write the values that differ from the stored ones (audited); return (changed, unchanged, conflicts).

    A value changed since the client's `seen_versions` is left as it is and reported as a conflict.
    """
    changed, unchanged = [], []
    conflicts: list[ValueConflict] = []
    pending: list[tuple[str, SubmissionValue, dict[str, object] | None, CleanValue]] = []
    for code, clean in cleaned.items():
        row = existing.get(code)
        if (row is not None and _stored(row).same_as(clean)) or (row is None and clean.same_as(CleanValue())):
            unchanged.append(code)
            continue
        if seen_versions is not None and code in seen_versions:
            current = row.version if row is not None else 0
            if seen_versions[code] != current:
                conflicts.append(_conflict(session, code=code, row=row))
                continue
        old = _stored(row).as_dict() if row is not None else None
        if row is None:
            row = SubmissionValue(
                submission_id=submission.id,
                indicator_code=code,
                kind=form.criterion(code).kind,
                source="reported",
                is_computed=False,
                review_state="pending",
            )
            session.add(row)
        _apply(row, clean)
        row.updated_at, row.updated_by = now, actor.id
        if row.review_state != "pending" or row.points_override is not None:
            row.review_state, row.points_override = "pending", None
        changed.append(code)
        pending.append((code, row, old, clean))
    if pending:
        session.flush()  # one round trip for every changed value, then one for their audit entries
        for code, row, old, clean in pending:
            record_change(
                session,
                action="value.update" if old else "value.set",
                object_type="submission_value",
                object_id=row.id,
                field=code,
                old=old,
                new=clean.as_dict(),
                actor=actor,
                at=now,
                flush=False,
            )
    if changed:
        submission.updated_at, submission.updated_by = now, actor.id
        flag_modified(submission, "updated_at")  # bump the version even when the clock did not move
        try:
            session.flush()
        except StaleDataError as exc:
            raise Conflict(
                "Bản tự đánh giá vừa được lưu ở nơi khác; hãy tải lại trang",
                "The submission was saved elsewhere meanwhile; reload the page",
            ) from exc
    return changed, unchanged, conflicts


def _conflict(session: Session, *, code: str, row: SubmissionValue | None) -> ValueConflict:
    who = session.get(User, row.updated_by) if row is not None and row.updated_by else None
    return ValueConflict(
        indicator_code=code,
        version=row.version if row is not None else 0,
        updated_by=(who.full_name or who.username) if who is not None else None,
        updated_at=row.updated_at if row is not None else None,
    )


def agency_kind_of(session: Session, *, submission: Submission) -> str | None:
    """Return the kind of the submission's agency (department, commune, ...)."""
    agency = session.get(Agency, submission.agency_id)
    return agency.kind if agency is not None else None


def missing_criteria(session: Session, *, form: Form, submission: Submission) -> list[str]:
    """Return the codes of required criteria (for the agency's kind) still empty, in form order."""
    stored = values_by_code(session, submission=submission)
    out = []
    for crit in form.criteria_for(agency_kind_of(session, submission=submission)):
        if not crit.required:
            continue
        row = stored.get(crit.code)
        if row is None or is_empty(crit.kind, row.value, row.numerator, row.denominator, row.choice):
            out.append(crit.code)
    return out


def submit(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    actor: Actor,
    now: datetime | None = None,
) -> Submission:
    """Submit (or resubmit after a return) an agency's self-assessment for review.

    Raises:
        InvalidInput: required criteria are empty (all named), or the deadline has passed without extension.
        Conflict: the submission is not draft or returned.
    """
    now = now or clock.now()
    period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    check_can_edit(session, actor=actor, submission=sub)
    if sub.status not in TRANSITIONS["submit"]:
        raise Conflict(
            f"Bản tự đánh giá đang ở trạng thái '{sub.status}', không nộp được",
            f"The submission is {sub.status}; only a draft or returned submission can be submitted",
        )
    deadline = (
        submission_deadline_for(period, sub)
        if sub.status == "draft"
        else resubmission_deadline_for(period, sub)
    )
    if now > deadline:
        raise InvalidInput(
            f"Đã quá hạn nộp ({clock.to_local(deadline):%d/%m/%Y %H:%M}); "
            "liên hệ Văn phòng thường trực để được gia hạn",
            f"The deadline {clock.to_local(deadline):%Y-%m-%d %H:%M} has passed; "
            "ask the secretariat for an extension",
            [Problem("Quá hạn", "Past the deadline", field="deadline")],
        )
    form = period_form(period)
    missing = missing_criteria(session, form=form, submission=sub)
    if missing:
        names = {c.code: c for c in form.criteria}
        raise InvalidInput(
            f"Còn {len(missing)} tiêu chí bắt buộc chưa nhập: {', '.join(missing)}",
            f"{len(missing)} required criteria are empty: {', '.join(missing)}; "
            "fill them in and submit again",
            [
                Problem(f"Chưa nhập: {names[m].name_vi}", f"Empty: {names[m].name_en}", field=m)
                for m in missing
            ],
        )
    if sub.status == "draft":
        sub.submitted_at = now
    transition(session, submission=sub, step="submit", actor=actor, now=now)
    return sub


def _field_out(crit: Criterion, row: SubmissionValue | None, evidence: list[EvidenceOut]) -> FieldOut:
    """Return one criterion of the form with the agency's stored value and its review (defaults when none)."""
    saved = {}
    if row is not None:
        saved = {
            "value": row.value,
            "numerator": row.numerator,
            "denominator": row.denominator,
            "choice": row.choice,
            "comment": row.comment,
            "value_version": row.version,
            "review_state": row.review_state,
            "points_override": row.points_override,
            "review_comment": row.review_comment,
        }
    return model_of(
        FieldOut,
        crit,
        computed=crit.computed or bool(row and row.is_computed),
        source=row.source if row is not None and row.is_computed else crit.source,
        evidence=evidence,
        **saved,
    )


def get_submission_view(
    session: Session, *, period_code: str, agency_code: str, actor: Actor
) -> SubmissionView:
    """Build the form of one agency's submission: sections, fields, values, review state, evidence."""
    period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    form = period_form(period)
    agency = session.get(Agency, sub.agency_id)
    assert agency is not None
    group = session.get(PeerGroup, sub.group_id) if sub.group_id else None
    stored = values_by_code(session, submission=sub)
    evidence: dict[str, list[EvidenceOut]] = {}
    live = select(Evidence).where(Evidence.submission_id == sub.id, Evidence.withdrawn_at.is_(None))
    for ev in session.scalars(live.order_by(Evidence.id)):
        evidence.setdefault(ev.indicator_code, []).append(model_of(EvidenceOut, ev))
    sections = []
    for sec in form.sections:
        fields = [
            _field_out(c, stored.get(c.code), evidence.get(c.code, []))
            for c in sec.criteria
            if c.applies_to(agency.kind)
        ]
        if fields:
            sections.append(
                SectionOut(code=sec.code, name_vi=sec.name_vi, name_en=sec.name_en, fields=fields)
            )
    editable = sub.status in EDITABLE_STATUSES and period.status == "open"
    deadline = (
        submission_deadline_for(period, sub)
        if sub.status == "draft"
        else resubmission_deadline_for(period, sub)
    )
    return SubmissionView(
        submission_id=sub.id,
        period_code=period.code,
        period_name_vi=period.name_vi,
        agency_code=agency.code,
        agency_name_vi=agency.name_vi,
        group_code=group.code if group else None,
        framework_id=period.framework_id,
        framework_version=period.framework_version,
        status=sub.status,
        version=sub.version,
        deadline=deadline,
        submission_deadline=submission_deadline_for(period, sub),
        review_deadline=period.review_deadline,
        extended_until=sub.extended_until,
        extension_reason=sub.extension_reason,
        review_comment=sub.review_comment,
        editable=editable,
        sections=sections,
        missing=missing_criteria(session, form=form, submission=sub),
    )
