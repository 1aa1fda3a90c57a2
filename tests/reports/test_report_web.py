"""The report pages and downloads: role checks, the decision form (inputs kept, errors in both languages),
the PDF with a draft mark until published, scorecards, workbook, open data and the embed's frame policy."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from report_site import AGENCIES, OPEN, PAST, build_site
from web_login import login_as

from chiso import clock
from chiso.web.app import create_app


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_site(f"sqlite:///{tmp_path_factory.mktemp('reports-web') / 'chiso.db'}")


@pytest.fixture
def client(site: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def login(client: TestClient, site: str, role: str) -> str:
    """Log in as the site's user of `role` ("public": nobody); return the session's CSRF token."""
    return login_as(client, site, None if role == "public" else f"rp_{role}")


FORM = {
    "number": "125",
    "symbol": "QĐ-UBND",
    "issued_on": "2026-07-15",
    "place": "Đà Nẵng",
    "issuing_body": "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ ĐÀ NẴNG",
    "summary": "Về việc công bố kết quả xếp hạng chuyển đổi số năm 2025",
    "recipients": "Như Điều 3;\nLưu: VT.",
    "signer_authority": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH",
    "signer_title": "PHÓ CHỦ TỊCH",
    "signer_name": "Nguyễn Thị Hường",
    "include_narrative": "true",
}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(("role", "status"), [("public", 401), ("reporter", 403), ("assessor", 403),
                                              ("secretariat", 200), ("leader", 200)])  # fmt: skip
def test_only_the_secretariat_and_leaders_open_the_form(
    client: TestClient, site: str, role: str, status: int
) -> None:
    login(client, site, role)
    assert client.get(f"/api/rankings/{PAST}/report").status_code == status
    assert client.get(f"/api/rankings/{OPEN}/report").status_code == status
    page = client.get(f"/rankings/{OPEN}/report", follow_redirects=False)
    assert page.status_code == (303 if role == "public" else status)


def test_the_form_keeps_what_was_typed_and_names_each_error_in_both_languages(
    client: TestClient, site: str
) -> None:
    csrf = login(client, site, "secretariat")
    bad = {**FORM, "number": "12a", "issued_on": "31/02/2026", "signer_name": "", "csrf_token": csrf}
    answer = client.post(f"/rankings/{PAST}/report", data=bad)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    for field in ("number", "issued_on", "signer_name"):
        assert f'id="f-{field}"' in answer.text and f"<code>{field}</code>" in answer.text
    assert "Cần nhập họ tên người ký" in answer.text and "The signer&#39;s name is required" in answer.text
    assert (
        'value="12a"' in answer.text
        and "Về việc công bố kết quả xếp hạng chuyển đổi số năm 2025" in answer.text
    )


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, site: str) -> None:
    login(client, site, "secretariat")
    assert client.post(f"/rankings/{PAST}/report", data=FORM).status_code == 403


def test_the_published_decision_has_no_draft_mark_and_is_then_public(client: TestClient, site: str) -> None:
    csrf = login(client, site, "secretariat")
    answer = client.post(f"/rankings/{PAST}/report", data={**FORM, "csrf_token": csrf})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = pdf_text(answer.content)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "125/QĐ-UBND" in text and "Nguyễn Thị Hường" in text and "Nơi nhận" in text
    assert all(name in text for name in AGENCIES.values()) and "DỰ THẢO" not in text
    login(client, site, "public")
    public = client.get(f"/rankings/{PAST}/decision.pdf")
    assert public.status_code == 200 and public.content == answer.content, "the same inputs, the cached file"


def test_a_draft_decision_carries_the_draft_mark(client: TestClient, site: str) -> None:
    csrf = login(client, site, "leader")
    answer = client.post(f"/rankings/{OPEN}/report", data={**FORM, "number": "", "csrf_token": csrf})
    assert answer.status_code == 200
    assert "DỰ THẢO" in pdf_text(answer.content)
    assert 'filename="du-thao-quyet-dinh-' in answer.headers["content-disposition"]
    login(client, site, "public")
    assert client.get(f"/rankings/{OPEN}/decision.pdf").status_code == 403


@pytest.mark.parametrize(("role", "status"), [("public", 403), ("reporter", 403), ("leader", 200)])
def test_draft_scorecards_and_workbooks_are_for_staff(
    client: TestClient, site: str, role: str, status: int
) -> None:
    login(client, site, role)
    assert client.get(f"/rankings/{OPEN}/agencies/RP.A/scorecard.pdf").status_code == status
    assert client.get(f"/rankings/{OPEN}/workbook.xlsx").status_code == status


def test_published_scorecard_and_workbook_are_public(client: TestClient, site: str) -> None:
    login(client, site, "public")
    card = client.get(f"/rankings/{PAST}/agencies/RP.A/scorecard.pdf")
    assert card.status_code == 200 and "Sở Khoa học và Công nghệ" in pdf_text(card.content)
    assert client.get(f"/rankings/{PAST}/agencies/NOPE/scorecard.pdf").status_code == 404
    book = client.get(f"/rankings/{PAST}/workbook.xlsx")
    assert book.status_code == 200
    sheets = load_workbook(io.BytesIO(book.content), read_only=True).sheetnames
    assert len(sheets) >= 3


def test_open_data_lists_published_rankings_with_a_licence_and_stable_files(
    client: TestClient, site: str
) -> None:
    login(client, site, "public")
    page = client.get("/open-data")
    assert page.status_code == 200 and PAST in page.text and OPEN not in page.text
    assert 'rel="license"' in page.text
    descriptor = client.get(f"/open-data/rankings/{PAST}/datapackage.json").json()
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    for resource in descriptor["resources"]:
        body = client.get(f"/open-data/rankings/{PAST}/{resource['path']}")
        assert body.status_code == 200 and len(body.content) == resource["bytes"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/open-data/rankings/{PAST}.zip").content))
    assert json.loads(archive.read("datapackage.json")) == descriptor
    assert client.get(f"/open-data/rankings/{OPEN}/datapackage.json").status_code == 403
    assert client.get(f"/open-data/rankings/{PAST}/nothing.csv").status_code == 404


def test_the_embed_may_be_framed_by_the_configured_origins_only(
    client: TestClient, site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, site, "public")
    monkeypatch.setenv("CHISO_EMBED_ORIGINS", "https://portal.danang.gov.vn, bad origin;")
    embed = client.get(f"/embed/rankings/{PAST}")
    assert embed.status_code == 200 and "Sở Khoa học và Công nghệ" in embed.text
    policy = embed.headers["content-security-policy"]
    assert re.search(r"frame-ancestors https://portal\.danang\.gov\.vn$", policy)
    assert "x-frame-options" not in embed.headers and "script-src 'none'" in policy
    monkeypatch.delenv("CHISO_EMBED_ORIGINS")
    assert (
        "frame-ancestors 'none'" in client.get(f"/embed/rankings/{PAST}").headers["content-security-policy"]
    )
    ranking = client.get(f"/rankings/{PAST}")
    assert ranking.headers["x-frame-options"] == "DENY"
    assert client.get(f"/embed/rankings/{OPEN}").status_code == 404, (
        "an unpublished ranking is never embedded"
    )


def test_the_ranking_and_period_pages_offer_the_report_buttons(client: TestClient, site: str) -> None:
    login(client, site, "secretariat")
    assert f'href="/rankings/{PAST}/report"' in client.get(f"/rankings/{PAST}").text
    assert f'href="/rankings/{OPEN}/report"' in client.get(f"/assessment/{OPEN}").text
    login(client, site, "public")
    page = client.get(f"/rankings/{PAST}").text
    assert f"/rankings/{PAST}/report" not in page and f'href="/rankings/{PAST}/workbook.xlsx"' in page


def test_a_closed_766_month_is_open_data_and_the_open_one_is_not(client: TestClient, site: str) -> None:
    login(client, site, "public")
    today = clock.today()
    before = f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"
    descriptor = client.get(f"/open-data/766/{before}/datapackage.json")
    assert descriptor.status_code == 200 and descriptor.json()["version"] == before
    assert client.get(f"/open-data/766/{today.year}-{today.month:02d}/datapackage.json").status_code == 422
    assert client.get("/open-data/766/2026-13/datapackage.json").status_code == 422
    brief = client.get(f"/monitoring/brief/{before}.pdf")
    assert brief.status_code == 200 and brief.content.startswith(b"%PDF")
