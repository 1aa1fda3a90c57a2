"""Login, logout, session cookies and expiry through the real forms."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from chiso.clock import now as utcnow
from chiso.store import session_scope
from chiso.store.models.users import User, WebSession
from chiso.web import security


def _session_rows(seed: Any, username: str) -> list[WebSession]:
    with session_scope(seed.url) as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        return list(s.scalars(select(WebSession).where(WebSession.user_id == user_id)))


def test_login_ok_sets_a_safe_cookie_and_stores_only_its_hash(
    client: TestClient, seed: Any, login_form: Callable[..., httpx.Response]
) -> None:
    before = {r.token_hash for r in _session_rows(seed, "wt_leader")}
    response = login_form("wt_leader", next_url="/agencies")
    assert response.status_code == 303
    assert response.headers["location"] == "/agencies"
    set_cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(security.SESSION_COOKIE)
    )
    assert "HttpOnly" in set_cookie and "samesite=lax" in set_cookie.lower()
    token = client.cookies[security.SESSION_COOKIE]
    new_rows = [r for r in _session_rows(seed, "wt_leader") if r.token_hash not in before]
    assert [r.token_hash for r in new_rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in {r.token_hash for r in new_rows}
    me = client.get("/api/me").json()
    assert me["username"] == "wt_leader" and me["role"] == "leader" and me["authenticated"] is True


def test_login_is_case_insensitive_on_the_username(login_form: Callable[..., httpx.Response]) -> None:
    assert login_form("WT_Assessor").status_code == 303


def test_bad_password_and_unknown_user_give_the_same_refusal(
    client: TestClient, login_form: Callable[..., httpx.Response]
) -> None:
    for username, password in (("wt_leader", "wrong-password"), ("nobody-here", "whatever-pass")):
        response = login_form(username, password=password)
        assert response.status_code == 401
        assert "Sai tên đăng nhập hoặc mật khẩu" in response.text
        assert security.SESSION_COOKIE not in client.cookies
    assert client.get("/api/me").status_code == 401


def test_disabled_user_cannot_log_in_and_loses_open_sessions(
    client: TestClient, seed: Any, login_form: Callable[..., httpx.Response]
) -> None:
    assert login_form("wt_assessor").status_code == 303
    with session_scope(seed.url) as s:
        s.execute(update(User).where(User.username == "wt_assessor").values(is_active=False))
    try:
        assert client.get("/api/me").status_code == 401
        assert login_form("wt_assessor").status_code == 401
    finally:
        with session_scope(seed.url) as s:
            s.execute(update(User).where(User.username == "wt_assessor").values(is_active=True))


def test_next_cannot_send_the_user_to_another_site(login_form: Callable[..., httpx.Response]) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "\\\\evil", "javascript:alert(1)"):
        response = login_form("wt_leader", next_url=target)
        assert response.headers["location"] == "/", target


def test_login_replaces_an_existing_session(
    client: TestClient, seed: Any, login: Callable[[str], str], login_form: Callable[..., httpx.Response]
) -> None:
    login("reporter")
    old = client.cookies[security.SESSION_COOKIE]
    assert login_form("wt_leader").status_code == 303
    old_hash = hashlib.sha256(old.encode()).hexdigest()
    assert old_hash not in {r.token_hash for r in _session_rows(seed, "wt_reporter")}


def test_logout_deletes_the_session(client: TestClient, seed: Any, login: Callable[[str], str]) -> None:
    csrf = login("secretariat")
    token = client.cookies[security.SESSION_COOKIE]
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    assert token_hash not in {r.token_hash for r in _session_rows(seed, "wt_secretariat")}
    client.cookies.set(security.SESSION_COOKIE, token)  # replaying the old cookie gets nothing
    assert client.get("/api/me").status_code == 401


def test_expired_session_is_refused_and_deleted(
    client: TestClient, seed: Any, login: Callable[[str], str]
) -> None:
    login("leader")
    token = client.cookies[security.SESSION_COOKIE]
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    assert client.get("/account").status_code == 200
    with session_scope(seed.url) as s:
        s.execute(
            update(WebSession)
            .where(WebSession.token_hash == token_hash)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount"
    assert token_hash not in {r.token_hash for r in _session_rows(seed, "wt_leader")}


def test_reporter_sees_their_agency(client: TestClient, login: Callable[[str], str]) -> None:
    login("reporter")
    me = client.get("/api/me").json()
    assert me["agency_code"] == "WT.SNV"
    assert "Sở Nội vụ thử nghiệm" in client.get("/account").text


def test_navigation_follows_the_role(client: TestClient, login: Callable[[str], str]) -> None:
    assert 'href="/agencies/import"' not in client.get("/").text
    login("reporter")
    assert 'href="/agencies/import"' not in client.get("/").text
    login("secretariat")
    page = client.get("/").text
    assert 'href="/agencies/import"' in page and 'href="/agencies"' in page
