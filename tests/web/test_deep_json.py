"""Deeply nested JSON bodies: a 4xx in the one error shape that says why, never a RecursionError 500
(issue 16, item 12)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

BODIES = {
    "deep arrays": "[" * 100_000 + "]" * 100_000,
    "deep objects in a field": '{"values": ' + '{"a": ' * 5_000 + "1" + "}" * 5_000 + "}",
}


@pytest.mark.parametrize("body", list(BODIES))
@pytest.mark.parametrize("path", ["/api/assessment/X/agencies/Y/draft", "/api/records/dossiers"])
def test_a_deep_json_body_is_refused_in_the_error_shape(
    client: TestClient, login: Callable[[str], str], body: str, path: str
) -> None:
    csrf = login("secretariat")
    reply = client.post(
        path, content=BODIES[body], headers={"content-type": "application/json", "X-CSRF-Token": csrf}
    )
    assert 400 <= reply.status_code < 500, reply.text[:300]
    payload = reply.json()
    assert set(payload) == {"ok", "error", "errors", "status"}
    if reply.status_code == 400:
        assert "nested too deeply" in payload["error"] and "lồng nhau quá sâu" in payload["error"]
