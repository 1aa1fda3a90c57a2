"""The catalogue's pages as each role sees them: the list with search, filters, paging and downloads, one
indicator with its chart and table read through the cube, the forms (refusals in place), bulk edit and the
workbook import with a dry run. The site is its own SQLite file with a small catalogue and a year of values.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import httpx
import openpyxl
import pytest
from catalogue_support import OWNER, small_catalogue
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_page_languages import UiText, is_vi
from web_login import login_as

from chiso import clock
from chiso.accounts.service import create_user
from chiso.indicators import periods
from chiso.store import init_database, session_scope
from chiso.store.models import Agency
from chiso.store.models.indicators import Indicator, IndicatorTarget, IndicatorValue
from chiso.web.app import create_app

ROLES = ("secretariat", "assessor", "reporter", "leader", "public")
COMMUNES = ("20194", "20197")


def _values(s) -> None:  # type: ignore[no-untyped-def]
    last = periods.period_of(clock.today(), "month")
    for i, period in enumerate(periods.span(periods.shift(last, -11), last)):
        for unit in COMMUNES:
            for code, value in (("DVC_HS_TONG", 100 + i), ("DVC_HS_TRUC_TUYEN", 40 + 2 * i)):
                s.add(
                    IndicatorValue(
                        indicator_code=code,
                        unit_code=unit,
                        period=period,
                        value=value,
                        status="entered",
                        channel="demo",
                        entered_by="system",
                        entered_at=clock.now(),
                    )
                )
    s.add(IndicatorTarget(indicator_code="DVC_TL_TRUC_TUYEN", unit_code=None, year=int(last[:4]), value=60))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('indicators') / 'chiso.db'}"
    init_database(url)
    with session_scope(url) as s:
        small_catalogue(s)
        owner = s.scalar(select(Agency.id).where(Agency.code == OWNER))
        for role in ROLES:
            create_user(
                s,
                username=f"ip_{role}",
                full_name=f"Người thử {role}",
                password="mat-khau-thu-12345",
                role=role,
                province_code="48",
                agency_id=owner if role == "reporter" else None,
            )
        _values(s)
    return url


@pytest.fixture
def client(site: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def _as(client: TestClient, site: str, role: str | None) -> str:
    return login_as(client, site, None if role is None else f"ip_{role}")


def _form(
    client: TestClient, url: str, csrf: str, data: dict[str, str] | list[tuple[str, str]]
) -> httpx.Response:
    fields: dict[str, list[str]] = {"csrf_token": [csrf]}
    for key, value in data.items() if isinstance(data, dict) else data:
        fields.setdefault(key, []).append(value)
    answer: httpx.Response = client.post(
        url, data=fields, headers={"X-Chiso-Form": "1"}, follow_redirects=False
    )
    return answer


def test_the_list_searches_filters_pages_and_downloads(client: TestClient, site: str) -> None:
    _as(client, site, "reporter")
    page = client.get("/indicators", params={"q": "truc tuyen"})
    assert (
        page.status_code == 200
        and "Số hồ sơ nộp trực tuyến" in page.text
        and "Số hộ gia đình" not in page.text
    )
    assert 'name="code"' not in page.text  # a reporter sees no bulk edit
    data = client.get("/api/indicators", params={"source": "formula"}).json()
    assert [i["code"] for i in data["items"]] == ["DVC_TL_TRUC_TUYEN"] and data["total"] == 1
    paged = client.get("/api/indicators", params={"page_size": 2, "page": 3}).json()
    assert (paged["page"], paged["pages"], len(paged["items"])) == (3, 3, 1)
    level = client.get("/api/indicators", params={"level": "commune", "period_type": "quarter"}).json()
    assert [i["code"] for i in level["items"]] == ["HT_CAP_QUANG_HO", "HT_SO_HO"]
    fragment = client.get("/indicators", params={"folder": "HA_TANG_CNTT"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="catalogue"') and "HT_SO_HO" in fragment.text
    csv = client.get("/indicators.csv", params={"folder": "HA_TANG_CNTT"})
    assert csv.status_code == 200 and csv.text.count("\n") == 3 and "HT_SO_HO" in csv.text
    book = openpyxl.load_workbook(io.BytesIO(client.get("/indicators.xlsx").content))
    assert book.active.max_row == 6
    full = openpyxl.load_workbook(io.BytesIO(client.get("/indicators/catalogue.xlsx").content))
    assert full.sheetnames == ["chi_tieu", "thu_muc", "huong_dan"]


def test_english_list_names_codes_in_words(client: TestClient, site: str) -> None:
    _as(client, site, "leader")
    page = client.get("/indicators", params={"lang": "en"})
    assert "Indicator catalogue" in page.text and "Formula" in page.text and "Commune" in page.text


def test_an_indicator_shows_its_rule_formula_chart_and_table(client: TestClient, site: str) -> None:
    _as(client, site, "leader")
    page = client.get("/indicators/DVC_TL_TRUC_TUYEN")
    assert page.status_code == 200
    assert "DVC_HS_TRUC_TUYEN / DVC_HS_TONG * 100" in page.text and "<svg" in page.text
    data = client.get("/api/indicators/DVC_TL_TRUC_TUYEN").json()
    assert len(data["series"]) == 12 and data["series"][-1]["target"] == 60
    first, last = data["series"][0], data["series"][-1]
    assert first["value"] == pytest.approx(40 / 100 * 100) and last["value"] == pytest.approx(62 / 111 * 100)
    assert {r["code"]: r["role"] for r in data["related"]} == {
        "DVC_HS_TRUC_TUYEN": "operand",
        "DVC_HS_TONG": "operand",
    }
    assert "55,86" in page.text  # 62 / 111 * 100 in Vietnamese figures
    weighted = client.get("/api/indicators/HT_SO_HO").json()
    assert weighted["related"] == [
        {"code": "HT_CAP_QUANG_HO", "name_vi": "Tỷ lệ hộ có cáp quang", "name_en": None, "role": "used_by"}
    ]
    assert all(p["value"] is None for p in weighted["series"])
    empty = client.get("/indicators/HT_SO_HO")
    assert "—" in empty.text and "<svg" not in empty.text
    series = client.get("/indicators/DVC_TL_TRUC_TUYEN/series.csv")
    assert series.status_code == 200 and series.text.count("\n") == 13
    assert client.get("/indicators/KHONG_CO").status_code == 404
    assert client.get("/api/indicators/KHONG_CO").json()["ok"] is False


def test_only_the_secretariat_edits(client: TestClient, site: str) -> None:
    for role in ("leader", "reporter", "assessor"):
        csrf = _as(client, site, role)
        assert client.get("/indicators/new").status_code == 403
        assert client.get("/indicators/HT_SO_HO/edit").status_code == 403
        assert client.get("/indicators/import").status_code == 403
        refused = _form(client, "/indicators/bulk", csrf, [("code", "HT_SO_HO"), ("active", "0")])
        assert refused.status_code == 403
    _as(client, site, None)
    assert client.get("/api/indicators").status_code == 401
    assert client.get("/indicators", follow_redirects=False).status_code == 303


def test_create_refused_in_place_then_saved(client: TestClient, site: str) -> None:
    csrf = _as(client, site, "secretariat")
    assert "Thêm chỉ tiêu" in client.get("/indicators/new").text
    bad = {
        "code": "DVC_TL_MOI",
        "name_vi": "Tỷ lệ mới",
        "source": "formula",
        "formula": "DVC_HS_TONG / KHONG_CO",
        "aggregation": "sum",
        "value_type": "percent",
        "period_type": "month",
        "level": "province",
    }
    refused = _form(client, "/indicators", csrf, bad)
    assert refused.status_code == 422
    body = refused.json()
    assert body["ok"] is False and body["errors"][0]["field"] == "formula" and "KHONG_CO" in body["error"]
    typo = _form(client, "/indicators", csrf, {**bad, "code": "sai ma", "formula": ""})
    assert typo.json()["errors"][0]["field"] == "code"
    good = {
        **bad,
        "formula": "DVC_HS_TRUC_TUYEN / DVC_HS_TONG",
        "min_value": "0",
        "max_value": "1,5",
        "active": "1",
    }
    saved = _form(client, "/indicators", csrf, good)
    assert saved.status_code == 303 and saved.headers["location"] == "/indicators/DVC_TL_MOI"
    data = client.get("/api/indicators/DVC_TL_MOI").json()["indicator"]
    assert (data["max_value"], data["active"], data["higher_is_better"]) == (1.5, True, False)


def test_edit_keeps_the_code_and_audits(client: TestClient, site: str) -> None:
    csrf = _as(client, site, "secretariat")
    form = client.get("/api/indicators/HT_SO_HO/edit").json()
    assert form["indicator"]["code"] == "HT_SO_HO" and "DICH_VU_CONG" in {f["code"] for f in form["folders"]}
    entry = {
        k: ("1" if v is True else "" if v in (None, False) else str(v)) for k, v in form["indicator"].items()
    }
    changed = _form(client, "/indicators/HT_SO_HO", csrf, {**entry, "name_en": "Households"})
    assert changed.status_code == 303
    assert client.get("/api/indicators/HT_SO_HO").json()["indicator"]["name_en"] == "Households"
    assert "Households" in client.get("/indicators/HT_SO_HO/edit").text


def test_bulk_edit_of_selected_codes(client: TestClient, site: str) -> None:
    csrf = _as(client, site, "secretariat")
    page = client.get("/indicators")
    assert 'name="code" value="HT_SO_HO"' in page.text
    done = _form(
        client,
        "/indicators/bulk",
        csrf,
        [
            ("code", "DVC_HS_TONG"),
            ("code", "DVC_HS_TRUC_TUYEN"),
            ("folder_code", "HA_TANG_CNTT"),
            ("owner_agency_code", ""),
            ("active", ""),
            ("needs_approval", "1"),
            ("back", "folder=DICH_VU_CONG&q=<x>"),
        ],
    )
    assert done.status_code == 303 and done.headers["location"] == "/indicators?folder=DICH_VU_CONG"
    with session_scope(site) as s:
        rows = s.scalars(select(Indicator).where(Indicator.code.in_(["DVC_HS_TONG", "DVC_HS_TRUC_TUYEN"])))
        assert {(r.folder_code, r.needs_approval, r.owner_agency_code) for r in rows} == {
            ("HA_TANG_CNTT", True, OWNER)
        }
    nothing = _form(client, "/indicators/bulk", csrf, [("code", "HT_SO_HO"), ("folder_code", "__keep__")])
    assert nothing.status_code == 422
    unknown = _form(
        client, "/indicators/bulk", csrf, [("code", "HT_SO_HO"), ("owner_agency_code", "KHONG.CO")]
    )
    assert unknown.json()["errors"][0]["field"] == "owner_agency_code"


def test_folder_form(client: TestClient, site: str) -> None:
    csrf = _as(client, site, "secretariat")
    saved = _form(
        client, "/indicators/folders", csrf, {"code": "XA_HOI_SO", "name_vi": "Xã hội số", "position": "5"}
    )
    assert saved.status_code == 303
    assert "Xã hội số" in client.get("/indicators").text
    bad = _form(client, "/indicators/folders", csrf, {"code": "xa hoi", "name_vi": "Sai"})
    assert bad.status_code == 422


def test_import_page_dry_run_then_import(client: TestClient, site: str) -> None:
    csrf = _as(client, site, "secretariat")
    page = client.get("/indicators/import")
    assert page.status_code == 200 and "/indicators/template.xlsx" in page.text
    book = openpyxl.load_workbook(io.BytesIO(client.get("/indicators/template.xlsx").content))
    header = [c.value for c in book["chi_tieu"][1]]
    row = {
        "code": "KTS_DN_NEN_TANG_SO",
        "name_vi": "Tỷ lệ doanh nghiệp dùng nền tảng số",
        "value_type": "percent",
        "period_type": "quarter",
        "aggregation": "none",
    }
    book["chi_tieu"].append([row.get(name) for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = {"file": ("danh-muc.xlsx", buffer.getvalue(), "application/octet-stream")}
    dry = client.post("/indicators/import", data={"csrf_token": csrf, "dry_run": "1"}, files=upload)
    assert dry.status_code == 200 and "Kiểm tra thử" in dry.text and "KTS_DN_NEN_TANG_SO" in dry.text
    assert client.get("/api/indicators/KTS_DN_NEN_TANG_SO").status_code == 404
    done = client.post("/indicators/import", data={"csrf_token": csrf}, files=upload)
    assert done.status_code == 200 and "Đã nhập xong" in done.text
    assert client.get("/api/indicators/KTS_DN_NEN_TANG_SO").status_code == 200
    book["chi_tieu"].append(["SAI MA"])
    buffer = io.BytesIO()
    book.save(buffer)
    bad = client.post(
        "/indicators/import",
        data={"csrf_token": csrf},
        headers={"X-Chiso-Form": "1"},
        files={"file": ("sai.xlsx", buffer.getvalue(), "application/octet-stream")},
    )
    assert bad.status_code == 422
    located = {(e["row"], e["column"]) for e in bad.json()["errors"]}
    assert (3, "A (code)") in located and (3, "B (name_vi)") in located
    assert re.search(r"sai\.xlsx", bad.json()["error"])


def test_nav_links_the_catalogue_for_staff_only(client: TestClient, site: str) -> None:
    _as(client, site, "reporter")
    assert 'href="/indicators"' in client.get("/").text
    _as(client, site, "public")
    assert 'href="/indicators"' not in client.get("/").text


@pytest.mark.parametrize(
    "path",
    ["/indicators", "/indicators/DVC_TL_TRUC_TUYEN", "/indicators/HT_CAP_QUANG_HO/edit", "/indicators/new",
     "/indicators/import"],
)  # fmt: skip
def test_every_catalogue_page_speaks_english_in_english(client: TestClient, site: str, path: str) -> None:
    _as(client, site, "secretariat")
    page = client.get(path, params={"lang": "en"})
    assert page.status_code == 200
    parser = UiText()
    parser.feed(page.text)
    assert [(tag, text) for tag, text in parser.found if is_vi(text)] == []
