"""Issue 16 item 11: a 413 in the error shape with the security headers, no-store on private replies,
a record batch limit that is true, and an OpenAPI document declaring errors and download types."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from chiso.accounts.tokens import create_token
from chiso.monitoring.records.schema import record_type
from chiso.store import session_scope
from chiso.store.models.monitoring import IntegratorToken
from chiso.web.app import create_app
from chiso.web.limits import body_limit
from chiso.web.routes.integration import max_records

SECURITY_HEADERS = ("X-Frame-Options", "X-Content-Type-Options", "Content-Security-Policy", "X-Request-ID")


def _assert_413(response: Any) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False and body["status"] == 413 and "CHISO_UPLOAD_MAX_MB" in body["error"]
    for header in SECURITY_HEADERS:
        assert header in response.headers, header


@pytest.fixture
def small_limit(seed: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", seed.url)
    monkeypatch.setenv("CHISO_UPLOAD_MAX_MB", "0.05")  # body limit 1 MB + 50 KB
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/api/records/dossiers", "/agencies/import", "/login"])
def test_a_body_announced_too_large_gets_the_error_shape_and_headers(
    small_limit: TestClient, path: str
) -> None:
    big = b"x" * (body_limit() + 1)
    _assert_413(small_limit.post(path, content=big, headers={"content-type": "application/json"}))
    _assert_413(small_limit.post(path, content=big, headers={"accept": "text/html"}))


def test_a_streamed_body_is_counted_and_refused(small_limit: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b"y" * 100_000

    _assert_413(
        small_limit.post(
            "/api/records/dossiers", content=chunks(), headers={"content-type": "application/json"}
        )
    )
    boundary = "wtboundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'.encode()

    def multipart() -> Iterator[bytes]:
        yield head
        yield from chunks()

    response = small_limit.post(
        "/login", content=multipart(), headers={"content-type": f"multipart/form-data; boundary={boundary}"}
    )
    _assert_413(response)


def test_private_replies_are_not_stored(client: TestClient, login: Callable[[str], str]) -> None:
    login("secretariat")
    for path in ("/api/me", "/api/agencies", "/agencies.csv", "/audit.csv", "/api/audit", "/agencies"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")


@pytest.fixture
def token(seed: Any) -> Iterator[str]:
    with session_scope(seed.url) as s:
        s.execute(delete(IntegratorToken).where(IntegratorToken.name.like("wt-lim-%")))
        _, secret = create_token(s, name="wt-lim-mot-cua")
    try:
        yield secret
    finally:
        with session_scope(seed.url) as s:
            s.execute(delete(IntegratorToken).where(IntegratorToken.name.like("wt-lim-%")))


def _widest_dossier() -> dict[str, Any]:
    """A dossier with every column at its widest realistic value (ids as one-stop shops write them)."""
    record: dict[str, Any] = {}
    for column in record_type("dossiers").columns:
        if column.type == "timestamp":
            record[column.name] = "2026-08-05T09:15:32.250+07:00"
        elif column.type == "date":
            record[column.name] = "2026-08-05"
        elif column.type == "bool":
            record[column.name] = False
        elif column.type == "int":
            record[column.name] = max(
                (int(a) for a in column.allowed), default=min(column.max_value or 999, 999)
            )
        elif column.type == "enum":
            record[column.name] = max(column.allowed, key=len)
        else:
            record[column.name] = "000.00.31.H12-260805-000123"
    return record


def test_the_documented_batch_limit_fits_in_the_body_limit(client: TestClient, token: str) -> None:
    """`max_records()` of the widest dossiers fit in the body limit; one record more is refused."""
    widest = len(json.dumps(_widest_dossier()).encode()) + 2  # ", " between records
    assert widest * max_records() + len('{"records": []}') <= body_limit()
    assert max_records() == 31_457  # the number docs/records.md gives for the default 20 MB
    response = client.post(
        "/api/records/dossiers",
        json={"records": [{}] * (max_records() + 1)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422 and f"at most {max_records()}" in response.json()["error"]


def test_openapi_declares_errors_and_download_types(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "ErrorOut" in schema["components"]["schemas"]
    downloads = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            if "{" in path.replace("{fmt}", ""):
                assert "404" in responses, where
            if method in ("post", "put", "patch", "delete"):
                assert {"401", "403", "409"} <= set(responses), where
            if "requestBody" in operation:
                assert "413" in responses, where
            for code in ("401", "403", "404", "409", "413"):
                if code in responses:
                    assert responses[code]["content"]["application/json"]["schema"]["$ref"].endswith(
                        "ErrorOut"
                    )
            if path.endswith((".{fmt}", ".csv", ".xlsx", ".pdf")):
                downloads += 1
                media = set(responses["200"]["content"])
                assert "application/json" not in media, where
                assert media <= {
                    "text/csv",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "application/pdf",
                }, where
    assert downloads >= 5
    assert {"401", "403"} <= set(schema["paths"]["/api/me"]["get"]["responses"])
