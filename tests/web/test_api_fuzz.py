"""Property-based API test (schemathesis): no generated query ever causes a 500, and every 4xx has the
one error shape. Runs on the read-only JSON twins of this room (units, agencies)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from chiso.web.app import create_app

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app()).include(
    path_regex=r"^/api/(units|agencies)", method="GET"
)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_keeps_the_error_shape(
    case: Any, seed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHISO_DATABASE_URL", seed.url)
    response = case.call()
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"ok", "error", "errors", "status"} and body["ok"] is False
    else:
        content_type = response.headers["content-type"]
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith(("application/json", "text/csv", "application/vnd"))
