"""Follow-up forms answer in place (htmx): a refusal comes back as the same form, error above the fields,
inputs as typed, nothing saved; the downloads of the follow-up pages open in a spreadsheet."""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl
from fastapi.testclient import TestClient

HTMX = {"HX-Request": "true"}


def test_a_rule_threshold_that_is_not_a_number_answers_in_place(
    client: TestClient, login: Callable[[str], str]
) -> None:
    csrf = login("secretariat")
    data = {"csrf_token": csrf, "enabled": "1", "threshold": "chín lăm"}
    refused = client.post("/targets/rules/ontime_below", data=data, headers=HTMX)
    assert refused.status_code == 200 and "<html" not in refused.text
    assert "Ngưỡng phải là số" in refused.text and 'value="chín lăm"' in refused.text
    ok = client.post("/targets/rules/ontime_below", data={**data, "threshold": "0,9"}, headers=HTMX)
    assert ok.status_code == 204 and ok.headers["HX-Redirect"] == "/targets#rules"
    page = client.get("/api/targets").json()
    assert page["rules"]["ontime_below"]["threshold"] == 0.9


def test_a_file_that_is_not_a_workbook_is_refused_in_place(
    client: TestClient, login: Callable[[str], str]
) -> None:
    csrf = login("secretariat")
    refused = client.post(
        "/plans/import",
        data={"csrf_token": csrf},
        files={"file": ("ke-hoach.xlsx", b"khong phai excel", "application/octet-stream")},
        headers=HTMX,
    )
    assert refused.status_code == 200 and 'id="plan-import"' in refused.text
    assert "ke-hoach.xlsx" in refused.text and "form-error" in refused.text


def test_the_follow_up_downloads_open_in_a_spreadsheet(
    client: TestClient, login: Callable[[str], str]
) -> None:
    login("leader")
    for url in ("/alerts.xlsx", "/targets/statuses.xlsx", "/plans.xlsx"):
        got = client.get(url)
        assert got.status_code == 200, url
        sheet = openpyxl.load_workbook(io.BytesIO(got.content)).worksheets[0]
        assert sheet.max_row >= 1 and sheet["A1"].value, url
    assert client.get("/alerts.csv").text.startswith("\ufeffid,rule,agency_code")
