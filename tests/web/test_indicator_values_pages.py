"""The indicator-value pages on the web seed: a reporter's entry page and its JSON twin, saving with
in-place errors and the outlier confirmation, the Excel round trip, progress with its CSV, approvals,
and the integrators' push API (token scope, all or nothing, idempotent)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from chiso import clock
from chiso.accounts.tokens import create_token
from chiso.store import session_scope
from chiso.store.models.audit import AuditEntry
from chiso.store.models.indicators import Indicator, IndicatorValue
from chiso.store.models.monitoring import IntegratorToken

FORM = {"X-Chiso-Form": "1", "Accept": "text/html"}
QUARTERS = [f"{y}-Q{q}" for y in (2022, 2023, 2024) for q in (1, 2, 3, 4)]
KEY = "WT_PCT|48"


def _cleanup(url: str) -> None:
    with session_scope(url) as s:
        s.execute(delete(IndicatorValue).where(IndicatorValue.indicator_code.like("WT\\_%", escape="\\")))
        s.execute(delete(Indicator).where(Indicator.code.like("WT\\_%", escape="\\")))
        s.execute(delete(AuditEntry).where(AuditEntry.object_id.like("WT\\_%", escape="\\")))
        s.execute(delete(IntegratorToken).where(IntegratorToken.name.like("wt-%")))


@pytest.fixture
def catalogue(seed: object, store_url: str) -> Iterator[str]:
    """Three indicators of the seed's departments and twelve quarters of WT_PCT's history."""
    _cleanup(store_url)
    with session_scope(store_url) as s:
        for code, owner, approval in (
            ("WT_PCT", "WT.SNV", False),
            ("WT_OTHER", "WT.SKHCN", False),
            ("WT_APPROVE", "WT.SNV", True),
        ):
            s.add(
                Indicator(
                    code=code,
                    name_vi=f"Tỷ lệ thử {code}",
                    name_en=f"Test share {code}",
                    value_type="percent",
                    period_type="quarter",
                    level="province",
                    aggregation="none",
                    source="entered",
                    owner_agency_code=owner,
                    outlier_sd=3.0,
                    needs_approval=approval,
                    active=True,
                    unit="%",
                    higher_is_better=True,
                    updated_at=clock.now(),
                )
            )
        for period, value in zip(QUARTERS, [50, 52, 49, 51, 50, 48, 53, 50, 51, 49, 50, 52], strict=True):
            s.add(
                IndicatorValue(
                    indicator_code="WT_PCT",
                    unit_code="48",
                    period=period,
                    value=value,
                    status="entered",
                    channel="demo",
                    entered_by="test",
                    entered_at=clock.now(),
                )
            )
    try:
        yield store_url
    finally:
        _cleanup(store_url)


def _stored(url: str, code: str = "WT_PCT", period: str = "2025-Q1") -> IndicatorValue | None:
    with session_scope(url) as s:
        row = s.scalar(
            select(IndicatorValue).where(
                IndicatorValue.indicator_code == code, IndicatorValue.period == period
            )
        )
        if row is not None:
            s.expunge(row)
        return row


def test_a_reporter_sees_its_own_department_and_the_twin_has_the_same_rows(
    client: TestClient, login: Callable[[str], str], catalogue: str
) -> None:
    login("reporter")
    page = client.get("/indicators/values?period=2025-Q1")
    assert page.status_code == 200 and "Tỷ lệ thử WT_PCT" in page.text and "WT_OTHER" not in page.text
    assert 'name="v|WT_PCT|48"' in page.text and 'rel="alternate"' in page.text
    twin = client.get("/api/indicators/values?period=2025-Q1").json()
    assert twin["sheet"]["agency_code"] == "WT.SNV"
    assert [r["indicator_code"] for r in twin["sheet"]["rows"]] == ["WT_APPROVE", "WT_PCT"]
    assert twin["sheet"]["rows"][1]["previous"] == 52  # 2024-Q4 beside the input
    assert client.get("/indicators/values?agency=WT.SKHCN").status_code == 403


def test_saving_answers_in_place_and_an_outlier_asks_for_confirmation(
    client: TestClient, login: Callable[[str], str], catalogue: str
) -> None:
    csrf = login("reporter")
    base = {"csrf_token": csrf, "agency": "WT.SNV", "period": "2025-Q1", "v|WT_APPROVE|48": ""}
    refused = client.post("/indicators/values", data={**base, f"v|{KEY}": "năm mươi"}, headers=FORM)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == f"v|{KEY}"
    outlier = {**base, f"v|{KEY}": "95,5", f"n|{KEY}": ""}
    saved = client.post("/indicators/values", data=outlier, follow_redirects=False)
    assert (
        saved.status_code == 303
        and saved.headers["location"] == "/indicators/values?agency=WT.SNV&period=2025-Q1"
    )
    row = _stored(catalogue)
    assert row is not None and (row.value, row.status) == (95.5, "flagged")
    page = client.get(saved.headers["location"]).text
    assert 'value="95,5"' in page and f'name="c|{KEY}"' in page and "Xác nhận" in page
    first_row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "row-flagged" in first_row  # waiting for its confirmation, so shown first
    no_note = client.post("/indicators/values", data={**outlier, f"c|{KEY}": "1"}, headers=FORM)
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == f"n|{KEY}"
    note = {**outlier, f"c|{KEY}": "1", f"n|{KEY}": "Cổng dịch vụ công mới"}
    assert client.post("/indicators/values", data=note, follow_redirects=False).status_code == 303
    row = _stored(catalogue)
    assert row is not None and (row.status, row.note, row.entered_by) == (
        "confirmed",
        "Cổng dịch vụ công mới",
        "wt_reporter",
    )


def test_the_excel_template_round_trip(
    client: TestClient, login: Callable[[str], str], catalogue: str
) -> None:
    csrf = login("reporter")
    got = client.get("/indicators/values.xlsx?period=2025-Q1")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    sheet = book.worksheets[0]
    assert sheet["B1"].value == "WT.SNV" and sheet["A6"].value == "WT_PCT" and sheet["F6"].value == 52
    sheet["H6"] = 51
    out = io.BytesIO()
    book.save(out)
    files = {"file": ("so-lieu.xlsx", out.getvalue(), "application/octet-stream")}
    form = {"csrf_token": csrf, "agency": "WT.SNV", "period": "2025-Q1"}
    checked = client.post(
        "/indicators/values/import", data={**form, "dry_run": "1"}, files=files, headers=FORM
    )
    assert (
        checked.status_code == 200 and "Kiểm tra thử, chưa lưu" in checked.text and _stored(catalogue) is None
    )
    done = client.post("/indicators/values/import", data=form, files=files, follow_redirects=False)
    row = _stored(catalogue)
    assert done.status_code == 303 and row is not None and (row.value, row.channel) == (51, "excel")
    bad = client.post(
        "/indicators/values/import",
        data=form,
        files={"file": ("x.xlsx", b"khong", "text/plain")},
        headers=FORM,
    )
    assert bad.status_code == 422 and "x.xlsx" in bad.json()["error"]


def test_progress_shows_late_departments_first_with_a_chart_and_a_csv(
    client: TestClient, login: Callable[[str], str], catalogue: str
) -> None:
    login("secretariat")
    page = client.get("/indicators/progress?period=2024-Q4")
    assert (
        page.status_code == 200
        and "<svg" in page.text
        and "/indicators/progress.csv?period=2024-Q4" in page.text
    )
    data = client.get("/api/indicators/progress?period=2024-Q4").json()
    first = data["departments"][0]
    assert first["late"] and first["agency_code"] == "WT.SKHCN" and first["missing"] == ["WT_OTHER"]
    csv = client.get("/indicators/progress.csv?period=2024-Q4").text
    assert csv.startswith("\ufeffagency_code,agency_name_vi,expected") and "WT.SKHCN" in csv.splitlines()[1]


def test_a_leader_approves_values_that_need_it(
    client: TestClient, login: Callable[[str], str], catalogue: str
) -> None:
    csrf = login("secretariat")
    data = {
        "csrf_token": csrf,
        "agency": "WT.SNV",
        "period": "2025-Q1",
        "v|WT_APPROVE|48": "40",
        f"v|{KEY}": "",
    }
    assert client.post("/indicators/values", data=data, follow_redirects=False).status_code == 303
    csrf = login("leader")
    pending = client.get("/api/indicators/approvals").json()["values"]
    assert [v["indicator_code"] for v in pending] == ["WT_APPROVE"]
    assert "WT_APPROVE" in client.get("/indicators/approvals").text
    approved = client.post(
        "/indicators/approvals", data={"csrf_token": csrf, "ids": pending[0]["id"]}, follow_redirects=False
    )
    assert approved.status_code == 303
    row = _stored(catalogue, "WT_APPROVE")
    assert row is not None and (row.status, row.approved_by) == ("approved", "wt_leader")


def _token(url: str, name: str, kinds: list[str], root: str | None = None) -> str:
    with session_scope(url) as s:
        return create_token(s, name=name, record_kinds=kinds, agency_root=root)[1]


def test_a_push_is_scoped_all_or_nothing_and_idempotent(client: TestClient, catalogue: str) -> None:
    body = [{"indicator_code": "WT_PCT", "unit_code": "48", "period": "2025-Q1", "value": 51}]
    auth = {"Authorization": f"Bearer {_token(catalogue, 'wt-he-thong', ['indicator:WT_PCT'])}"}
    first = client.post("/api/indicators/values", json=body, headers=auth)
    again = client.post("/api/indicators/values", json=body, headers=auth)
    assert first.status_code == 200 and first.json()["created"] == 1
    assert again.json()["changed"] == 0 and again.json()["message_en"].startswith("Nothing changed")
    wrong = [*body, {"indicator_code": "WT_PCT", "unit_code": "48", "period": "2025-Q2", "value": 500}]
    refused = client.post("/api/indicators/values", json=[{**wrong[0], "value": 52}, wrong[1]], headers=auth)
    assert refused.status_code == 422 and refused.json()["ok"] is False
    row = _stored(catalogue)
    assert row is not None and row.value == 51 and _stored(catalogue, period="2025-Q2") is None
    other = [{**body[0], "indicator_code": "WT_OTHER"}]
    assert client.post("/api/indicators/values", json=other, headers=auth).status_code == 403
    scoped = {"Authorization": f"Bearer {_token(catalogue, 'wt-snv', ['indicators'], 'WT.SKHCN')}"}
    assert client.post("/api/indicators/values", json=body, headers=scoped).status_code == 403
    assert client.post("/api/indicators/values", json=body).status_code == 401


def test_the_pages_speak_english_in_english(
    client: TestClient, login: Callable[[str], str], catalogue: str
) -> None:
    login("secretariat")
    vietnamese = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹàáèéìíòóùúý]", re.I)
    for url in (
        "/indicators/values?agency=WT.SNV&period=2025-Q1",
        "/indicators/progress?period=2025-Q1",
        "/indicators/approvals",
    ):
        html = client.get(url + ("&" if "?" in url else "?") + "lang=en").text
        html = re.sub(r"<select.*?</select>", "", html, flags=re.S)  # options are data: agency names
        words = re.findall(r"<(th|label|button|h2)[^>]*>(.*?)</\1>", html, re.S)
        interface = [re.sub(r"<[^>]+>", " ", text) for _, text in words]
        assert interface and not [t for t in interface if vietnamese.search(t)], (url, interface)
