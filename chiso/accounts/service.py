"""Users, argon2id passwords and server-side sessions; a domain service over chiso.store.

Imports chiso.store and chiso.errors only, never chiso.web. Functions take the SQLAlchemy session
explicitly and flush, never commit: the CLI command or the web request owns the transaction.
A session cookie holds a random token; the database keeps only its SHA-256, so a leaked table
does not let anyone log in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.accounts.lockout import claim_attempt, forget_failures
from chiso.accounts.passwords import password_problems
from chiso.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Problem
from chiso.store.models.agencies import Agency
from chiso.store.models.audit import AuditEntry
from chiso.store.models.users import ROLES, User, WebSession

SESSION_TTL = timedelta(hours=12)

# argon2id with OWASP's recommended minimum (m=19 MiB, t=2, p=1): ~0.1 s a hash on a shared 2-core
# server, where the library default (64 MiB, t=3, p=4) took ~0.9 s under load. Hashes made with other
# parameters still verify and are rehashed at the next login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(pw: str) -> str:
    """Hash a password with argon2id.

    Args:
        pw: the password in clear.

    Returns:
        The encoded argon2 hash (salt and parameters included).
    """
    return _hasher.hash(pw)


def verify_password(hash: str, pw: str) -> bool:  # noqa: A002 - pinned name
    """Check a password against an argon2 hash; never raises for a bad or foreign hash.

    Args:
        hash: the stored argon2 hash.
        pw: the password in clear.

    Returns:
        True when the password matches.
    """
    try:
        return _hasher.verify(hash, pw)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest of a session token (what the table stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    password: str,
    role: str,
    agency_id: int | None = None,
    province_code: str | None = None,
) -> User:
    """Create a user with an argon2-hashed password.

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        username: unique login name (case-insensitive, stored lower-case).
        full_name: name shown in the interface.
        password: the password in clear (chiso.accounts.passwords: long enough, not a common one).
        role: one of secretariat, assessor, reporter, leader, public.
        agency_id: the agency a reporter reports for (required for reporters).
        province_code: the province the user works for.

    Returns:
        The new User.

    Raises:
        InvalidInput: a field is missing or wrong (each named in the problems).
        Conflict: the username is taken.
    """
    username = (username or "").strip().lower()
    problems: list[Problem] = []
    if not username:
        problems.append(Problem("Thiếu tên đăng nhập", "The username is missing", field="username"))
    if not (full_name or "").strip():
        problems.append(Problem("Thiếu họ tên", "The full name is missing", field="full_name"))
    problems.extend(password_problems(password, username=username))
    if role not in ROLES:
        problems.append(
            Problem(
                f"Vai trò {role!r} không hợp lệ; chọn một trong: {', '.join(ROLES)}",
                f"Unknown role {role!r}; expected one of: {', '.join(ROLES)}",
                field="role",
            )
        )
    if role == "reporter" and agency_id is None:
        problems.append(
            Problem(
                "Người báo cáo phải gắn với một cơ quan, đơn vị",
                "A reporter must be bound to one agency (agency_id)",
                field="agency_id",
            )
        )
    if agency_id is not None and session.get(Agency, agency_id) is None:
        problems.append(
            Problem(f"Không có cơ quan id={agency_id}", f"No agency with id={agency_id}", field="agency_id")
        )
    if problems:
        raise InvalidInput("Thông tin người dùng không hợp lệ", "The user is not valid", problems)
    if session.scalar(select(User.id).where(func.lower(User.username) == username)) is not None:
        raise Conflict(
            f"Tên đăng nhập {username!r} đã có người dùng",
            f"The username {username!r} is already taken; choose another",
        )
    user = User(
        username=username,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role=role,
        agency_id=agency_id,
        province_code=province_code,
        locale="vi",
        is_active=True,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, *, username: str) -> User:
    """Return the user with this username.

    Raises:
        NotFound: no such user.
    """
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        raise NotFound(f"Không có người dùng {username!r}", f"No user named {username!r}")
    return user


def _record_login(session: Session, *, username: str, user: User | None, ok: bool, now: datetime) -> None:
    session.add(
        AuditEntry(
            at=now,
            user_id=user.id if user is not None else None,
            action="user.login" if ok else "user.login_failed",
            object_type="user",
            object_id=username[:80],
        )
    )
    session.flush()


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    address: str | None = None,
    counted: bool = False,
    now: datetime | None = None,
) -> User:
    """Return the active user whose password matches; rehash the password if parameters changed.

    The attempt is first counted under the username and the client address
    (chiso.accounts.lockout); an attempt that comes too soon is refused before its password is
    checked. Every evaluated attempt is written to the audit log ("user.login" / "user.login_failed").
    The caller must commit even when this raises, so the failure is recorded (the login route does).

    Args:
        session: the SQLAlchemy session.
        username: login name (case-insensitive).
        password: the password in clear.
        address: the client's address (the web passes it; None from the CLI).
        counted: True when the caller already counted this attempt with `claim_attempt` and committed
            it (the login route does, so no lock is held while the password is checked).
        now: the current time (tests pass one).

    Returns:
        The authenticated User.

    Raises:
        TooManyAttempts: the username or the address must wait; the password was not checked.
        PermissionDenied: unknown username, wrong password or disabled account (one message for
            all three, so the form does not reveal which usernames exist).
    """
    now = now or clock.now()
    name = (username or "").strip().lower()
    if not counted:
        claim_attempt(session, username=name, address=address, now=now)
    user = session.scalar(select(User).where(func.lower(User.username) == name))
    if user is None:
        verify_password(_DUMMY_HASH, password or "")
        ok = False
    else:
        ok = verify_password(user.password_hash, password or "") and user.is_active
    _record_login(session, username=name, user=user, ok=ok, now=now)
    if user is None or not ok:
        raise PermissionDenied(
            "Sai tên đăng nhập hoặc mật khẩu",
            "Wrong username or password",
        )
    forget_failures(session, username=name, address=address, now=now)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return user


def deactivate_user(session: Session, *, user: User, actor: Actor, now: datetime | None = None) -> int:
    """Disable a user's login and end every session they have open; returns how many were ended.

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        user: who is disabled.
        actor: who disables them (audited as user.deactivate).
        now: the current time (tests pass one).
    """
    user.is_active = False
    result = session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    record_change(
        session, action="user.deactivate", object_type="user", object_id=user.username[:80], actor=actor,
        field="is_active", old=True, new=False, at=now,
    )  # fmt: skip
    return int(getattr(result, "rowcount", 0) or 0)


def start_session(
    session: Session, *, user: User, ttl: timedelta = SESSION_TTL, now: datetime | None = None
) -> tuple[str, WebSession]:
    """Open a server-side session for a user.

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        user: who logs in.
        ttl: how long the session lives.
        now: the current time (tests pass one).

    Returns:
        The random token to put in the cookie, and the stored WebSession (holding only its hash
        and the session's CSRF token).
    """
    now = now or clock.now()
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=hash_token(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_session(
    session: Session, *, token: str | None, now: datetime | None = None
) -> tuple[WebSession, User] | None:
    """Return the live session and its user for a cookie token, or None.

    An expired session is deleted; a session of a disabled user is ignored.
    """
    if not token:
        return None
    row = session.get(WebSession, hash_token(token))
    if row is None:
        return None
    now = now or clock.now()
    if row.expires_at <= now:
        session.delete(row)
        session.flush()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return row, user


def end_session(session: Session, *, token: str | None) -> bool:
    """Delete the session of this cookie token (log out). Returns True if one was deleted."""
    if not token:
        return False
    result = session.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))
    session.flush()
    return bool(getattr(result, "rowcount", 0))


def purge_expired_sessions(session: Session, *, now: datetime | None = None) -> int:
    """Delete every expired session; returns how many were deleted."""
    now = now or clock.now()
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
