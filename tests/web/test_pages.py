"""Each page, its JSON twin and its htmx fragment; downloads; search; language; static files; import."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from chiso.web.app import create_app
from chiso.web.i18n import EN

TEMPLATES = Path(__file__).resolve().parents[2] / "chiso" / "web" / "templates"
STATIC = Path(__file__).resolve().parents[2] / "chiso" / "web" / "static"


def test_unit_detail_shows_lineage_both_ways(client: TestClient) -> None:
    quang_nam = client.get("/api/units/49?level=province").json()
    successors = [link["unit"]["code"] for u in quang_nam["units"] for link in u["successors"]]
    assert successors == ["48"]
    da_nang = client.get("/api/units/48?level=province").json()
    current = next(u for u in da_nang["units"] if u["unit"]["era"] == "current")
    assert {"48", "49"} <= {link["unit"]["code"] for link in current["predecessors"]}
    page = client.get("/units/49?level=province").text
    assert "Nay thuộc về" in page and 'href="/units/48?level=province"' in page


@pytest.mark.parametrize("query", ["da nang", "DA NANG", "Đà Nẵng", "đà  nẵng", "Da Nang"])
def test_accent_insensitive_unit_search(client: TestClient, query: str) -> None:
    data = client.get("/api/units", params={"q": query, "level": "province"}).json()
    assert {u["name"] for u in data["items"]} == {"Đà Nẵng"}
    assert data["total"] == 2  # the legacy and the current city


@pytest.mark.parametrize("query", ["so noi vu thu nghiem", "SỞ NỘI VỤ", "noi vu thu"])
def test_accent_insensitive_agency_search(client: TestClient, query: str) -> None:
    codes = [a["code"] for a in client.get("/api/agencies", params={"q": query}).json()["items"]]
    assert "WT.SNV" in codes


def test_agency_filters_by_kind_and_group(client: TestClient) -> None:
    by_group = client.get("/api/agencies", params={"group": "2099:SBN"}).json()
    assert [a["code"] for a in by_group["items"]] == ["WT.SKHCN", "WT.SNV"]  # Vietnamese order: Khoa < Nội
    by_kind = client.get("/api/agencies", params={"kind": "district", "q": "thu nghiem"}).json()
    assert [a["code"] for a in by_kind["items"]] == ["WT.UBND.HC"]


def test_agency_detail_has_parent_unit_history_and_lineage(client: TestClient) -> None:
    detail = client.get("/api/agencies/WT.UBND.HC").json()
    assert detail["agency"]["unit_code"] == "492"
    assert detail["agency"]["valid_to"] == "2025-07-01"
    assert detail["unit_lineage"]["units"][0]["unit"]["name"] == "Hải Châu"
    merged = client.get("/api/agencies/WT.STTTT").json()
    assert [(s["successor_code"], s["kind"]) for s in merged["successors"]] == [("WT.SKHCN", "merge")]
    page = client.get("/agencies/WT.STTTT").text
    assert "Cơ quan kế nhiệm" in page and 'href="/agencies/WT.SKHCN"' in page


def test_pagination(client: TestClient) -> None:
    first = client.get("/api/units", params={"level": "province", "page_size": 10}).json()
    second = client.get("/api/units", params={"level": "province", "page_size": 10, "page": 2}).json()
    assert first["total"] == second["total"] == 97  # 63 legacy + 34 current provinces
    assert first["pages"] == 10 and len(first["items"]) == 10
    assert not {(u["code"], u["era"]) for u in first["items"]} & {
        (u["code"], u["era"]) for u in second["items"]
    }
    page = client.get("/units", params={"level": "province", "page_size": 10, "page": 2}).text
    assert "Trang 2 / 10" in page and "Trang trước" in page and "Trang sau" in page
    assert "đang hiệu lực" in page or "tag legacy" in page


@pytest.mark.parametrize(
    ("download", "twin", "key"),
    [
        ("/units.csv?province_code=48&level=district", "/api/units?province_code=48&level=district", "code"),
        ("/agencies.csv?q=thu+nghiem", "/api/agencies?q=thu+nghiem", "code"),
    ],
)
def test_csv_download_is_what_the_page_shows(client: TestClient, download: str, twin: str, key: str) -> None:
    response = client.get(download)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())  # BOM: Excel reads the diacritics
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    shown = client.get(twin + "&page_size=1000").json()["items"]
    assert [r[key] for r in rows] == [item[key] for item in shown]
    for row, item in zip(rows, shown, strict=True):
        name = "full_name" if "full_name" in item else "name_vi"
        assert row[name] == item[name]


def test_xlsx_download_matches_the_csv(client: TestClient) -> None:
    csv_rows = list(
        csv.reader(io.StringIO(client.get("/agencies.csv?q=thu+nghiem").content.decode("utf-8-sig")))
    )
    response = client.get("/agencies.xlsx?q=thu+nghiem")
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    xlsx_rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx_rows == csv_rows


def test_language_switch(client: TestClient) -> None:
    vi = client.get("/units?level=province&page_size=1")
    assert '<html lang="vi">' in vi.text and "Đơn vị hành chính" in vi.text
    en = client.get("/units?level=province&page_size=1&lang=en")
    assert '<html lang="en">' in en.text and "Administrative units" in en.text
    assert "lang=en" in en.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/agencies").text  # remembered by the cookie
    assert '<html lang="vi">' in client.get("/?lang=vi").text
    assert '<html lang="vi">' in client.get("/agencies").text


def test_every_template_message_has_an_english_translation() -> None:
    create_app()  # route modules may add their entries with register_messages
    keys: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        keys |= set(re.findall(r'_\(\s*"([^"]+)"', path.read_text(encoding="utf-8")))
        keys |= set(re.findall(r"_\(\s*'([^']+)'", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in keys if k not in EN)
    assert not missing, (
        f"add English for these to chiso/web/i18n.py EN, or call chiso.web.i18n.register_messages "
        f"in the route module: {missing}"
    )


def test_htmx_and_swagger_come_from_installed_packages(client: TestClient) -> None:
    import importlib.resources

    htmx = client.get("/static/htmx.min.js")
    expected = (importlib.resources.files("js_lib_htmx") / "static/htmx/htmx.min.js").read_bytes()
    assert htmx.status_code == 200 and htmx.content == expected
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/../pyproject.toml").status_code == 404
    assert client.get("/static/swagger/../../../etc/passwd").status_code == 404


def test_no_third_party_code_committed_and_nothing_from_a_cdn() -> None:
    own = {p.name for p in STATIC.iterdir() if p.is_file()}
    assert own <= {"chiso.css", "swagger-init.js", "chiso.js", "live.js", "favicon.svg", "tables.js"}, own
    for path in list(TEMPLATES.rglob("*.html")) + list(STATIC.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', text), f"{path} loads from another host"


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "script-src 'self';" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_openapi_lists_the_json_twins(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/units", "/api/units/{code}", "/api/agencies", "/api/agencies/{code}", "/api/me"):
        assert "get" in paths[path], path
    assert paths["/api/units"]["get"]["summary"].startswith("List administrative units")
    docs = client.get("/api/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()


def test_import_all_or_nothing(client: TestClient, login: Callable[[str], str]) -> None:
    csrf = login("secretariat")
    good = "code,name_vi,kind,province_code\nWT.IMP1,Ban Quản lý thử nghiệm,other,48\n"
    bad = good + "WT.IMP2,,nonsense,48\n"
    response = client.post(
        "/agencies/import", data={"csrf_token": csrf}, files={"file": ("wt-bad.csv", bad.encode())}
    )
    assert response.status_code == 422
    assert "dòng/row 3" in response.text  # the problem is located
    assert client.get("/api/agencies/WT.IMP1").status_code == 404  # nothing written
    dry = client.post(
        "/api/agencies/import",
        headers={"X-CSRF-Token": csrf},
        data={"dry_run": "true"},
        files={"file": ("wt-good.csv", good.encode())},
    )
    assert dry.status_code == 200 and dry.json()["created"] == ["WT.IMP1"] and dry.json()["dry_run"] is True
    assert client.get("/api/agencies/WT.IMP1").status_code == 404
    done = client.post(
        "/agencies/import", data={"csrf_token": csrf}, files={"file": ("wt-good.csv", good.encode())}
    )
    assert done.status_code == 200 and "Đã nhập" in done.text
    assert client.get("/api/agencies/WT.IMP1").json()["agency"]["name_vi"] == "Ban Quản lý thử nghiệm"
    wrong_type = client.post(
        "/api/agencies/import", headers={"X-CSRF-Token": csrf}, files={"file": ("wt.exe", b"MZ")}
    )
    assert wrong_type.status_code == 422 and wrong_type.json()["ok"] is False


def test_a_date_filter_is_typed_dd_mm_yyyy_and_shown_back_so(client: TestClient) -> None:
    """Vietnamese users write 01/07/2025; the page filters by it and shows it back the same way."""
    typed = client.get("/agencies", params={"on": "01/07/2025"})
    iso = client.get("/agencies", params={"on": "2025-07-01"})
    assert typed.status_code == iso.status_code == 200
    assert 'name="on" value="01/07/2025"' in typed.text and 'placeholder="dd/mm/yyyy"' in typed.text
    assert client.get("/api/agencies", params={"on": "01/07/2025"}).json() == client.get(
        "/api/agencies", params={"on": "2025-07-01"}
    ).json()
    assert client.get("/api/agencies", params={"on": "31/02/2025"}).status_code == 422


def test_no_form_leaves_the_date_format_to_the_browser() -> None:
    """A native date input shows mm/dd/yyyy in a browser set to English; every date is typed dd/mm/yyyy."""
    native = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"type=\"?(date|datetime-local)\b", path.read_text(encoding="utf-8"))
    ]
    assert native == []
