"""The /users pages: create in place, edit, deactivate (open sessions refused at once), reset link once."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from conftest import PASSWORD, Seed, form_token
from fastapi.testclient import TestClient
from sqlalchemy import select

from chiso.store import session_scope
from chiso.store.models.audit import AuditEntry
from chiso.store.models.users import User
from chiso.web import security

HX = {"HX-Request": "true"}


def _actions(seed: Seed, username: str) -> list[str]:
    with session_scope(seed.url) as s:
        query = select(AuditEntry.action).where(
            AuditEntry.object_type == "user", AuditEntry.object_id == username
        )
        return list(s.scalars(query.order_by(AuditEntry.id)))


def _create(client: TestClient, csrf: str, **fields: str) -> httpx.Response:
    data = {"username": "", "full_name": "", "email": "", "role": "leader", "agency_code": "", "password": ""}
    return client.post("/users", data={**data, **fields, "csrf_token": csrf}, headers=HX)


def test_list_shows_vietnamese_roles_and_filters(client: TestClient, login: Callable[[str], str]) -> None:
    login("secretariat")
    page = client.get("/users?role=reporter")
    assert page.status_code == 200
    assert "wt_reporter" in page.text and "wt_leader" not in page.text
    assert "Người báo cáo của cơ quan" in page.text and "Sở Nội vụ thử nghiệm" in page.text
    data = client.get("/api/users?agency=WT.SNV").json()
    assert [u["username"] for u in data["users"]] == ["wt_reporter"]
    assert "password_hash" not in str(data)


def test_others_are_refused(client: TestClient, login: Callable[[str], str]) -> None:
    for role in ("assessor", "reporter", "leader", "public"):
        csrf = login(role)
        assert client.get("/users").status_code == 403
        assert (
            _create(client, csrf, username="wt_sneak", full_name="X", password="mat-khau-dai-1").status_code
            == 403
        )


def test_create_answers_in_place_with_inputs_kept(
    client: TestClient, login: Callable[[str], str], seed: Seed
) -> None:
    csrf = login("secretariat")
    bad = _create(client, csrf, username="wt_new", full_name="Lê Văn Mới", email="not-an-email",
                  role="reporter", agency_code="WT.NONE", password="123")  # fmt: skip
    assert bad.status_code == 200 and 'id="user-form"' in bad.text
    assert 'value="Lê Văn Mới"' in bad.text and 'value="WT.NONE"' in bad.text
    assert "không hợp lệ" in bad.text and "agency_code" in bad.text
    assert 'value="123"' not in bad.text  # the password is never echoed
    client.cookies.set(security.LANG_COOKIE, "en")
    english = _create(client, csrf, username="wt_new", full_name="", role="leader", password="mat-khau-dai-1")
    assert "The full name is missing" in english.text and "Create a user" in english.text
    client.cookies.delete(security.LANG_COOKIE)
    good = _create(client, csrf, username="wt_new", full_name="Lê Văn Mới", email="moi@snv.gov.vn",
                   role="reporter", agency_code="WT.SNV")  # fmt: skip
    assert good.status_code == 200 and "Đã tạo" in good.text
    link = re.search(r'<code class="reset-link">([^<]+)</code>', good.text)
    assert link and "/reset/" in link.group(1)
    assert _actions(seed, "wt_new") == ["user.create", "user.reset"]
    with session_scope(seed.url) as s:
        user = s.scalar(select(User).where(User.username == "wt_new"))
        assert user is not None and user.agency_id is not None and user.must_change_password


def test_deactivated_users_open_session_is_refused_next_request(
    client: TestClient, login: Callable[[str], str], seed: Seed
) -> None:
    csrf = login("secretariat")
    _create(
        client, csrf, username="wt_leaving", full_name="Người Đi", role="assessor", password="mat-khau-dai-1"
    )
    with session_scope(seed.url) as s:
        from chiso.accounts.service import start_session

        user = s.scalar(select(User).where(User.username == "wt_leaving"))
        assert user is not None
        their_token, _row = start_session(s, user=user)
    with TestClient(client.app, raise_server_exceptions=False) as theirs:
        theirs.cookies.set(security.SESSION_COOKIE, their_token)
        assert theirs.get("/account").status_code == 200
        done = client.post("/users/wt_leaving/deactivate", data={"csrf_token": csrf}, follow_redirects=False)
        assert done.status_code == 303
        refused = theirs.get("/account", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    assert "Đã khóa" in client.get("/users/wt_leaving").text
    assert _actions(seed, "wt_leaving")[-1] == "user.deactivate"
    client.post("/users/wt_leaving/reactivate", data={"csrf_token": csrf})
    assert _actions(seed, "wt_leaving")[-1] == "user.reactivate"


def test_edit_keeps_inputs_on_error_and_audits(
    client: TestClient, login: Callable[[str], str], seed: Seed
) -> None:
    csrf = login("secretariat")
    _create(client, csrf, username="wt_edit", full_name="Cũ", role="leader", password="mat-khau-dai-1")
    bad = client.post("/users/wt_edit", headers=HX, data={"csrf_token": csrf, "full_name": "Tên Mới",
                      "email": "", "role": "reporter", "agency_code": ""})  # fmt: skip
    assert bad.status_code == 200 and 'value="Tên Mới"' in bad.text and "agency_code" in bad.text
    ok = client.post("/users/wt_edit", headers=HX, data={"csrf_token": csrf, "full_name": "Tên Mới",
                     "email": "", "role": "reporter", "agency_code": "WT.SNV"})  # fmt: skip
    assert ok.status_code == 204 and ok.headers["HX-Redirect"] == "/users/wt_edit"
    assert _actions(seed, "wt_edit").count("user.update") == 3  # name, role, agency


def test_reset_link_works_once_then_login_with_new_password(
    client: TestClient, login: Callable[[str], str], login_form: Callable[..., httpx.Response], seed: Seed
) -> None:
    csrf = login("secretariat")
    _create(
        client, csrf, username="wt_forgot", full_name="Hay Quên", role="leader", password="mat-khau-dai-1"
    )
    issued = client.post("/users/wt_forgot/reset", data={"csrf_token": csrf}, headers=HX)
    match = re.search(r'<code class="reset-link">[^<]*(/reset/[^<]+)</code>', issued.text)
    assert match
    path = match.group(1)
    client.cookies.clear()
    form = client.get(path)
    assert form.status_code == 200 and "wt_forgot" in form.text
    assert form.headers["Referrer-Policy"] == "no-referrer"
    token = form_token(form.text)
    weak = client.post(path, data={"csrf_token": token, "password": "password123", "again": "password123"})
    assert weak.status_code == 422 and "dễ đoán" in weak.text
    new = "mot-mat-khau-rat-moi"
    done = client.post(
        path, data={"csrf_token": token, "password": new, "again": new}, follow_redirects=False
    )
    assert done.status_code == 303
    assert client.get(path).status_code == 404  # single use
    assert login_form("wt_forgot", new).headers["location"] == "/"
    assert {"user.reset", "user.password"} <= set(_actions(seed, "wt_forgot"))


def test_first_login_with_a_chosen_password_goes_to_the_reset_page(
    client: TestClient, login: Callable[[str], str], login_form: Callable[..., httpx.Response]
) -> None:
    csrf = login("secretariat")
    _create(
        client, csrf, username="wt_first", full_name="Lần Đầu", role="leader", password="mat-khau-ban-dau"
    )
    client.cookies.clear()
    first = login_form("wt_first", "mat-khau-ban-dau")
    assert first.status_code == 303 and first.headers["location"].startswith("/reset/")
    assert security.SESSION_COOKIE not in first.cookies  # no session until the user picks a password
    assert login_form("wt_reporter", PASSWORD).headers["location"] == "/"  # others log in as before
