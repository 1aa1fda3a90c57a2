"""The commune map: tiles without a boundary file, the secretariat's upload (CSRF, errors in place, the match
report), the choropleth linking scorecards, the JSON twin and the CSV of the same values."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from assess_helpers import FULL_VALUES
from fastapi.testclient import TestClient
from web_login import login_as

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.assessment import periods, review, submissions
from chiso.flows.scoring import publish_period
from chiso.store import init_database, session_scope
from chiso.store.models import GroupMember, PeerGroup
from chiso.units.admin import list_units
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.agencies import create_agency
from chiso.web.app import create_app

PERIOD = "MAP-2026"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three Đà Nẵng communes as agencies of one group, a published period, a secretariat user."""
    url = f"sqlite:///{tmp_path_factory.mktemp('map') / 'chiso.db'}"
    init_database(url)
    ensure_units_loaded(url, actor=SYSTEM)
    with session_scope(url) as s:
        group = PeerGroup(
            province_code="48", period="2026", code="PX", name_vi="Phường, xã", name_en="Communes"
        )
        s.add(group)
        s.flush()
        units = list_units(s, province_code="48", level="commune", on=date(2025, 7, 1), order="code")[:3]
        for unit in units:
            agency = create_agency(
                s, actor=SYSTEM, code=f"M.PX.{unit.code}", name_vi=f"UBND {unit.full_name.lower()}",
                kind="commune", province_code="48", admin_unit=unit, valid_from=date(2025, 7, 1),
            )  # fmt: skip
            s.add(GroupMember(group_id=group.id, agency_id=agency.id))
        now = clock.now()
        periods.open_period(
            s, code=PERIOD, name_vi="Kỳ bản đồ", province_code="48", period="2026", framework_id="danang-it",
            group_codes=["PX"], submission_deadline=now + timedelta(days=30),
            review_deadline=now + timedelta(days=60), actor=SYSTEM,
        )  # fmt: skip
        for i, unit in enumerate(units):
            code = f"M.PX.{unit.code}"
            extra = {"XH_TAI_KHOAN": {"value": 0.5 + 0.2 * i}, "XH_THANH_TOAN": {"value": 0.4}}
            values = {**FULL_VALUES, **extra}
            submissions.save_draft(s, period_code=PERIOD, agency_code=code, values=values, actor=SYSTEM)
            submissions.submit(s, period_code=PERIOD, agency_code=code, actor=SYSTEM)
            review.approve_submission(s, period_code=PERIOD, agency_code=code, actor=SYSTEM)
        publish_period(s, period_code=PERIOD, actor=SYSTEM)
        create_user(s, username="m_secretariat", full_name="Thư ký", password="mat-khau-thu-12345",
                    role="secretariat")  # fmt: skip
        return {"url": url, "units": [(u.code, u.full_name) for u in units]}


@pytest.fixture
def client(site: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", site["url"])
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path))
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def _geojson(site: dict[str, Any]) -> bytes:
    (a, _), (_, b_name), _ = site["units"]
    features = [
        {"ma_xa": a, "ten": "một"},
        {"TEN_XA": b_name},  # by its name only
        {"ten": "Xã Ngoài Tỉnh"},
    ]
    out = []
    for i, props in enumerate(features):
        x = 108 + 0.05 * i
        ring = [[x, 16.0], [x + 0.05, 16.0], [x + 0.05, 16.05], [x, 16.05], [x, 16.0]]
        out.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )
    return json.dumps({"type": "FeatureCollection", "features": out}, ensure_ascii=False).encode()


def test_without_a_map_each_unit_is_a_tile_with_its_published_total(client: TestClient) -> None:
    twin = client.get("/api/map").json()
    assert twin["source"] == "index" and twin["period"] == PERIOD and twin["map"] is None
    assert len(twin["units"]) == 3 and all(u["value"] is not None and u["band"] for u in twin["units"])
    html = client.get("/map").text
    assert html.count('class="tile"') == 3 and 'class="unit-map"' not in html
    for u in twin["units"]:
        assert f'href="/agencies/{u["agency_code"]}/scorecard?period={PERIOD}"' in html
    assert "Chú giải" in html and 'href="/map.csv?source=index' in html
    rows = list(csv.DictReader(io.StringIO(client.get(f"/map.csv?period={PERIOD}").text.lstrip("\ufeff"))))
    assert {r["agency_code"]: float(r["value"]) for r in rows} == {
        u["agency_code"]: u["value"] for u in twin["units"]
    }
    bands = client.get("/api/map?indicator=band").json()
    assert bands["with_data"] == 3
    assert client.get("/api/map?indicator=NOPE").status_code == 422
    assert client.get("/api/map?period=NOPE").status_code == 422


def test_the_upload_form_needs_its_csrf_token(client: TestClient, site: dict[str, Any]) -> None:
    login_as(client, site["url"], "m_secretariat")
    files = {"file": ("xa.geojson", _geojson(site), "application/geo+json")}
    assert client.post("/map/upload", files=files, follow_redirects=False).status_code == 403
    assert client.get("/api/map").json()["map"] is None


def test_a_bad_file_is_refused_in_place_and_nothing_is_kept(client: TestClient, site: dict[str, Any]) -> None:
    csrf = login_as(client, site["url"], "m_secretariat")
    bad = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point"}}]}'
    response = client.post(
        "/map/upload", data={"csrf_token": csrf}, files={"file": ("hong.geojson", bad, "application/json")}
    )
    assert response.status_code == 422
    assert "Point" in response.text and "feature 0" in response.text and 'name="file"' in response.text
    assert client.get("/api/map").json()["map"] is None


def test_the_uploaded_map_is_drawn_and_its_report_listed(client: TestClient, site: dict[str, Any]) -> None:
    csrf = login_as(client, site["url"], "m_secretariat")
    files = {"file": ("xa-phuong.geojson", _geojson(site), "application/geo+json")}
    response = client.post("/map/upload", data={"csrf_token": csrf}, files=files)
    assert response.status_code == 200 and "2 / 3" in response.text and "Xã Ngoài Tỉnh" in response.text
    login_as(client, site["url"], None)  # the map itself is public
    twin = client.get("/api/map").json()
    assert (twin["map"]["features"], twin["map"]["matched"]) == (3, 2)
    assert [(r["index"], r["label"]) for r in twin["map"]["unmatched"]] == [(2, "Xã Ngoài Tỉnh")]
    drawn = {u["agency_code"] for u in twin["units"] if u["path"]}
    (a, _), (b, _), _ = site["units"]
    assert drawn == {f"M.PX.{a}", f"M.PX.{b}"}
    html = client.get("/map?lang=en").text
    assert (
        len(
            re.findall(
                r'<a href="/agencies/M\.PX\.\d+/scorecard\?period=[^"]+" aria-label="[^"]+"><path ', html
            )
        )
        == 2
    )
    assert "Features that match no unit" in html and "Units not on the map" in html
    api = client.post("/api/map/upload", files=files)
    assert api.status_code in (401, 403)  # uploading is the secretariat's
