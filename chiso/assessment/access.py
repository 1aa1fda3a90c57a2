"""Who may touch which submission: object-level checks shared by the assessment services.

Domain layer: imports the store models and chiso.errors only. The web's `require("action")` checks the
role; these functions check the object (a reporter's own agency, an assessor's assigned groups).
`actor=None` means the system (CLI, demo, imports run by an operator) and is always allowed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.errors import PermissionDenied
from chiso.store.models import User
from chiso.store.models.assessment import AssessorAssignment, Submission


def assessor_group_ids(session: Session, *, user: User) -> set[int]:
    """Return the ids of the peer groups an assessor is assigned to."""
    return set(
        session.scalars(select(AssessorAssignment.group_id).where(AssessorAssignment.user_id == user.id))
    )


def check_can_read(session: Session, *, actor: User | None, submission: Submission) -> None:
    """Refuse reading a submission the actor has no business seeing."""
    if actor is None or actor.role in ("secretariat", "leader"):
        return
    if actor.role == "reporter" and actor.agency_id == submission.agency_id:
        return
    if actor.role == "assessor" and submission.group_id in assessor_group_ids(session, user=actor):
        return
    raise PermissionDenied(
        "Bạn không có quyền xem bản tự đánh giá của đơn vị này",
        "You may not read this agency's submission",
    )


def check_can_edit(session: Session, *, actor: User | None, submission: Submission) -> None:
    """Refuse editing values unless the actor reports for this agency (or is the secretariat/system)."""
    if actor is None or actor.role == "secretariat":
        return
    if actor.role == "reporter" and actor.agency_id == submission.agency_id:
        return
    raise PermissionDenied(
        "Chỉ cán bộ báo cáo của đơn vị mới được sửa bản tự đánh giá",
        "Only the agency's own reporter may edit its submission",
    )


def check_can_review(session: Session, *, actor: User | None, submission: Submission) -> None:
    """Refuse reviewing unless the actor is an assessor of the submission's group (or secretariat/system)."""
    if actor is None or actor.role == "secretariat":
        return
    if actor.role == "assessor" and submission.group_id in assessor_group_ids(session, user=actor):
        return
    raise PermissionDenied(
        "Bạn không được phân công thẩm định nhóm của đơn vị này",
        "You are not assigned to review this agency's group",
    )


def check_secretariat(actor: User | None) -> None:
    """Refuse an administrative step unless the actor is the secretariat (or the system)."""
    if actor is None or actor.role == "secretariat":
        return
    raise PermissionDenied(
        "Chỉ Văn phòng thường trực (ban thư ký) được thực hiện thao tác này",
        "Only the secretariat may do this",
    )
