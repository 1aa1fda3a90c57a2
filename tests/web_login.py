"""Log a test client in as a stored user without the login form: one server-side session, its cookie.

Shared by the web tests that seed their own site (page twins, scorecard, reports, assessment, fuzzing).
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from chiso.accounts.service import start_session
from chiso.store import session_scope
from chiso.store.models.users import User
from chiso.web import security


def open_session(url: str, username: str) -> tuple[str, str]:
    """Open a session of `username` in the store at `url`; return (cookie token, CSRF token)."""
    with session_scope(url) as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, f"no user {username!r} in the test store"
        token, row = start_session(s, user=user)
        return token, row.csrf_token


def login_as(client: TestClient, url: str, username: str | None) -> str:
    """Put a session of `username` in the client's cookies (None: anonymous); return its CSRF token."""
    client.cookies.clear()
    if username is None:
        return ""
    token, csrf = open_session(url, username)
    client.cookies.set(security.SESSION_COOKIE, token)
    return csrf
