"""Every page and its JSON twin, from the one route that serves both: same data, alternate link, Accept.

The table below must name a sample URL for every page registered with `@page` (chiso.web.pages.PAGES);
a page added without one fails `test_every_page_is_in_the_table`. The site is its own SQLite file: the
real units, a small province, a published period and an open one, one user per role.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from assess_helpers import FULL_VALUES
from dashboard_fixtures import add_indicator
from fastapi.testclient import TestClient
from web_login import login_as

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.assessment import periods, review, submissions
from chiso.flows import appeals
from chiso.flows.scoring import publish_period
from chiso.followup import plans, requests, targets
from chiso.indicators import catalogue, dashboards
from chiso.indicators.schemas import IndicatorIn
from chiso.store import init_database, session_scope
from chiso.store.models import Agency, GroupMember, PeerGroup
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.text import fold
from chiso.web.app import create_app
from chiso.web.pages import PAGES, PageInfo

PAST, OPEN = "TW-2025", "TW-2026"
AGENCIES = {"TW.A": "Sở Thử Một", "TW.B": "Sở Thử Hai"}

# page URL, its JSON twin, the role that opens it, a text both show (None: the page has no text of its own).
TABLE: list[tuple[str, str, str, str | None]] = [
    ("/", "/api", "leader", "chiso"),
    ("/account", "/api/me", "leader", "tw_leader"),
    ("/units?q=da+nang&level=province", "/api/units?q=da+nang&level=province", "public", "Đà Nẵng"),
    ("/units/48?level=province", "/api/units/48?level=province", "public", "Quảng Nam"),
    ("/agencies?q=thu+mot", "/api/agencies?q=thu+mot", "public", "Sở Thử Một"),
    ("/agencies/TW.A", "/api/agencies/TW.A", "public", "Sở Thử Một"),
    (
        f"/agencies/TW.A/scorecard?period={PAST}",
        f"/api/agencies/TW.A/scorecard?period={PAST}",
        "public",
        "Sở Thử Một",
    ),
    (
        f"/agencies/TW.A/scorecard/whatif?period={PAST}&c.HT_MANG=1",
        f"/api/agencies/TW.A/scorecard/whatif?period={PAST}&c.HT_MANG=1",
        "public",
        "TW.A",
    ),
    ("/assessment", "/api/assessment", "leader", OPEN),
    (f"/assessment/{OPEN}", f"/api/assessment/{OPEN}", "assessor", "Sở Thử Hai"),
    ("/assessment/review", "/api/assessment/review", "assessor", "Sở Thử Hai"),
    (f"/assessment/{OPEN}/agencies/TW.A", f"/api/assessment/{OPEN}/agencies/TW.A", "reporter", "Sở Thử Một"),
    (
        f"/assessment/{OPEN}/agencies/TW.A/history/HT_MANG",
        f"/api/assessment/{OPEN}/agencies/TW.A/history/HT_MANG",
        "reporter",
        "Sở Thử Một",
    ),
    (
        f"/assessment/{OPEN}/agencies/TW.A/receipt",
        f"/api/assessment/{OPEN}/agencies/TW.A/receipt",
        "reporter",
        "Sở Thử Một",
    ),
    (f"/assessment/{OPEN}/computed", f"/api/assessment/{OPEN}/computed", "assessor", OPEN),
    (
        f"/assessment/{PAST}/preview?group=SBN",
        f"/api/assessment/{PAST}/preview?group=SBN",
        "secretariat",
        "Sở Thử Hai",
    ),  # fmt: skip
    (f"/assessment/{OPEN}/workbench", f"/api/assessment/{OPEN}/workbench", "secretariat", "Sở Thử Hai"),
    (
        f"/assessment/{PAST}/ranking-preview",
        f"/api/assessment/{PAST}/ranking-preview",
        "secretariat",
        "Sở Thử Hai",
    ),
    ("/rankings", "/api/rankings", "public", PAST),
    (f"/rankings/{PAST}?group=SBN", f"/api/rankings/{PAST}?group=SBN", "public", "Sở Thử Một"),
    (f"/rankings/{PAST}/sensitivity", f"/api/rankings/{PAST}/sensitivity", "secretariat", "danang-it"),
    (
        f"/assessment/{OPEN}/agencies/TW.A/whatif",
        f"/api/assessment/{OPEN}/agencies/TW.A/whatif",
        "reporter",
        "TW.A",
    ),  # fmt: skip
    ("/audit?action=submission.", "/api/audit?action=submission.", "leader", "submission.submit"),
    ("/users?role=assessor", "/api/users?role=assessor", "secretariat", "tw_assessor"),
    ("/users/tw_reporter", "/api/users/tw_reporter", "secretariat", "TW.A"),
    ("/frameworks", "/api/frameworks", "leader", "danang-it@"),
    ("/frameworks/danang-it", "/api/frameworks/danang-it", "assessor", "danang-it@"),
    ("/frameworks/danang-it/compare", "/api/frameworks/danang-it/compare", "leader", "danang-it@"),
    ("/monitoring/live", "/api/monitoring/live", "public", None),
    ("/dashboard", "/api/dashboard", "leader", "Điểm Bộ chỉ số 766"),
    ("/monitoring/drill", "/api/monitoring/drill", "public", "Toàn tỉnh"),
    ("/monitoring/drill/TIMELINESS_GROUP", "/api/monitoring/drill/TIMELINESS_GROUP", "public", "Sở Thử Một"),
    (
        "/monitoring/drill/TIMELINESS_GROUP/TW.A",
        "/api/monitoring/drill/TIMELINESS_GROUP/TW.A",
        "public",
        "Sở Thử Một",
    ),
    (
        "/monitoring/drill/TIMELINESS_GROUP/TW.A/TIMELINESS",
        "/api/monitoring/drill/TIMELINESS_GROUP/TW.A/TIMELINESS",
        "leader",
        "Sở Thử Một",
    ),
    (
        "/monitoring/drill/TIMELINESS_GROUP/TW.A/TIMELINESS/P1",
        "/api/monitoring/drill/TIMELINESS_GROUP/TW.A/TIMELINESS/P1",
        "leader",
        "Sở Thử Một",
    ),
    (f"/rankings/{PAST}/drill", f"/api/rankings/{PAST}/drill", "public", "Toàn tỉnh"),
    (f"/rankings/{PAST}/drill/SBN", f"/api/rankings/{PAST}/drill/SBN", "public", "Sở Thử Một"),
    (f"/rankings/{PAST}/drill/SBN/TW.A", f"/api/rankings/{PAST}/drill/SBN/TW.A", "public", "Sở Thử Một"),
    (
        f"/rankings/{PAST}/drill/SBN/TW.A/HA_TANG",
        f"/api/rankings/{PAST}/drill/SBN/TW.A/HA_TANG",
        "public",
        None,
    ),
    (
        f"/rankings/{PAST}/drill/SBN/TW.A/HA_TANG/HT_MANG",
        f"/api/rankings/{PAST}/drill/SBN/TW.A/HA_TANG/HT_MANG",
        "public",
        "Sở Thử Một",
    ),
    ("/monitoring/reconcile", "/api/monitoring/reconcile", "leader", None),
    ("/targets", "/api/targets", "leader", "ONLINE_L34"),
    ("/alerts", "/api/alerts", "leader", None),
    ("/requests", "/api/requests", "reporter", "Giải trình tỷ lệ đúng hạn"),
    ("/requests/1", "/api/requests/1", "reporter", "Giải trình tỷ lệ đúng hạn"),
    ("/plans", "/api/plans", "reporter", "Số hóa hồ sơ một cửa"),
    ("/notifications", "/api/notifications", "reporter", "Giải trình tỷ lệ đúng hạn"),
    ("/notifications/outbox", "/api/notifications/outbox", "secretariat", None),
    (f"/rankings/{PAST}/report", f"/api/rankings/{PAST}/report", "secretariat", "Sở Thử Một"),
    ("/open-data", "/api/open-data", "public", PAST),
    (f"/map?period={PAST}", f"/api/map?period={PAST}", "public", PAST),
    ("/appeals?status=all", "/api/appeals?status=all", "reporter", "Sở Thử Một"),
    ("/appeals/1", "/api/appeals/1", "assessor", "Đề nghị phúc khảo"),
    (f"/assessment/{PAST}/results", f"/api/assessment/{PAST}/results", "reporter", "Sở Thử Một"),
    (f"/assessment/{PAST}/appeals", f"/api/assessment/{PAST}/appeals", "secretariat", PAST),
    ("/indicators?q=ho+so", "/api/indicators?q=ho+so", "leader", "TW_HS_TONG"),
    ("/indicators/TW_HS_TONG", "/api/indicators/TW_HS_TONG", "reporter", "Tổng số hồ sơ thử"),
    ("/indicators/TW_HS_TONG/edit", "/api/indicators/TW_HS_TONG/edit", "secretariat", "TW_HS_TONG"),
    ("/indicators/new", "/api/indicators/new", "secretariat", None),
    ("/indicators/import", "/api/indicators/import", "secretariat", "owner_agency_code"),
    ("/indicators/values", "/api/indicators/values", "secretariat", None),
    ("/indicators/progress?period=2025-Q1", "/api/indicators/progress?period=2025-Q1", "leader", "2025-Q1"),
    ("/indicators/approvals", "/api/indicators/approvals", "leader", None),
    ("/dashboards", "/api/dashboards", "public", "Bảng thử công khai"),
    ("/dashboards/new", "/api/dashboards/new", "secretariat", None),
    ("/dashboards/1", "/api/dashboards/1", "public", "Bảng thử công khai"),
    ("/dashboards/1/edit", "/api/dashboards/1/edit", "secretariat", "Bảng thử công khai"),
    ("/dashboards/1/drill?item=r", "/api/dashboards/1/drill?item=r", "public", "Bảng thử công khai"),
]


def _province(s) -> None:  # type: ignore[no-untyped-def]
    group = PeerGroup(province_code="48", period="2026", code="SBN", name_vi="Sở, ban, ngành")
    s.add(group)
    s.flush()
    ids = {}
    for code, name in AGENCIES.items():
        agency = Agency(code=code, name_vi=name, name_ascii=fold(name), kind="department", province_code="48")
        s.add(agency)
        s.flush()
        s.add(GroupMember(group_id=group.id, agency_id=agency.id))
        ids[code] = agency.id
    for role in ("secretariat", "assessor", "reporter", "leader", "public"):
        create_user(
            s, username=f"tw_{role}", full_name=f"Người thử {role}", password="mat-khau-thu-12345", role=role,
            agency_id=ids["TW.A"] if role == "reporter" else None, province_code="48",
        )  # fmt: skip


def _period(s, code: str, *, finish: bool) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    periods.open_period(
        s, code=code, name_vi=f"Kỳ thử {code}", province_code="48", period="2026", framework_id="danang-it",
        group_codes=["SBN"], submission_deadline=now + timedelta(days=30),
        review_deadline=now + timedelta(days=60), actor=SYSTEM,
    )  # fmt: skip
    periods.assign_assessor(s, period_code=code, group_code="SBN", username="tw_assessor", actor=SYSTEM)
    for agency in AGENCIES:
        submissions.save_draft(s, period_code=code, agency_code=agency, values=FULL_VALUES, actor=SYSTEM)
        submissions.submit(s, period_code=code, agency_code=agency, actor=SYSTEM)
        if finish:
            review.approve_submission(s, period_code=code, agency_code=agency, actor=SYSTEM)
    if finish:
        publish_period(s, period_code=code, actor=SYSTEM)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('twins') / 'chiso.db'}"
    init_database(url)
    ensure_units_loaded(url, actor=SYSTEM)
    with session_scope(url) as s:
        _province(s)
        _period(s, PAST, finish=True)
        _period(s, OPEN, finish=False)
        _followup(s)
        _indicators(s)
        _dashboard(s)
        appeals.file_case(s, period_code=PAST, agency_code="TW.A", indicator_code="HT_ATTT", files=[],
                          text="Đề nghị phúc khảo HT_ATTT", requested_points=5, actor=SYSTEM)  # fmt: skip
    return url


def _dashboard(s) -> None:  # type: ignore[no-untyped-def]
    add_indicator(s, "TD_TW", name_vi="Tỷ lệ thử")
    item = {"id": "r", "kind": "ranking", "indicators": ["TD_TW"]}
    spec = dashboards.DashboardSpec.model_validate({"items": [item]})
    data = dashboards.DashboardIn(title_vi="Bảng thử công khai", sharing="public", spec=spec)
    dashboards.create_dashboard(s, data=data, actor=SYSTEM)


def _followup(s) -> None:  # type: ignore[no-untyped-def]
    today = clock.today()
    targets.save_target(s, data=targets.TargetIn(code="ONLINE_L34", name_vi="100% thủ tục trực tuyến",
                        indicator="metric:ONLINE_PROCEDURE_RATE", valid_from=today, value=100),
                        province_code="48", actor=SYSTEM)  # fmt: skip
    requests.create_request(s, agency_code="TW.A", subject="Giải trình tỷ lệ đúng hạn", body="Tháng này",
                            due_at=clock.now() + timedelta(days=7), actor=SYSTEM)  # fmt: skip
    plans.add_to_plan(
        s, agency_code="TW.A", criterion="CS_SO_HOA", title="Số hóa hồ sơ một cửa", actor=SYSTEM
    )


def _indicators(s) -> None:  # type: ignore[no-untyped-def]
    data = IndicatorIn(code="TW_HS_TONG", name_vi="Tổng số hồ sơ thử", level="commune", period_type="month")
    catalogue.create_indicator(s, data=data, actor=SYSTEM)


@pytest.fixture
def client(site: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def _as(client: TestClient, site: str, role: str) -> None:
    login_as(client, site, None if role == "public" else f"tw_{role}")


def _path(url: str) -> str:
    return url.split("?")[0]


def _page_of(url: str) -> PageInfo | None:
    for info in PAGES:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", info.path), _path(url)):
            return info
    return None


def test_every_page_is_in_the_table() -> None:
    create_app()  # registers every route module's pages
    sampled = set()
    for url, _twin, _role, _text in TABLE:
        info = _page_of(url)
        assert info is not None, f"{url} is not a registered page"
        sampled.add(info.path)
    assert sorted({p.path for p in PAGES} - sampled) == [], "pages without a sample URL in TABLE"


@pytest.mark.parametrize(("url", "twin", "role", "text"), TABLE, ids=[row[0] for row in TABLE])
def test_page_and_twin_show_the_same(
    client: TestClient, site: str, url: str, twin: str, role: str, text: str | None
) -> None:
    _as(client, site, role)
    html = client.get(url)
    assert html.status_code == 200, html.text[:500]
    assert html.headers["content-type"].startswith("text/html")
    assert {"HX-Request", "Accept"} <= {v.strip() for v in html.headers["vary"].split(",")}
    alternate = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)">', html.text)
    assert alternate and alternate.group(1).replace("&amp;", "&") == twin
    data = client.get(twin)
    assert data.status_code == 200 and data.headers["content-type"].startswith("application/json")
    asked = client.get(url, headers={"Accept": "application/json"})
    assert asked.headers["content-type"].startswith("application/json")
    assert asked.json() == data.json(), "the page's own URL answers JSON with the twin's data"
    if text is not None:
        assert text in html.text and text in data.text
    info = _page_of(url)
    if info is not None and info.block:
        fragment = client.get(url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert fragment.text.lstrip().startswith(f'<div id="{info.block}"')
        assert "<html" not in fragment.text and "<nav aria-label" not in fragment.text
        assert text is None or text in fragment.text


def test_anonymous_visitors_get_401_on_pages_that_need_a_login(client: TestClient) -> None:
    client.cookies.clear()
    for path in ("/api/assessment", f"/api/assessment/{OPEN}", "/api/audit", "/api/me"):
        assert client.get(path).status_code == 401, path
