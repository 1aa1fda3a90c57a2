"""The secretariat's user administration: list, create, edit, deactivate, reactivate, reset a password.

Accounts room; imports chiso.store, chiso.errors, chiso.clock and the accounts services only. Every
function takes a required `actor` and refuses anyone but the secretariat (or SYSTEM, for the CLI) before
reading anything: fail closed. Every change is written with `record_change` (user.create, user.update,
user.deactivate, user.reactivate, user.reset). A reset link is a random token shown once; the table
keeps only its SHA-256, it lives 24 hours and works once (chiso.accounts.resets).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.accounts.resets import issue_reset_token
from chiso.accounts.service import create_user, deactivate_user, get_user
from chiso.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Problem
from chiso.store.models.agencies import Agency
from chiso.store.models.users import ROLES, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserView:
    """One user as the secretariat sees them (never the password hash)."""

    username: str
    full_name: str
    email: str | None
    role: str
    agency_code: str | None
    agency_name: str | None
    is_active: bool
    must_change_password: bool
    created_at: datetime


def require_secretariat(actor: Actor) -> None:
    """Refuse anyone but an active secretariat user or the system.

    Raises:
        PermissionDenied: the actor may not administer users.
    """
    if is_system(actor):
        return
    if getattr(actor, "role", None) != "secretariat" or not getattr(actor, "is_active", False):
        raise PermissionDenied(
            "Chỉ văn phòng thường trực được quản lý người dùng",
            "Only the secretariat may manage users",
        )


def view_of(session: Session, user: User) -> UserView:
    """Return the user's view, with their agency's code and name."""
    agency = session.get(Agency, user.agency_id) if user.agency_id is not None else None
    return UserView(
        username=user.username,
        full_name=user.full_name,
        email=user.email,
        role=user.role,
        agency_code=agency.code if agency else None,
        agency_name=agency.name_vi if agency else None,
        is_active=user.is_active,
        must_change_password=user.must_change_password,
        created_at=user.created_at,
    )


def list_users(
    session: Session, *, actor: Actor, role: str | None = None, agency_code: str | None = None
) -> list[UserView]:
    """List users by username, optionally only one role and/or one agency's (by agency code)."""
    require_secretariat(actor)
    query = select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    if agency_code:
        query = query.join(Agency, Agency.id == User.agency_id).where(
            func.lower(Agency.code) == agency_code.strip().lower()
        )
    return [view_of(session, user) for user in session.scalars(query)]


def find_user(session: Session, *, actor: Actor, username: str) -> UserView:
    """Return one user's view.

    Raises:
        NotFound: no such user.
    """
    require_secretariat(actor)
    return view_of(session, get_user(session, username=username))


def _agency_id(session: Session, code: str | None, problems: list[Problem]) -> int | None:
    code = (code or "").strip()
    if not code:
        return None
    agency_id = session.scalar(select(Agency.id).where(func.lower(Agency.code) == code.lower()))
    if agency_id is None:
        problems.append(
            Problem(f"Không có cơ quan mã {code!r}", f"No agency with code {code!r}", field="agency_code")
        )
    return agency_id


def _email(email: str | None, problems: list[Problem]) -> str | None:
    email = (email or "").strip()
    if email and not _EMAIL.match(email):
        problems.append(
            Problem(
                f"Địa chỉ e-mail {email!r} không hợp lệ", f"The e-mail {email!r} is not valid", field="email"
            )
        )
    return email or None


def add_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    full_name: str,
    role: str,
    email: str | None = None,
    agency_code: str | None = None,
    password: str | None = None,
) -> tuple[User, str | None]:
    """Create a user who must choose their own password at first login.

    Without a password, a random one is set and a reset link token is returned for the user instead.

    Returns:
        The new user, and the reset link token (None when a password was given).

    Raises:
        PermissionDenied: the actor is not the secretariat.
        InvalidInput: fields are missing or wrong (all named, e-mail and agency included).
        Conflict: the username is taken.
    """
    require_secretariat(actor)
    problems: list[Problem] = []
    clean_email = _email(email, problems)
    agency_id = _agency_id(session, agency_code, problems)
    generated = password is None or password == ""
    try:
        user = create_user(
            session,
            username=username,
            full_name=full_name,
            password=secrets.token_urlsafe(24) if generated else str(password),
            role=role,
            agency_id=agency_id,
        )
    except InvalidInput as exc:
        # The form names the agency by code: its own problem says more than "no agency" does.
        named = {p.field for p in problems}
        theirs = [
            Problem(p.message_vi, p.message_en, field="agency_code") if p.field == "agency_id" else p
            for p in exc.problems
        ]
        raise InvalidInput(
            exc.message_vi, exc.message_en, [*problems, *(p for p in theirs if p.field not in named)]
        ) from None
    if problems:  # leave nothing behind: bulk imports go on to the next row in the same transaction
        session.delete(user)
        session.flush()
        raise InvalidInput("Thông tin người dùng không hợp lệ", "The user is not valid", problems)
    user.email = clean_email
    user.must_change_password = True
    new = {
        "role": user.role,
        "full_name": user.full_name,
        "email": clean_email,
        "agency": agency_code or None,
    }
    record_change(
        session, action="user.create", object_type="user", object_id=user.username, actor=actor, new=new
    )
    token = issue_reset_token(session, actor=actor, user=user) if generated else None
    return user, token


def _last_secretariat(session: Session, user: User) -> bool:
    if user.role != "secretariat" or not user.is_active:
        return False
    others = session.scalar(
        select(func.count(User.id)).where(User.role == "secretariat", User.is_active, User.id != user.id)
    )
    return not others


def _keep_one_secretariat(session: Session, user: User) -> None:
    if _last_secretariat(session, user):
        raise Conflict(
            "Đây là tài khoản văn phòng thường trực cuối cùng còn hoạt động; hãy tạo tài khoản khác trước",
            "This is the last active secretariat account; create another one first",
        )


def edit_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    full_name: str | None = None,
    email: str | None = None,
    role: str | None = None,
    agency_code: str | None = None,
) -> User:
    """Change a user's name, e-mail, role or agency; None leaves a field as it is, "" clears e-mail/agency.

    Each changed field is audited (user.update, field, old, new).

    Raises:
        PermissionDenied, NotFound, InvalidInput (every problem named by field), Conflict (the last
        secretariat would lose the role).
    """
    require_secretariat(actor)
    user = get_user(session, username=username)
    problems: list[Problem] = []
    changes: dict[str, tuple[object, object]] = {}
    if full_name is not None:
        if not full_name.strip():
            problems.append(Problem("Thiếu họ tên", "The full name is missing", field="full_name"))
        changes["full_name"] = (user.full_name, full_name.strip())
    if email is not None:
        changes["email"] = (user.email, _email(email, problems))
    if role is not None and role not in ROLES:
        expected = ", ".join(ROLES)
        problems.append(
            Problem(f"Vai trò {role!r} không hợp lệ; chọn một trong: {expected}",
                    f"Unknown role {role!r}; expected one of: {expected}", field="role")
        )  # fmt: skip
    new_role = role if role in ROLES else user.role
    changes["role"] = (user.role, new_role)
    agency_id = user.agency_id if agency_code is None else _agency_id(session, agency_code, problems)
    changes["agency_id"] = (user.agency_id, agency_id)
    if new_role == "reporter" and agency_id is None:
        problems.append(
            Problem("Người báo cáo phải gắn với một cơ quan, đơn vị",
                    "A reporter must be bound to one agency", field="agency_code")
        )  # fmt: skip
    if problems:
        raise InvalidInput("Thông tin người dùng không hợp lệ", "The user is not valid", problems)
    if new_role != user.role:
        _keep_one_secretariat(session, user)
    for field, (old, new) in changes.items():
        if old != new:
            setattr(user, field, new)
            record_change(
                session, action="user.update", object_type="user", object_id=user.username, actor=actor,
                field=field, old=old, new=new,
            )  # fmt: skip
    session.flush()
    return user


def deactivate(session: Session, *, actor: Actor, username: str, now: datetime | None = None) -> int:
    """Disable a user and end their open sessions at once; returns how many sessions ended.

    Raises:
        PermissionDenied, NotFound, Conflict (the last active secretariat, or oneself).
    """
    require_secretariat(actor)
    user = get_user(session, username=username)
    if user.id is not None and user.id == actor.id:
        raise Conflict("Không thể tự khóa tài khoản của mình", "You cannot deactivate your own account")
    _keep_one_secretariat(session, user)
    return deactivate_user(session, user=user, actor=actor, now=now)


def reactivate(session: Session, *, actor: Actor, username: str) -> User:
    """Let a deactivated user log in again (audited as user.reactivate)."""
    require_secretariat(actor)
    user = get_user(session, username=username)
    if not user.is_active:
        user.is_active = True
        record_change(
            session, action="user.reactivate", object_type="user", object_id=user.username, actor=actor,
            field="is_active", old=False, new=True,
        )  # fmt: skip
    return user


def reset_password(session: Session, *, actor: Actor, username: str, now: datetime | None = None) -> str:
    """Issue a one-time link token (24 h) for the user to set a new password; earlier links stop working.

    Raises:
        PermissionDenied, NotFound (no such user, or the user is deactivated).
    """
    require_secretariat(actor)
    user = get_user(session, username=username)
    if not user.is_active:
        raise NotFound(
            f"Tài khoản {user.username!r} đang bị khóa; mở lại trước khi cấp liên kết",
            f"The account {user.username!r} is deactivated; reactivate it first",
        )
    return issue_reset_token(session, actor=actor, user=user, now=now)
