"""Who may touch which submission: object-level checks shared by the assessment services.

Domain layer: imports the store models, chiso.accounts.actors and chiso.errors only. The web's
`require("action")` checks the role; these functions check the object (a reporter's own agency, an
assessor's assigned groups). The actor is always explicit: `SYSTEM` (CLI, demo, jobs) is allowed
everything, a person only what their role and assignments allow. Lists use `readable_submissions`, the
same rule as `check_can_read`, so a page never filters by role on its own.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor, is_system
from chiso.errors import PermissionDenied
from chiso.store.models.assessment import AssessorAssignment, Submission

SEE_ALL = ("secretariat", "leader")


def assessor_group_ids(session: Session, *, user: Actor) -> set[int]:
    """Return the ids of the peer groups an assessor is assigned to."""
    return set(
        session.scalars(select(AssessorAssignment.group_id).where(AssessorAssignment.user_id == user.id))
    )


def readable_submissions(session: Session, *, actor: Actor) -> ColumnElement[bool]:
    """Return the WHERE clause selecting the submissions `actor` may read (the rule of `check_can_read`)."""
    if is_system(actor) or actor.role in SEE_ALL:
        return true()
    if actor.role == "reporter" and actor.agency_id is not None:
        return Submission.agency_id == actor.agency_id
    if actor.role == "assessor":
        return Submission.group_id.in_(assessor_group_ids(session, user=actor))
    return false()


def check_can_read(session: Session, *, actor: Actor, submission: Submission) -> None:
    """Refuse reading a submission the actor has no business seeing."""
    if is_system(actor) or actor.role in SEE_ALL:
        return
    if actor.role == "reporter" and actor.agency_id == submission.agency_id:
        return
    if actor.role == "assessor" and submission.group_id in assessor_group_ids(session, user=actor):
        return
    raise PermissionDenied(
        "Bạn không có quyền xem bản tự đánh giá của đơn vị này",
        "You may not read this agency's submission",
    )


def check_can_edit(session: Session, *, actor: Actor, submission: Submission) -> None:
    """Refuse editing values unless the actor reports for this agency (or is the secretariat/system)."""
    if is_system(actor) or actor.role == "secretariat":
        return
    if actor.role == "reporter" and actor.agency_id == submission.agency_id:
        return
    raise PermissionDenied(
        "Chỉ cán bộ báo cáo của đơn vị mới được sửa bản tự đánh giá",
        "Only the agency's own reporter may edit its submission",
    )


def check_can_review(session: Session, *, actor: Actor, submission: Submission) -> None:
    """Refuse reviewing unless the actor is an assessor of the submission's group (or secretariat/system)."""
    if is_system(actor) or actor.role == "secretariat":
        return
    if actor.role == "assessor" and submission.group_id in assessor_group_ids(session, user=actor):
        return
    raise PermissionDenied(
        "Bạn không được phân công thẩm định nhóm của đơn vị này",
        "You are not assigned to review this agency's group",
    )


def check_secretariat(actor: Actor) -> None:
    """Refuse an administrative step unless the actor is the secretariat (or the system)."""
    if is_system(actor) or actor.role == "secretariat":
        return
    raise PermissionDenied(
        "Chỉ Văn phòng thường trực (ban thư ký) được thực hiện thao tác này",
        "Only the secretariat may do this",
    )
