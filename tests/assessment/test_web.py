"""The assessment pages over HTTP: the whole cycle, JSON twins, htmx autosave, uploads, conflicts, access.

Runs the real app on its own migrated SQLite file (the app commits per request, so the rolled-back
`db` fixture does not apply here).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from assess_helpers import FULL_VALUES
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from web_login import login_as

from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.assessment import periods
from chiso.assessment.audit import list_audit
from chiso.store import init_database, session_scope
from chiso.store.models import Agency, GroupMember, PeerGroup
from chiso.web.app import create_app

P = "WEB-2026"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'chiso.db'}"
    init_database(url)
    now = datetime.now(UTC)
    with session_scope(url) as s:
        group = PeerGroup(province_code="48", period="2026", code="SBN", name_vi="Sở, ban, ngành")
        s.add(group)
        s.flush()
        ids = {}
        for code in ("WEB.A", "WEB.B"):
            agency = Agency(
                code=code,
                name_vi=f"Sở {code[-1]}",
                name_ascii=f"so {code[-1]}",
                kind="department",
                province_code="48",
            )
            s.add(agency)
            s.flush()
            s.add(GroupMember(group_id=group.id, agency_id=agency.id))
            ids[code] = agency.id
        for username, role, agency in (
            ("w_vanthu", "secretariat", None),
            ("w_thamdinh", "assessor", None),
            ("w_thamdinh2", "assessor", None),
            ("w_baocao", "reporter", "WEB.A"),
            ("w_baocao_b", "reporter", "WEB.B"),
            ("w_lanhdao", "leader", None),
        ):
            create_user(
                s,
                username=username,
                full_name=f"Cán bộ {username}",
                password="mat-khau-123456",
                role=role,
                agency_id=ids.get(agency or ""),
                province_code="48",
            )
        periods.open_period(
            s,
            code=P,
            name_vi="Kỳ thử nghiệm 2026",
            province_code="48",
            period="2026",
            framework_id="danang-it",
            group_codes=["SBN"],
            submission_deadline=now + timedelta(days=30),
            review_deadline=now + timedelta(days=60),
            actor=SYSTEM,
        )
        periods.assign_assessor(s, period_code=P, group_code="SBN", username="w_thamdinh", actor=SYSTEM)
        periods.assign_assessor(s, period_code=P, group_code="SBN", username="w_thamdinh2", actor=SYSTEM)
    return url


@pytest.fixture
def client(site: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def login(client: TestClient, site: str, username: str) -> str:
    """Put a session of `username` in the client's cookies; return its CSRF token."""
    return login_as(client, site, username)


def form_of(values: dict[str, dict[str, object]]) -> dict[str, str]:
    return {f"{code}__{k}": str(v) for code, fields in values.items() for k, v in fields.items()}


# What the form posts: text as reporters type it (a percent criterion takes 100%, not an ambiguous 1).
FORM_VALUES = {
    **FULL_VALUES,
    "HT_MANG": {"value": "1"},
    "CS_KE_HOACH": {"value": "0"},
    "UD_VAN_BAN": {"value": "100%"},
}
A = f"/assessment/{P}/agencies/WEB.A"


def test_the_whole_cycle_over_http(client: TestClient, site: str) -> None:
    csrf = login(client, site, "w_baocao")
    page = client.get(A)
    assert page.status_code == 200 and 'rel="alternate"' in page.text and "HT_MANG" in page.text
    # htmx autosave: a bad field is reported, the good ones are kept
    bad = {**form_of(FORM_VALUES), "HT_MAY_TINH__value": "170%"}
    saved = client.post(f"{A}/draft", data={**bad, "csrf_token": csrf}, headers={"HX-Request": "true"})
    assert saved.status_code == 200 and 'id="status"' in saved.text and "<html" not in saved.text
    assert "HT_MAY_TINH" in saved.text
    twin = client.get(f"/api/assessment/{P}/agencies/WEB.A").json()
    assert twin["missing"] == ["HT_MAY_TINH"]
    client.post(
        f"{A}/draft", data={**form_of(FORM_VALUES), "csrf_token": csrf}, headers={"HX-Request": "true"}
    )
    preview = client.get(f"/api/assessment/{P}/agencies/WEB.A/preview").json()
    assert preview["complete"] and preview["total"] > 0
    ev = client.post(
        f"{A}/evidence",
        data={
            "csrf_token": csrf,
            "indicator_code": "HT_ATTT",
            "document_number": "12/QĐ-STTTT",
            "summary": "Quy chế",
        },
        files={"files": ("quy-che.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert ev.status_code == 303
    wrong = client.post(
        f"{A}/evidence",
        data={"csrf_token": csrf, "indicator_code": "HT_ATTT", "document_number": "13"},
        files={"files": ("anh.pdf", b"\x89PNG\r\n\x1a\n0000", "application/pdf")},
        headers={"Accept": "application/json"},
    )
    assert wrong.status_code == 422 and "PNG" in wrong.json()["error"]
    first = client.post(f"{A}/submit", data={"csrf_token": csrf}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"{A}/receipt"
    receipt = client.get(f"{A}/receipt")
    assert receipt.status_code == 200 and "Đã nộp bản tự đánh giá thành công" in receipt.text
    # a double click or a retry: answered with the receipt of the submission that exists, not 409
    again = client.post(f"{A}/submit", data={"csrf_token": csrf}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"{A}/receipt?again=1"
    assert "đã được nộp trước đó" in client.get(again.headers["location"]).text
    twice = client.post(f"/api{A}/submit", headers={"X-CSRF-Token": csrf})
    assert twice.status_code == 200, twice.text
    body = twice.json()
    assert body["repeated"] is True and body["evidence_count"] == 1
    assert body["values_count"] == len(FORM_VALUES)
    assert body["receipt_no"] == client.get(f"/api{A}/receipt").json()["receipt_no"]
    with session_scope(site) as s:  # one submit recorded, whatever the clicks
        submits = [r for r in list_audit(s, action="submission.submit") if r.username == "w_baocao"]
    assert len(submits) == 1

    csrf = login(client, site, "w_thamdinh")
    queue = client.get("/api/assessment/review").json()
    assert [q["agency_code"] for q in queue] == ["WEB.A"]
    fields = {
        f["code"]: f
        for s in client.get(f"/api/assessment/{P}/agencies/WEB.A").json()["sections"]
        for f in s["fields"]
    }
    version = fields["DVC_DUNG_HAN"]["value_version"]
    decision = f"/api/assessment/{P}/agencies/WEB.A/review/DVC_DUNG_HAN"
    ok = client.post(
        decision,
        json={"decision": "return", "version": version, "comment": "Số liệu lệch"},
        headers={"X-CSRF-Token": csrf},
    )
    assert ok.status_code == 200
    csrf2 = login(client, site, "w_thamdinh2")
    stale = client.post(
        decision, json={"decision": "accept", "version": version}, headers={"X-CSRF-Token": csrf2}
    )
    assert (
        stale.status_code == 409
        and "w_thamdinh" in stale.json()["error"]
        and "Số liệu lệch" in stale.json()["error"]
    )
    csrf = login(client, site, "w_thamdinh")
    client.post(f"{A}/return", data={"csrf_token": csrf, "comment": "Sửa DVC_DUNG_HAN"})

    csrf = login(client, site, "w_baocao")
    page = client.get(A)
    assert "Sửa DVC_DUNG_HAN" in page.text and "Số liệu lệch" in page.text
    client.post(
        f"{A}/draft",
        data={"DVC_DUNG_HAN__numerator": "90", "DVC_DUNG_HAN__denominator": "100", "csrf_token": csrf},
    )
    client.post(f"{A}/submit", data={"csrf_token": csrf})
    history = client.get(f"/api/assessment/{P}/agencies/WEB.A/history/DVC_DUNG_HAN").json()["rows"]
    page = client.get(f"/assessment/{P}/agencies/WEB.A/history/DVC_DUNG_HAN")  # a page, not raw JSON
    assert page.status_code == 200 and "Trả lại tiêu chí" in page.text and "tử số: 90" in page.text
    assert "review.return" not in page.text and "{&#34;" not in page.text
    assert [h["action"] for h in history] == ["value.set", "review.return", "value.update"]

    csrf = login(client, site, "w_thamdinh")
    assert client.post(f"{A}/approve", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303

    csrf = login(client, site, "w_baocao_b")
    client.post(
        f"/api/assessment/{P}/agencies/WEB.B/draft",
        json={"values": FULL_VALUES},
        headers={"X-CSRF-Token": csrf},
    )
    client.post(f"/assessment/{P}/agencies/WEB.B/submit", data={"csrf_token": csrf})
    csrf = login(client, site, "w_thamdinh")
    client.post(f"/assessment/{P}/agencies/WEB.B/approve", data={"csrf_token": csrf})

    csrf = login(client, site, "w_vanthu")
    assert client.get(f"/assessment/{P}/preview").status_code == 200
    assert (
        client.post(f"/assessment/{P}/publish", data={"csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )

    client.cookies.clear()
    public = client.get(f"/rankings/{P}?group=SBN")
    assert public.status_code == 200 and "WEB.A" in public.text and "Lần công bố" in public.text
    assert '<figure class="chart"' in public.text and "<svg" in public.text  # bands per group, drawn
    ranking = client.get(f"/api/rankings/{P}", params={"group": "SBN"}).json()
    assert ranking["revision"] == 1 and {r["agency_code"] for r in ranking["rows"]} == {"WEB.A", "WEB.B"}
    assert all(r["rank"] and r["band"] for r in ranking["rows"])
    csv_text = client.get(f"/rankings/{P}.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("rank,agency_code")
    assert client.get(f"/rankings/{P}.xlsx").status_code == 200
    # nobody outside sees unpublished data
    assert client.get(f"/api/assessment/{P}/agencies/WEB.A").status_code == 401
    assert client.get(A, follow_redirects=False).status_code == 303


def test_reporters_and_assessors_stay_in_their_scope(client: TestClient, site: str) -> None:
    login(client, site, "w_baocao_b")
    assert client.get(f"/api/assessment/{P}/agencies/WEB.A").status_code == 403
    assert client.get(f"/api/assessment/{P}").json()["submissions"][0]["agency_code"] == "WEB.B"
    csrf = login(client, site, "w_lanhdao")
    assert client.get(f"/api/assessment/{P}/agencies/WEB.A").status_code == 200
    assert (
        client.post(
            f"/api/assessment/{P}/agencies/WEB.A/draft", json={"values": {}}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 403
    )
    assert client.get("/audit").status_code == 200
    login(client, site, "w_thamdinh")
    assert client.get("/audit").status_code == 403


def test_excel_round_trip_over_http(client: TestClient, site: str) -> None:
    csrf = login(client, site, "w_baocao_b")
    data = client.get(f"/assessment/{P}/agencies/WEB.B/template.xlsx")
    assert data.status_code == 200
    book = load_workbook(io.BytesIO(data.content))
    assert book["_chiso"]["B3"].value == "WEB.B"
    reply = client.post(
        f"/assessment/{P}/agencies/WEB.A/template",
        data={"csrf_token": csrf},
        files={"file": ("t.xlsx", data.content)},
    )
    assert reply.status_code == 403  # another agency's form is not hers to fill


def test_audit_browser_and_exports(client: TestClient, site: str) -> None:
    login(client, site, "w_vanthu")
    page = client.get("/audit?action=period.")
    assert page.status_code == 200 and "period.open" in page.text
    log = client.get("/api/audit", params={"action": "period."}).json()
    assert "period.open" in [r["action"] for r in log["rows"]]
    assert log["total"] == len(log["rows"]) and log["filters"]["action"] == "period."
    assert re.match(r"^\ufeff?id,at,username", client.get("/audit.csv").content.decode("utf-8"))
