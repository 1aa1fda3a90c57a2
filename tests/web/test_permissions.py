"""Every registered route x every role: allowed roles get through, others get 403 (or the login redirect).

The matrix is built from app.routes, so a route added by any room is covered automatically: it must
declare `require("action")`, and it behaves as its action's roles say. The explicit tables below pin the
actions of the routes and the roles of the actions this room defines, so a change to either is a
deliberate one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest import Seed, form_token, open_session_for
from fastapi.testclient import TestClient

from chiso.web import security
from chiso.web.app import create_app, list_routes
from chiso.web.permissions import ACTIONS, is_allowed

ANONYMOUS = "anonymous"
VIEWERS = (ANONYMOUS, "public", "secretariat", "assessor", "reporter", "leader")

# (method, path template) -> the action it must require.
EXPECTED_ROUTE_ACTIONS = {
    ("GET", "/"): "view-home",
    ("GET", "/api"): "view-home",
    ("GET", "/api/actions"): "view-home",
    ("GET", "/api/docs"): "view-api-docs",
    ("GET", "/static/{name:path}"): "view-static",
    ("GET", "/login"): "log-in",
    ("POST", "/login"): "log-in",
    ("POST", "/logout"): "log-out",
    ("GET", "/account"): "view-account",
    ("GET", "/api/me"): "view-account",
    ("GET", "/units"): "view-units",
    ("GET", "/api/units"): "view-units",
    ("GET", "/units.{fmt}"): "view-units",
    ("GET", "/units/{code}"): "view-units",
    ("GET", "/api/units/{code}"): "view-units",
    ("GET", "/agencies"): "view-agencies",
    ("GET", "/api/agencies"): "view-agencies",
    ("GET", "/agencies.{fmt}"): "view-agencies",
    ("GET", "/agencies/import"): "edit-agencies",
    ("POST", "/agencies/import"): "edit-agencies",
    ("POST", "/api/agencies/import"): "edit-agencies",
    ("GET", "/agencies/{code}"): "view-agencies",
    ("GET", "/api/agencies/{code}"): "view-agencies",
    ("GET", "/users"): "manage-users",
    ("GET", "/api/users"): "manage-users",
    ("POST", "/users"): "manage-users",
    ("GET", "/users/{username}"): "manage-users",
    ("GET", "/api/users/{username}"): "manage-users",
    ("POST", "/users/{username}"): "manage-users",
    ("POST", "/users/{username}/deactivate"): "manage-users",
    ("POST", "/users/{username}/reactivate"): "manage-users",
    ("POST", "/users/{username}/reset"): "manage-users",
    ("POST", "/reset/{token}"): "log-in",
    ("GET", "/frameworks"): "view-frameworks",
    ("GET", "/api/frameworks"): "view-frameworks",
    ("GET", "/frameworks/template.xlsx"): "view-frameworks",
    ("GET", "/frameworks/import"): "edit-frameworks",
    ("POST", "/frameworks/import"): "edit-frameworks",
    ("GET", "/frameworks/{ref}"): "view-published-framework",
    ("GET", "/api/frameworks/{ref}"): "view-published-framework",
    ("GET", "/frameworks/{ref}/export.xlsx"): "view-published-framework",
    ("POST", "/frameworks/{ref}/check"): "edit-frameworks",
    ("POST", "/frameworks/{ref}/edit"): "edit-frameworks",
    ("GET", "/frameworks/{framework_id}/compare"): "view-frameworks",
    ("GET", "/api/frameworks/{framework_id}/compare"): "view-frameworks",
    ("GET", "/frameworks/{framework_id}/compare.{fmt}"): "view-frameworks",
    ("GET", "/indicators"): "view-indicators",
    ("GET", "/api/indicators"): "view-indicators",
    ("GET", "/indicators.{fmt}"): "view-indicators",
    ("GET", "/indicators/catalogue.xlsx"): "view-indicators",
    ("GET", "/indicators/template.xlsx"): "view-indicators",
    ("GET", "/indicators/new"): "edit-indicators",
    ("GET", "/indicators/import"): "edit-indicators",
    ("POST", "/indicators"): "edit-indicators",
    ("POST", "/indicators/import"): "edit-indicators",
    ("POST", "/indicators/bulk"): "edit-indicators",
    ("POST", "/indicators/folders"): "edit-indicators",
    ("GET", "/indicators/{code:catalogue_code}"): "view-indicators",
    ("GET", "/api/indicators/{code}"): "view-indicators",
    ("GET", "/indicators/{code:catalogue_code}/edit"): "edit-indicators",
    ("POST", "/indicators/{code:catalogue_code}"): "edit-indicators",
}

# action -> roles allowed ("public" = anonymous visitors and users with the public role).
EVERYONE = {"public", "secretariat", "assessor", "reporter", "leader"}
STAFF = {"secretariat", "assessor", "reporter", "leader"}
EXPECTED_ACTION_ROLES = {
    "view-home": EVERYONE,
    "view-static": EVERYONE,
    "view-api-docs": EVERYONE,
    "log-in": EVERYONE,
    "log-out": EVERYONE,
    "view-account": STAFF,
    "view-units": EVERYONE,
    "view-agencies": EVERYONE,
    "edit-agencies": {"secretariat"},
    "view-audit": {"secretariat", "leader"},
    "manage-users": {"secretariat"},
    "view-frameworks": {"secretariat", "assessor", "leader"},
    "edit-frameworks": {"secretariat"},
    "view-map": EVERYONE,
    "upload-map": {"secretariat"},
    "view-published-framework": EVERYONE,
    "view-indicators": STAFF,
    "edit-indicators": {"secretariat"},
}

# Real values for path parameters, so allowed requests reach real data; unknown names get "x".
SAMPLE_PARAMS = {"code": "WT.SNV", "fmt": "csv", "name": "chiso.css"}
SAMPLE_BY_PATH = {
    "/units/{code}": {"code": "48"},
    "/api/units/{code}": {"code": "48"},
    # a real user for the pages; the POSTs get "x" (404), so the matrix deactivates nobody
    "/users/{username}": {"username": "wt_leader"},
    "/api/users/{username}": {"username": "wt_leader"},
    # a built-in framework, so the pages answer 200 (the editor's routes get 'x': a 404 saves nothing)
    "/frameworks/{ref}": {"ref": "danang-it"},
    "/api/frameworks/{ref}": {"ref": "danang-it"},
    "/frameworks/{ref}/export.xlsx": {"ref": "danang-it"},
    "/frameworks/{framework_id}/compare": {"framework_id": "danang-it"},
    "/api/frameworks/{framework_id}/compare": {"framework_id": "danang-it"},
    "/frameworks/{framework_id}/compare.{fmt}": {"framework_id": "danang-it"},
    # an indicator code in a path matches capitals only; none is in the seed, so allowed roles get a 404
    "/indicators/{code:catalogue_code}": {"code": "KHONG_CO"},
    "/indicators/{code:catalogue_code}/edit": {"code": "KHONG_CO"},
    "/indicators/{code:catalogue_code}/series.{fmt}": {"code": "KHONG_CO"},
}
# Narrow queries for the big lists, so the matrix stays fast (listing all 14,149 units takes ~0.5 s).
SAMPLE_QUERY = {"/units": "level=province", "/api/units": "level=province", "/units.{fmt}": "level=province"}
# Pages whose object check may answer 404 to an allowed role (a framework no published period uses).
OBJECT_CHECKED = {"/frameworks/{ref}", "/api/frameworks/{ref}", "/frameworks/{ref}/export.xlsx"} | {
    "/indicators/{code:catalogue_code}",
    "/api/indicators/{code}",
    "/indicators/{code:catalogue_code}/edit",
}
# Routes FastAPI builds itself (the OpenAPI schema is public by design).
FRAMEWORK_ROUTES = {"/openapi.json"}


def _routes() -> list[tuple[str, str, str | None]]:
    found = []
    for info in list_routes(create_app()):
        if info.path in FRAMEWORK_ROUTES:
            continue
        found.append((info.method, info.path, info.action))
    return found


ROUTES = _routes()


def _url(path: str) -> str:
    values = {**SAMPLE_PARAMS, **SAMPLE_BY_PATH.get(path, {})}

    def fill(match: re.Match[str]) -> str:
        return values.get(match.group(1), "x")

    url = re.sub(r"\{(\w+)(?::\w+)?\}", fill, path)
    return f"{url}?{SAMPLE_QUERY[path]}" if path in SAMPLE_QUERY else url


def test_every_route_requires_an_action() -> None:
    missing = [f"{m} {p}" for m, p, action in ROUTES if action is None]
    assert not missing, f"routes without require('action'): {missing}"


def test_our_routes_require_the_expected_action() -> None:
    actual = {(m, p): a for m, p, a in ROUTES}
    for key, action in EXPECTED_ROUTE_ACTIONS.items():
        assert actual.get(key) == action, f"{key}: expected {action}, found {actual.get(key)}"


def test_our_actions_have_the_expected_roles() -> None:
    for name, roles in EXPECTED_ACTION_ROLES.items():
        assert set(ACTIONS[name].roles) == roles, name


def _refused(response, viewer: str) -> bool:  # type: ignore[no-untyped-def]
    """A refusal is a 403, or for anonymous visitors the login redirect (pages) or a 401 JSON (API)."""
    if response.status_code == 403:
        return True
    if response.status_code == 303 and response.headers["location"].startswith("/login?next="):
        return True
    return response.status_code == 401 and response.headers["content-type"].startswith("application/json")


@pytest.fixture(scope="module")
def matrix_client(seed: Seed) -> Iterator[TestClient]:
    """One client for the whole matrix: a fresh client's first request costs ~0.4 s, 1,600 times over."""
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("method", "path", "action"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_x_role(
    matrix_client: TestClient,
    seed: Seed,
    monkeypatch: pytest.MonkeyPatch,
    viewer: str,
    method: str,
    path: str,
    action: str | None,
) -> None:
    assert action is not None
    client = matrix_client
    monkeypatch.setenv("CHISO_DATABASE_URL", seed.url)  # the autouse data-dir fixture unset it
    client.cookies.clear()  # each case starts as a new visitor: no session, no CSRF cookie
    role = "public" if viewer == ANONYMOUS else viewer
    if viewer == ANONYMOUS:  # anonymous forms: signed double-submit token
        csrf = form_token(client.get("/login").text) if method == "POST" else ""
    else:
        token, csrf = open_session_for(seed, viewer)
        client.cookies.set(security.SESSION_COOKIE, token)
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    response = client.request(method, _url(path), headers=headers, follow_redirects=False)
    allowed = is_allowed(role, action)
    assert _refused(response, viewer) is not allowed, (
        f"{viewer} {method} {path} -> {response.status_code} {response.headers.get('location', '')}"
    )
    if not allowed:
        if viewer == ANONYMOUS and not path.startswith("/api"):
            assert response.status_code == 303  # pages send anonymous visitors to the login form
        elif viewer != ANONYMOUS:
            assert response.status_code == 403
    elif method == "GET" and ("GET", path) in EXPECTED_ROUTE_ACTIONS and path not in OBJECT_CHECKED:
        assert response.status_code == 200, f"{viewer} GET {path} -> {response.status_code}"
