"""The dashboard pages: list, a dashboard and its JSON twin, route x role, sharing that fails closed, the
builder's save (a new version) and restore, the drill-down, the embed, CSV, PDF and PNG downloads.

The site is its own SQLite file: the real units, one agency (so the province is Đà Nẵng), one user per role,
catalogue rows and values written straight into the store (tests/dashboard_fixtures.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from dashboard_fixtures import add_indicator, put, target
from demo_site import SCREENSHOTS
from fastapi.testclient import TestClient
from test_page_languages import UiText, is_vi
from web_login import login_as

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.indicators import dashboards as boards
from chiso.store import init_database, session_scope
from chiso.units.admin import list_units
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.agencies import create_agency
from chiso.web.app import create_app

ROLES = ("secretariat", "assessor", "reporter", "leader", "public")
PASSWORD = "mat-khau-thu-12345"


def _spec(items: list[dict[str, Any]]) -> boards.DashboardSpec:
    return boards.DashboardSpec(
        items=boards.place_items([boards.DashboardItem.model_validate(i) for i in items])
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('dashboards') / 'chiso.db'}"
    init_database(url)
    ensure_units_loaded(url, actor=SYSTEM)
    with session_scope(url) as s:
        so = create_agency(
            s, actor=SYSTEM, code="TD.SO", name_vi="Sở thử", kind="department", province_code="48"
        )
        units = list_units(s, province_code="48", level="commune", on=clock.today())[:2]
        for unit in units:  # commune committees: the map draws their tiles
            create_agency(s, actor=SYSTEM, code=f"TD.PX.{unit.code}", name_vi=f"UBND {unit.full_name}",
                          kind="commune", province_code="48", admin_unit=unit)  # fmt: skip
        communes = [u.code for u in units]
        for role in ROLES:
            agency = so.id if role == "reporter" else None
            create_user(
                s, username=f"db_{role}", full_name=role, password=PASSWORD, role=role, agency_id=agency
            )
        add_indicator(s, "TD_HS", name_vi="Hồ sơ tiếp nhận")
        add_indicator(s, "TD_TL", name_vi="Tỷ lệ trực tuyến thử", value_type="percent", aggregation="mean")
        month = clock.today().strftime("%Y-%m")
        for unit, value in zip(communes, (40.0, 70.0), strict=True):
            put(s, "TD_HS", unit, month, value * 10)
            put(s, "TD_TL", unit, month, value)
        target(s, "TD_TL", clock.today().year, 60)
        items = [
            {"id": "t", "kind": "tile", "indicators": ["TD_TL"], "w": 4},
            {"id": "l", "kind": "line", "indicators": ["TD_HS"], "w": 8, "h": 2},
            {"id": "r", "kind": "ranking", "indicators": ["TD_TL"], "w": 6, "h": 2},
            {"id": "m", "kind": "map", "indicators": ["TD_TL"], "w": 6, "h": 2},
            {"id": "s", "kind": "stacked", "indicators": ["TD_HS", "TD_TL"], "w": 12, "h": 2},
            {"id": "n", "kind": "text", "text": "Ghi chú công khai", "w": 12},
        ]
        public = boards.create_dashboard(
            s,
            data=boards.DashboardIn(title_vi="Bảng công khai", sharing="public", spec=_spec(items)),
            actor=SYSTEM,
        )
        private = boards.create_dashboard(
            s, data=boards.DashboardIn(title_vi="Bảng lãnh đạo", roles=["leader"], spec=_spec(items[:1])),
            actor=SYSTEM,
        )  # fmt: skip
        return {"url": url, "public": public.id, "private": private.id, "communes": communes, "month": month}


@pytest.fixture
def client(site: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", site["url"])
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def _as(client: TestClient, site: dict[str, Any], role: str | None) -> str:
    return login_as(client, site["url"], None if role is None else f"db_{role}")


@pytest.mark.parametrize("path", ["/dashboards", "/dashboards/{public}", "/dashboards/{public}/drill?item=r"])
def test_a_page_and_its_twin_show_the_same(client: TestClient, site: dict[str, Any], path: str) -> None:
    _as(client, site, "leader")
    url = path.format(**site)
    html = client.get(url)
    assert html.status_code == 200, html.text[:400]
    assert 'rel="alternate" type="application/json"' in html.text and "Bảng công khai" in html.text
    twin = client.get("/api" + url)
    asked = client.get(url, headers={"Accept": "application/json"})
    assert twin.status_code == 200 and asked.json() == twin.json()


def test_a_dashboard_draws_every_item_with_its_numbers(client: TestClient, site: dict[str, Any]) -> None:
    _as(client, site, None)
    page = client.get(f"/dashboards/{site['public']}")
    assert page.status_code == 200
    for kind in ("tile", "line", "ranking", "map", "stacked", "text"):
        assert f"kind-{kind}" in page.text
    assert page.text.count('class="tile"') == 2 and f"unit={site['communes'][1]}" in page.text  # map tiles
    stacked = page.text.split('id="item-s"', 1)[1].split("</section>", 1)[0]
    assert stacked.count("<rect") >= 2  # one column of two stacked parts in this month
    assert "55,0%" in page.text and "Chưa đạt chỉ tiêu" in page.text  # mean 55 against a target of 60
    assert "70,0%" in page.text and "—" in page.text  # ranked communes, then those without data
    assert page.text.count("<svg") >= 1 and "Ghi chú công khai" in page.text
    data = client.get(f"/api/dashboards/{site['public']}").json()
    ranking = next(i for i in data["items"] if i["id"] == "r")["units"]
    assert [u["rank"] for u in ranking[:2]] == [1, 2] and ranking[2]["value"] is None
    total = next(i for i in data["items"] if i["id"] == "r")["unit_total"]
    shown = page.text.split('id="item-r"', 1)[1].split("</section>", 1)[0]
    assert len(ranking) == 15 < total and shown.count("<tr") == 1 + 15  # the first 15 of every commune
    assert f"Hiện 15 trên {total} đơn vị" in shown and f"{total - 2} đơn vị chưa có số liệu" in shown
    csv = client.get(f"/dashboards/{site['public']}/items/r.csv").text
    assert len(csv.strip().splitlines()) == 1 + total  # the download holds every unit
    one = client.get(f"/api/dashboards/{site['public']}?unit={site['communes'][0]}").json()
    assert one["items"][0]["tile"]["value"] == 40 and one["items"][0]["scope"] == "unit"


@pytest.mark.parametrize(
    ("role", "list_status", "private_status", "edit_status"),
    [
        (None, 200, 404, 303),  # the builder sends a visitor to the login page
        ("public", 200, 403, 403),
        ("reporter", 200, 403, 403),
        ("assessor", 200, 403, 403),
        ("leader", 200, 200, 403),
        ("secretariat", 200, 200, 200),
    ],
)
def test_route_by_role_and_a_private_dashboard_fails_closed(
    client: TestClient, site: dict[str, Any], role: str | None, list_status: int, private_status: int,
    edit_status: int,
) -> None:  # fmt: skip
    _as(client, site, role)
    listed = client.get("/api/dashboards")
    assert listed.status_code == list_status
    ids = [d["id"] for d in listed.json()["dashboards"]]
    assert (site["private"] in ids) == (private_status == 200) and site["public"] in ids
    assert client.get(f"/api/dashboards/{site['private']}").status_code == private_status
    assert client.get(f"/dashboards/{site['private']}.pdf").status_code == private_status
    assert client.get(f"/dashboards/{site['private']}/items/t.csv").status_code == private_status
    assert client.get(f"/dashboards/{site['public']}/edit", follow_redirects=False).status_code == edit_status
    assert client.get("/dashboards/new", follow_redirects=False).status_code == edit_status
    assert client.get(f"/api/dashboards/{site['public']}/edit").status_code == (
        401 if role is None else edit_status
    )


def _builder_form(csrf: str, **extra: Any) -> dict[str, Any]:
    return {
        "csrf_token": csrf, "title_vi": "Bảng dựng thử", "sharing": "roles", "roles": ["leader"],
        "items-0-kind": "tile", "items-0-indicators": "TD_TL", "items-0-w": "4", "items-0-h": "1",
        "items-1-kind": "bar", "items-1-indicators": ["TD_HS", "TD_TL"], "items-1-w": "8", "items-1-h": "2",
        "items-1-periods": "6", "items-2-kind": "", **extra,
    }  # fmt: skip


def test_the_builder_saves_versions_and_restores(client: TestClient, site: dict[str, Any]) -> None:
    csrf = _as(client, site, "secretariat")
    made = client.post("/dashboards/new", data=_builder_form(csrf), follow_redirects=False)
    assert made.status_code == 303, made.text[:400]
    board = int(made.headers["location"].rsplit("/", 1)[1])
    spec = client.get(f"/api/dashboards/{board}").json()["dashboard"]
    assert [(i["kind"], i["x"], i["y"], i["w"]) for i in spec["spec"]["items"]] == [
        ("tile", 0, 0, 4),
        ("bar", 4, 0, 8),
    ]
    edit = client.get(f"/dashboards/{board}/edit")
    assert edit.status_code == 200 and "Tỷ lệ trực tuyến thử" in edit.text  # indicators chosen by name
    moved = _builder_form(
        csrf, **{"items-0-order": "2", "items-1-order": "1", "items-0-id": "i1", "items-1-id": "i2"}
    )
    assert client.post(f"/dashboards/{board}/edit", data=moved, follow_redirects=False).status_code == 303
    after = client.get(f"/api/dashboards/{board}").json()["dashboard"]
    assert after["version"] == 2 and [i["kind"] for i in after["spec"]["items"]] == ["bar", "tile"]
    restored = client.post(f"/dashboards/{board}/restore", data={"csrf_token": csrf, "version": "1"},
                           follow_redirects=False)  # fmt: skip
    assert restored.status_code == 303
    final = client.get(f"/api/dashboards/{board}/edit").json()
    assert final["dashboard"]["version"] == 3 and [v["version"] for v in final["versions"]] == [3, 2, 1]
    assert [i["kind"] for i in final["dashboard"]["spec"]["items"]] == ["tile", "bar"]
    removed = _builder_form(csrf, **{"items-0-id": "i1", "items-1-id": "i2", "items-1-remove": "1"})
    assert client.post(f"/dashboards/{board}/edit", data=removed, follow_redirects=False).status_code == 303
    left = client.get(f"/api/dashboards/{board}").json()["dashboard"]
    assert left["version"] == 4 and [i["id"] for i in left["spec"]["items"]] == ["i1"]


def test_a_wrong_builder_form_is_refused_in_place_naming_its_field(
    client: TestClient, site: dict[str, Any]
) -> None:
    csrf = _as(client, site, "secretariat")
    form = _builder_form(csrf, **{"items-0-indicators": ""})
    refused = client.post("/dashboards/new", data=form, headers={"X-Chiso-Form": "1"}, follow_redirects=False)
    assert refused.status_code == 422
    body = refused.json()
    assert body["ok"] is False and body["errors"][0]["field"] == "items-0-indicators"
    assert client.post("/dashboards/new", data={**form, "csrf_token": "x"}).status_code == 403  # CSRF
    _as(client, site, "leader")
    assert client.post(f"/dashboards/{site['public']}/restore", data={"version": "1"}).status_code == 403


def test_drill_down_csv_embed_pdf_and_png(client: TestClient, site: dict[str, Any]) -> None:
    _as(client, site, None)
    drill = client.get(f"/api/dashboards/{site['public']}/drill?item=r").json()
    assert drill["with_data"] == 2 and drill["units"][0]["value"] == 70 and drill["units"][-1]["rank"] is None
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/dashboards/{site['public']}/items/r.csv").text.lstrip("\ufeff"))
        )
    )
    assert rows[0]["value"] == "70.0" and rows[-1]["value"] == ""
    excel = client.get(f"/dashboards/{site['public']}/items/r.xlsx")
    assert excel.status_code == 200 and excel.content.startswith(b"PK")
    embed = client.get(f"/dashboards/{site['public']}/embed")
    assert embed.status_code == 200 and "frame-ancestors" in embed.headers["content-security-policy"]
    assert "<nav" not in embed.text and "Ghi chú công khai" in embed.text
    assert client.get(f"/dashboards/{site['private']}/embed").status_code == 404
    pdf = client.get(f"/dashboards/{site['public']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    png = client.get(f"/dashboards/{site['public']}.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # looked at: the poster and the print of the same grid
    (SCREENSHOTS / "dashboard-export.png").write_bytes(png.content)
    (SCREENSHOTS.parent / "dashboard-export.pdf").write_bytes(pdf.content)
    assert client.get(f"/dashboards/{site['public']}?period=2026-13").status_code == 422


def test_the_json_api_creates_and_saves_a_spec_and_refuses_overlaps(
    client: TestClient, site: dict[str, Any]
) -> None:
    tile = {"kind": "tile", "indicators": ["TD_TL"], "w": 6}
    body = {"title_vi": "Bảng qua API", "sharing": "public", "spec": {"items": [{"id": "a", **tile}]}}
    csrf = _as(client, site, "leader")
    assert client.post("/api/dashboards", json=body, headers={"X-CSRF-Token": csrf}).status_code == 403
    csrf = _as(client, site, "secretariat")
    headers = {"X-CSRF-Token": csrf}
    made = client.post("/api/dashboards", json=body, headers=headers)
    assert made.status_code == 200 and made.json()["version"] == 1
    overlap = {**body, "spec": {"items": [{"id": "a", **tile}, {"id": "b", "x": 3, **tile}]}}
    refused = client.put(f"/api/dashboards/{made.json()['id']}", json=overlap, headers=headers)
    assert refused.status_code == 422 and "overlap" in refused.text
    beside = {**body, "spec": {"items": [{"id": "a", **tile}, {"id": "b", "x": 6, **tile}]}}
    saved = client.put(f"/api/dashboards/{made.json()['id']}", json=beside, headers=headers)
    assert saved.status_code == 200 and saved.json()["version"] == 2


@pytest.mark.parametrize(
    "path", ["/dashboards", "/dashboards/new", "/dashboards/{public}", "/dashboards/{public}/edit",
             "/dashboards/{public}/drill?item=r"],
)  # fmt: skip
def test_the_pages_speak_english_in_english(client: TestClient, site: dict[str, Any], path: str) -> None:
    _as(client, site, "secretariat")
    url = path.format(**site)
    page = client.get(url + ("&" if "?" in url else "?") + "lang=en")
    assert page.status_code == 200
    parser = UiText()
    parser.feed(page.text)
    assert [(tag, text) for tag, text in parser.found if is_vi(text)] == []
