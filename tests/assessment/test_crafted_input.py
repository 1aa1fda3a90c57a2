"""Crafted form input on the assessment pages: a 10,000-character or NUL evidence field is a 422 in the
one error shape, never a 500; a download's name never puts a CR/LF in a header (issue 16, item 9)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import test_web
from fastapi.testclient import TestClient
from test_web import A, login

from chiso.web.app import create_app
from chiso.web.rendering import attachment

site = test_web.site  # the fixture: its migrated SQLite file and users


@pytest.fixture
def client(site: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("field", "value"),
    [("document_number", "1" * 10_000), ("summary", "x" * 10_000), ("document_number", "12\x00/QĐ"),
     ("summary", "quy\x00chế")],
)  # fmt: skip
def test_an_over_long_or_nul_evidence_field_is_a_422(
    client: TestClient, site: str, field: str, value: str
) -> None:
    csrf = login(client, site, "w_baocao")
    data = {"csrf_token": csrf, "indicator_code": "HT_ATTT", "document_number": "12/QĐ", "summary": ""}
    reply = client.post(
        f"{A}/evidence", data={**data, field: value}, headers={"Accept": "application/json"},
        follow_redirects=False,
    )  # fmt: skip
    assert reply.status_code == 422, reply.text[:300]
    body = reply.json()
    assert set(body) == {"ok", "error", "errors", "status"} and body["errors"][0]["field"] == field


def test_a_download_name_with_cr_lf_stays_one_header_line() -> None:
    header = attachment("xep-hang-2025-SBN\r\nSet-Cookie: a=b.csv")["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="xep-hang-2025-SBN_Set-Cookie_a_b.csv"')
    assert "filename*=UTF-8''xep-hang-2025-SBN%0D%0ASet-Cookie%3A%20a%3Db.csv" in header
