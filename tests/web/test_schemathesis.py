"""Schemathesis over the whole OpenAPI, anonymous and as each role: no generated request is ever a 500,
and every 4xx keeps the one error shape (issue 16's check; keep it, it guards the next features).

Bounded so that it fits in `make test`: anonymously, schemathesis' boundary cases (coverage phase)
and three random examples per operation, writes included (each refused before it acts); as each
role, one random example per reading operation (writes with a CSRF token would leave rows in the
store that the other modules share). Find it with `-m slow`.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from web_login import open_session

from chiso.web import security
from chiso.web.app import create_app

ROLES = ["secretariat", "assessor", "reporter", "leader", "public"]
SHAPE = {"ok", "error", "errors", "status"}

# The administrative units (10,000 rows; their export takes seconds a call) are swept by test_api_fuzz.py;
# everything else is swept here.
UNSWEPT = r"^/(api/)?units"
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app()).exclude(path_regex=UNSWEPT)
# As a role, random generation only: the coverage phase's hundreds of boundary cases per operation run
# anonymously above (where they cost a 401 each), not once more per role.
role_schema = schemathesis.openapi.from_asgi("/openapi.json", create_app()).exclude(path_regex=UNSWEPT)
role_schema.config.phases.coverage.enabled = False


def session_of(seed: Any, role: str) -> tuple[str, str]:
    """Open a server-side session of the role's seeded user; return (cookie token, CSRF token)."""
    return open_session(seed.url, seed.users[role])


def check(case: Any, role: str | None, seed: Any) -> None:
    """Send the case (as the role, with its CSRF token); no 500, and a 4xx in the one error shape."""
    headers: dict[str, str] = {}
    if role is not None:
        if case.method != "GET":
            pytest.skip("as a role, reads only: writes would leave rows in the store other modules share")
        token, csrf = session_of(seed, role)
        headers = {"Cookie": f"{security.SESSION_COOKIE}={token}", "X-CSRF-Token": csrf}
    response = case.call(headers=headers)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"
    if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
        assert set(response.json()) == SHAPE, response.text[:300]


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_anonymous_request_is_a_server_error(
    case: Any, seed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHISO_DATABASE_URL", seed.url)
    check(case, None, seed)


@pytest.mark.parametrize("role", ROLES)
@role_schema.parametrize()
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_request_of_a_role_is_a_server_error(
    case: Any, role: str, seed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHISO_DATABASE_URL", seed.url)
    check(case, role, seed)
