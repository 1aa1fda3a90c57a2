"""One-time links to set a new password: issued by the secretariat, or at a first login; 24 h, single use.

Accounts room; imports chiso.store, chiso.errors, chiso.clock and the accounts services only. The link
carries a random token; the table keeps its SHA-256, so a leaked table opens no account. Issuing a link
voids the user's earlier ones; using it sets the password (policy applies), clears the forced change and
ends the user's open sessions.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.accounts.passwords import password_problems
from chiso.accounts.service import hash_password, hash_token, verify_password
from chiso.errors import InvalidInput, NotFound, Problem
from chiso.store.models.users import PasswordReset, User, WebSession

RESET_TTL = timedelta(hours=24)


def issue_reset_token(session: Session, *, actor: Actor, user: User, now: datetime | None = None) -> str:
    """Create a reset link token for `user` (the caller checked the actor may); audited as user.reset."""
    now = now or clock.now()
    session.execute(
        delete(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    )
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            token_hash=hash_token(token), user_id=user.id, created_at=now, expires_at=now + RESET_TTL
        )
    )
    record_change(
        session, action="user.reset", object_type="user", object_id=user.username, actor=actor,
        new=clock.to_local(now + RESET_TTL), reason="liên kết đặt lại mật khẩu / password reset link", at=now,
    )  # fmt: skip
    return token


def reset_link_user(session: Session, *, token: str, now: datetime | None = None) -> User:
    """Return the user a live reset link belongs to.

    Raises:
        NotFound: the link is unknown, used, expired, or its user is deactivated (one message for all).
    """
    row = session.get(PasswordReset, hash_token(token or ""))
    now = now or clock.now()
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or row.used_at is not None or row.expires_at <= now or user is None or not user.is_active:
        raise NotFound(
            "Liên kết đặt lại mật khẩu không hợp lệ, đã dùng hoặc đã hết hạn; hãy xin văn phòng thường trực "
            "cấp liên kết mới",
            "This password link is unknown, used or expired; ask the secretariat for a new one",
        )
    return user


def use_reset_link(session: Session, *, token: str, password: str, now: datetime | None = None) -> User:
    """Set the new password through a live link (once), clear the forced change, end open sessions.

    Raises:
        NotFound: the link is not live.
        InvalidInput: the password breaks the policy, or is the same as before.
    """
    now = now or clock.now()
    user = reset_link_user(session, token=token, now=now)
    problems = password_problems(password, username=user.username)
    if not problems and verify_password(user.password_hash, password):
        problems = [Problem("Hãy chọn mật khẩu khác mật khẩu cũ", "Choose a password other than the old one",
                            field="password")]  # fmt: skip
    if problems:
        raise InvalidInput("Mật khẩu mới không hợp lệ", "The new password is not valid", problems)
    row = session.get(PasswordReset, hash_token(token))
    assert row is not None  # reset_link_user found it
    row.used_at = now
    user.password_hash = hash_password(password)
    user.must_change_password = False
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    record_change(
        session, action="user.password", object_type="user", object_id=user.username, actor=user,
        reason="đặt mật khẩu qua liên kết / set through the link", at=now,
    )  # fmt: skip
    return user


def first_login_link(session: Session, *, user: User, now: datetime | None = None) -> str:
    """Return a link token for a user who just proved their password but must choose their own."""
    return issue_reset_token(session, actor=user, user=user, now=now)
