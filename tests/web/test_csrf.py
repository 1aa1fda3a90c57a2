"""CSRF: every form POST needs the session's token (logged in) or the signed double-submit token."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from chiso.web import security

CSRF_TEXT = "CSRF"


def _assert_csrf_refusal(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 403
    assert CSRF_TEXT in response.text
    assert "Hãy tải lại trang" in response.text or "Reload the page" in response.text


def test_logout_without_token_is_refused_and_keeps_the_session(
    client: TestClient, login: Callable[[str], str]
) -> None:
    login("leader")
    _assert_csrf_refusal(client.post("/logout", follow_redirects=False))
    assert client.get("/api/me").status_code == 200


def test_logout_with_a_wrong_token_is_refused(client: TestClient, login: Callable[[str], str]) -> None:
    csrf = login("leader")
    _assert_csrf_refusal(
        client.post("/logout", data={"csrf_token": csrf[:-2] + "xx"}, follow_redirects=False)
    )
    _assert_csrf_refusal(client.post("/logout", headers={"X-CSRF-Token": "nope"}, follow_redirects=False))
    assert client.get("/api/me").status_code == 200


def test_another_sessions_token_is_refused(client: TestClient, login: Callable[[str], str]) -> None:
    other = login("assessor")
    login("leader")
    _assert_csrf_refusal(client.post("/logout", data={"csrf_token": other}, follow_redirects=False))


def test_form_field_and_htmx_header_are_both_accepted(
    client: TestClient, login: Callable[[str], str]
) -> None:
    csrf = login("leader")
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    csrf = login("leader")
    response = client.post(
        "/logout", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}, follow_redirects=False
    )
    assert response.status_code == 303


def test_page_carries_the_token_for_htmx_in_body_headers(
    client: TestClient, login: Callable[[str], str]
) -> None:
    csrf = login("secretariat")
    page = client.get("/agencies").text
    assert f'hx-headers=\'{{"X-CSRF-Token": "{csrf}"}}\'' in page
    assert f'name="csrf_token" value="{csrf}"' in page  # the logout form


def test_anonymous_login_without_token_or_cookie_is_refused(client: TestClient) -> None:
    data = {"username": "wt_leader", "password": "mat-khau-thu-nghiem"}
    _assert_csrf_refusal(client.post("/login", data=data, follow_redirects=False))
    page = client.get("/login")  # sets the double-submit cookie
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    # a token not signed by us
    _assert_csrf_refusal(client.post("/login", data={**data, "csrf_token": "forged"}, follow_redirects=False))
    # the right token without its cookie (a cross-site form cannot set our cookie)
    cookie = client.cookies[security.CSRF_COOKIE]
    client.cookies.delete(security.CSRF_COOKIE)
    _assert_csrf_refusal(client.post("/login", data={**data, "csrf_token": token}, follow_redirects=False))
    # the right token with another cookie value
    client.cookies.set(security.CSRF_COOKIE, cookie[::-1])
    _assert_csrf_refusal(client.post("/login", data={**data, "csrf_token": token}, follow_redirects=False))
    client.cookies.set(security.CSRF_COOKIE, cookie)
    assert (
        client.post("/login", data={**data, "csrf_token": token}, follow_redirects=False).status_code == 303
    )


def test_csrf_cookie_is_httponly_and_lax(client: TestClient) -> None:
    response = client.get("/login")
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith(security.CSRF_COOKIE))
    assert "HttpOnly" in header and "samesite=lax" in header.lower()


def test_refusal_is_json_for_the_api(client: TestClient, login: Callable[[str], str]) -> None:
    login("secretariat")
    response = client.post("/api/agencies/import", files={"file": ("a.csv", b"code\n")})
    assert response.status_code == 403
    body = response.json()
    assert body["ok"] is False and body["status"] == 403 and CSRF_TEXT in body["error"]


def test_refused_import_writes_nothing(client: TestClient, login: Callable[[str], str]) -> None:
    login("secretariat")
    csv = "code,name_vi,kind,province_code\nWT.CSRF,Cơ quan lén,other,48\n".encode()
    response = client.post("/agencies/import", files={"file": ("wt-csrf.csv", csv)}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/api/agencies/WT.CSRF").status_code == 404


def test_the_anonymous_pair_is_refused_for_a_logged_in_user(
    client: TestClient, login: Callable[[str], str], anon_token: Callable[[], str]
) -> None:
    """Issue 16 item 10: once logged in, only the session's own token counts (no double-submit pair)."""
    pair = anon_token()  # the double-submit cookie is in the client, its signed twin in `pair`
    assert client.cookies.get(security.CSRF_COOKIE)
    csrf = login("leader")
    _assert_csrf_refusal(client.post("/logout", data={"csrf_token": pair}, follow_redirects=False))
    _assert_csrf_refusal(client.post("/logout", headers={"X-CSRF-Token": pair}, follow_redirects=False))
    assert client.get("/api/me").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
