"""Requests for explanation (yêu cầu giải trình): sent to an agency, answered with text and files before a
due date, escalated when overdue (officer -> head of department -> head of agency).

Domain layer; imports chiso.store, chiso.accounts, chiso.assessment.evidence (file checks and storage) and
this room's notify. Every step is audited and notifies the people concerned in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chiso.followup.alerts import get_alert
from chiso.followup.attachments import attach_files, check_files
from chiso.followup.audited import add_recorded, close_recorded
from chiso.followup.messages import Message
from chiso.followup.notify import Recipient, notify, recipients_of
from chiso.store.models.agencies import Agency
from chiso.store.models.followup import AgencyContact, ExplanationRequest, FollowupFile
from chiso.store.models.users import User

LEVELS = {
    1: ("cán bộ đầu mối", "officer"),
    2: ("trưởng phòng", "head of department"),
    3: ("thủ trưởng cơ quan", "head of agency"),
}


def _agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"Không có cơ quan, đơn vị mã '{code}'", f"No agency with code '{code}'")
    return agency


def contacts_at(session: Session, *, agency_id: int, levels: Sequence[int]) -> list[Recipient]:
    """Return who answers for the agency at these levels: its contacts, and its reporters at level 1."""
    rows = session.scalars(
        select(AgencyContact).where(
            AgencyContact.agency_id == agency_id, AgencyContact.level.in_(list(levels))
        )
    )
    out = [Recipient(c.full_name, c.user_id, c.email) for c in rows]
    if 1 in levels:
        reporters = session.scalars(select(User).where(User.agency_id == agency_id, User.role == "reporter"))
        out.extend(recipients_of(session, reporters))
    return out


def add_contact(
    session: Session, *, agency_code: str, level: int, full_name: str, email: str, actor: Actor
) -> AgencyContact:
    """Register who answers for an agency at an escalation level (secretariat; audited)."""
    if not is_system(actor) and actor.role != "secretariat":
        raise PermissionDenied("Chỉ văn phòng sửa được đầu mối", "Only the secretariat edits contacts")
    if level not in LEVELS or "@" not in email:
        raise InvalidInput("Cấp 1-3 và địa chỉ e-mail hợp lệ", "Level 1-3 and a valid e-mail address")
    agency = _agency(session, agency_code)
    row = AgencyContact(agency_id=agency.id, level=level, full_name=full_name, email=email.strip())
    session.add(row)
    session.flush()
    record_change(
        session,
        action="contact.add",
        object_type="agency",
        object_id=agency_code,
        actor=actor,
        new={"level": level, "name": full_name, "email": email},
    )
    return row


def _creator_check(actor: Actor) -> None:
    if not is_system(actor) and actor.role not in ("secretariat", "leader"):
        raise PermissionDenied(
            "Chỉ văn phòng hoặc lãnh đạo gửi được yêu cầu giải trình",
            "Only the secretariat or a leader sends requests for explanation",
        )


def create_request(
    session: Session,
    *,
    agency_code: str,
    subject: str,
    body: str,
    due_at: datetime,
    actor: Actor,
    alert_id: int | None = None,
) -> ExplanationRequest:
    """Send a request for explanation to an agency (from an alert or on its own); notify its officer and head.

    Raises:
        PermissionDenied: not the secretariat or a leader.
        InvalidInput: no subject, or a due date in the past.
    """
    _creator_check(actor)
    moment = clock.now()
    due = clock.as_utc(clock.from_local(due_at))
    if not subject.strip() or due <= moment:
        raise InvalidInput(
            "Cần tiêu đề và hạn trả lời sau thời điểm hiện tại",
            "A subject and a due date in the future are needed",
        )
    if alert_id is not None:
        alert = get_alert(session, alert_id=alert_id)
        agency_code, alert.status = alert.agency_code, "requested"
    agency = _agency(session, agency_code)
    row = ExplanationRequest(
        alert_id=alert_id,
        agency_id=agency.id,
        subject=subject.strip(),
        body=body.strip(),
        due_at=due,
        status="open",
        escalation_level=0,
        created_at=moment,
        created_by=actor.id,
    )
    new = {"agency": agency_code, "subject": row.subject, "due_at": due}
    add_recorded(session, row, action="request.create", object_type="request", actor=actor, new=new)
    due_text = clock.to_local(due).strftime("%d/%m/%Y %H:%M")
    notify(
        session,
        event_type="request_received",
        key=f"request:{row.id}:received",
        recipients=contacts_at(session, agency_id=agency.id, levels=[1, 2]),
        message=Message(
            f"Yêu cầu giải trình: {row.subject}",
            f"Request for explanation: {row.subject}",
            f"{agency.name_vi} cần giải trình trước {due_text}.\n{row.body}",
            f"{agency.name_vi} is asked to explain before {due_text}.\n{row.body}",
            f"/requests/{row.id}",
        ),
        now=moment,
    )
    return row


def get_request(session: Session, *, request_id: int, actor: Actor) -> ExplanationRequest:
    """Return a request the actor may read (reporters: their own agency's).

    Raises:
        NotFound: no such request.
        PermissionDenied: another agency's request.
    """
    row = session.get(ExplanationRequest, request_id)
    if row is None:
        raise NotFound(f"Không có yêu cầu giải trình số {request_id}", f"No request number {request_id}")
    if not is_system(actor) and actor.role == "reporter" and actor.agency_id != row.agency_id:
        raise PermissionDenied("Yêu cầu này gửi cho đơn vị khác", "This request is for another agency")
    if not is_system(actor) and actor.role == "public":
        raise PermissionDenied("Không được xem yêu cầu giải trình", "You may not see requests")
    return row


def answer_request(
    session: Session, *, request_id: int, answer: str, actor: Actor, files: Sequence[tuple[str, bytes]] = ()
) -> ExplanationRequest:
    """Answer a request with text and files (the agency's reporter, or the secretariat); notify the sender.

    Raises:
        InvalidInput: an empty answer or a refused file (named).
        Conflict: the request is closed.
    """
    row = get_request(session, request_id=request_id, actor=actor)
    if not is_system(actor) and actor.role not in ("reporter", "secretariat"):
        raise PermissionDenied("Chỉ đơn vị được hỏi trả lời", "Only the agency asked may answer")
    if row.status == "closed":
        raise Conflict("Yêu cầu đã đóng", "The request is closed")
    if not answer.strip():
        raise InvalidInput("Cần nội dung giải trình", "The answer needs a text")
    checked = check_files(files)
    moment = clock.now()
    attach_files(session, owner_type="request", owner_id=row.id, checked=checked, at=moment, actor=actor)
    old = row.answer
    row.answer, row.answered_at, row.answered_by, row.status = answer.strip(), moment, actor.id, "answered"
    session.flush()
    record_change(
        session,
        action="request.answer",
        object_type="request",
        object_id=row.id,
        actor=actor,
        old=old,
        new=row.answer,
    )
    senders = session.scalars(
        select(User).where((User.id == row.created_by) | User.role.in_(["secretariat"]), User.is_active)
    )
    agency = session.get(Agency, row.agency_id)
    name = agency.name_vi if agency else ""
    notify(
        session,
        event_type="request_answered",
        key=f"request:{row.id}:answered:{moment.isoformat()}",
        recipients=recipients_of(session, senders),
        message=Message(
            f"{name} đã giải trình: {row.subject}",
            f"{name} answered: {row.subject}",
            row.answer,
            row.answer,
            f"/requests/{row.id}",
        ),
        now=moment,
    )
    return row


def close_request(session: Session, *, request_id: int, actor: Actor, reason: str = "") -> ExplanationRequest:
    """Close a request (accepted, or no longer needed); audited."""
    _creator_check(actor)
    row = get_request(session, request_id=request_id, actor=actor)
    return close_recorded(session, row, object_type="request", actor=actor, reason=reason or None)


def escalate_overdue(
    session: Session, *, actor: Actor, delays_days: Sequence[int], now: datetime | None = None
) -> int:
    """Escalate open requests past their due date: level k comes delays_days[k-1] days after the due date.

    Each level notifies the agency's contacts of that level once (officer, head of department, head of
    agency) and the sender; the step is audited. Returns how many escalations happened.
    """
    moment = now or clock.now()
    count = 0
    rows = session.scalars(
        select(ExplanationRequest).where(
            ExplanationRequest.status == "open", ExplanationRequest.due_at < moment
        )
    )
    for row in rows:
        level = sum(1 for d in delays_days[:3] if moment >= row.due_at + timedelta(days=d))
        while row.escalation_level < level:
            row.escalation_level += 1
            row.escalated_at = moment
            _escalate(session, row, actor, moment)
            count += 1
    session.flush()
    return count


def _escalate(session: Session, row: ExplanationRequest, actor: Actor, moment: datetime) -> None:
    level = row.escalation_level
    vi, en = LEVELS[level]
    record_change(
        session,
        action="request.escalate",
        object_type="request",
        object_id=row.id,
        actor=actor,
        old=level - 1,
        new=level,
        reason=f"quá hạn / overdue -> {en}",
    )
    agency = session.get(Agency, row.agency_id)
    name = agency.name_vi if agency else ""
    due_text = clock.to_local(row.due_at).strftime("%d/%m/%Y %H:%M")
    people = contacts_at(session, agency_id=row.agency_id, levels=[level])
    creator = session.scalars(select(User).where(User.id == row.created_by))
    notify(
        session,
        event_type="request_overdue",
        key=f"request:{row.id}:overdue:{level}",
        recipients=[*people, *recipients_of(session, creator)],
        message=Message(
            f"Quá hạn giải trình (chuyển {vi}): {row.subject}",
            f"Explanation overdue (escalated to the {en}): {row.subject}",
            f"{name} chưa giải trình; hạn là {due_text}.",
            f"{name} has not answered; it was due {due_text}.",
            f"/requests/{row.id}",
        ),
        now=moment,
    )


def list_requests(session: Session, *, actor: Actor, status: str | None = "open") -> list[ExplanationRequest]:
    """List requests by due date (soonest first); reporters see their own agency's, assessors none."""
    stmt = select(ExplanationRequest)
    if not is_system(actor) and actor.role == "reporter":
        stmt = stmt.where(ExplanationRequest.agency_id == actor.agency_id)
    elif not is_system(actor) and actor.role not in ("secretariat", "leader"):
        return []  # assessors: no request is addressed to them or sent by them
    if status:
        stmt = stmt.where(ExplanationRequest.status == status)
    return list(session.scalars(stmt.order_by(ExplanationRequest.due_at, ExplanationRequest.id)))


def files_of(session: Session, *, owner_type: str, owner_ids: Sequence[int]) -> list[FollowupFile]:
    """Return the files attached to answers or plan updates."""
    stmt = select(FollowupFile).where(
        FollowupFile.owner_type == owner_type, FollowupFile.owner_id.in_(list(owner_ids))
    )
    return list(session.scalars(stmt.order_by(FollowupFile.id)))
