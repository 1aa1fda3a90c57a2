"""One JSON error shape ({ok, error, errors, status}) for every failure; HTML error pages; no traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chiso.web.app import create_app
from chiso.web.deps import require

SHAPE = {"ok", "error", "errors", "status"}


def _assert_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == SHAPE
    assert body["ok"] is False
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["errors"], list) and body["errors"]
    for item in body["errors"]:
        assert {"message_vi", "message_en", "text"} <= set(item)
    return body


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/no-such-page", 404),  # router 404 (HTTPException)
        ("/api/agencies/WT.NOPE", 404),  # NotFound from the service
        ("/api/units/99999999", 404),
        ("/api/units?level=planet", 422),  # validation error
        ("/api/units?page=0", 422),
        ("/api/me", 401),  # anonymous on a staff action
    ],
)
def test_json_error_shape(client: TestClient, path: str, status: int) -> None:
    _assert_shape(client.get(path), status)


def test_validation_errors_name_the_field(client: TestClient) -> None:
    body = _assert_shape(client.get("/api/agencies?kind=planet&on=yesterday"), 422)
    assert {e["field"] for e in body["errors"]} == {"kind", "on"}


def test_forbidden_has_the_shape_and_both_languages(client: TestClient, login: Callable[[str], str]) -> None:
    login("reporter")
    body = _assert_shape(
        client.post("/api/agencies/import", headers={"X-CSRF-Token": login("reporter")}), 403
    )
    assert "không được phép" in body["error"] and "may not" in body["error"]


def test_method_not_allowed_has_the_shape(client: TestClient) -> None:
    _assert_shape(client.delete("/api/units"), 405)


def test_html_errors_are_pages(client: TestClient) -> None:
    response = client.get("/agencies/WT.NOPE")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Không có cơ quan, đơn vị mã" in response.text and "<html" in response.text
    assert "No agency with code" in response.text  # the other language, smaller


def test_unexpected_error_shows_no_traceback(seed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHISO_DATABASE_URL", seed.url)
    app = create_app()

    @app.get("/api/wt-boom", dependencies=[require("view-home")])
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    @app.get("/wt-boom", dependencies=[require("view-home")])
    def boom_page() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/wt-boom")
        body = _assert_shape(api, 500)
        assert "secret internal detail" not in api.text and "Traceback" not in api.text
        assert api.headers["x-request-id"] in body["error"]
        page = client.get("/wt-boom")
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert "secret internal detail" not in page.text and "Traceback" not in page.text


def test_unreachable_database_is_one_clear_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHISO_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        body = _assert_shape(client.get("/api/units"), 503)
        assert "127.0.0.1" in body["error"] and "Traceback" not in body["error"]


def test_oversize_upload_is_refused_before_reading(
    client: TestClient, login: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHISO_UPLOAD_MAX_MB", "0.01")
    csrf = login("secretariat")
    big = b"code,name_vi,kind,province_code\n" + b"x" * (1024 * 1024 + 64 * 1024)
    response = client.post(
        "/api/agencies/import", headers={"X-CSRF-Token": csrf}, files={"file": ("wt-big.csv", big)}
    )
    body = _assert_shape(response, 413)
    assert "CHISO_UPLOAD_MAX_MB" in body["error"]
    small = b"code,name_vi,kind,province_code\n" + b"x" * (20 * 1024)  # over 10 KB, under the body limit
    response = client.post(
        "/api/agencies/import", headers={"X-CSRF-Token": csrf}, files={"file": ("wt-small.csv", small)}
    )
    _assert_shape(response, 413)  # the upload itself is checked against CHISO_UPLOAD_MAX_MB
