"""The yearly index drill-down: province -> peer group -> agency -> pillar -> criterion -> evidence,
public for a published period (evidence files stay behind the evidence permissions), refused before."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from assess_helpers import FULL_VALUES
from fastapi.testclient import TestClient
from web_login import login_as

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.assessment import evidence, periods, review, submissions
from chiso.flows.scoring import publish_period
from chiso.store import init_database, session_scope
from chiso.store.models import Agency, GroupMember, PeerGroup
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.text import fold
from chiso.web.app import create_app

PAST, OPEN = "DI-2025", "DI-2026"
AGENCIES = {"DI.A": "Sở Khoan Một", "DI.B": "Sở Khoan Hai"}


def _period(s, code: str, *, finish: bool) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    periods.open_period(
        s, code=code, name_vi=f"Kỳ thử {code}", province_code="48", period="2026", framework_id="danang-it",
        group_codes=["SBN"], submission_deadline=now + timedelta(days=30),
        review_deadline=now + timedelta(days=60), actor=SYSTEM,
    )  # fmt: skip
    for agency in AGENCIES:
        values = {**FULL_VALUES, "HT_MANG": {"value": 0}} if agency == "DI.B" else FULL_VALUES
        submissions.save_draft(s, period_code=code, agency_code=agency, values=values, actor=SYSTEM)
        if agency == "DI.B":
            evidence.add_evidence(
                s, period_code=code, agency_code=agency, indicator_code="HT_MANG",
                document_number="123/QĐ-UBND", document_date=date(2025, 3, 4), summary="Mạng nội bộ",
                actor=SYSTEM,
            )  # fmt: skip
        submissions.submit(s, period_code=code, agency_code=agency, actor=SYSTEM)
        if finish:
            review.approve_submission(s, period_code=code, agency_code=agency, actor=SYSTEM)
    if finish:
        publish_period(s, period_code=code, actor=SYSTEM)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('drill-index') / 'chiso.db'}"
    init_database(url)
    ensure_units_loaded(url, actor=SYSTEM)
    with session_scope(url) as s:
        group = PeerGroup(province_code="48", period="2026", code="SBN", name_vi="Sở, ban, ngành")
        s.add(group)
        s.flush()
        for code, name in AGENCIES.items():
            agency = Agency(
                code=code, name_vi=name, name_ascii=fold(name), kind="department", province_code="48"
            )
            s.add(agency)
            s.flush()
            s.add(GroupMember(group_id=group.id, agency_id=agency.id))
        _period(s, PAST, finish=True)
        _period(s, OPEN, finish=False)
    return url


@pytest.fixture
def client(site: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        login_as(test_client, site, None)
        yield test_client


def test_the_public_drills_a_published_period_down_to_the_evidence(client: TestClient) -> None:
    root = client.get(f"/api/rankings/{PAST}/drill").json()
    (sbn,) = root["children"]
    assert sbn["code"] == "SBN" and sbn["count"] == 2 and root["published"] is True
    group = client.get("/api" + sbn["url"]).json()
    ranked = [c["code"] for c in group["children"]]
    assert ranked == ["DI.A", "DI.B"], "the agency with the network at 0 ranks second"
    hai = group["children"][1]
    assert group["points"] == pytest.approx((group["children"][0]["points"] + hai["points"]) / 2, abs=0.01)
    agency = client.get("/api" + hai["url"]).json()
    assert agency["points"] == hai["points"] and any(p["median"] is not None for p in agency["children"])
    pillar_url = next(
        p["url"] for p in agency["children"]
        if any(c["code"] == "HT_MANG" for c in client.get("/api" + p["url"]).json()["children"])
    )  # fmt: skip
    pillar = client.get("/api" + pillar_url).json()
    network = next(c for c in pillar["children"] if c["code"] == "HT_MANG")
    page = client.get(network["url"])
    assert page.status_code == 200 and "123/QĐ-UBND" in page.text and "04/03/2025" in page.text
    criterion = client.get("/api" + network["url"]).json()
    assert [e["document_number"] for e in criterion["evidence"]] == ["123/QĐ-UBND"]
    assert [c["label_vi"] for c in criterion["crumbs"]][:3] == ["Toàn tỉnh", "Sở, ban, ngành", "Sở Khoan Hai"]
    table = client.get(f"/rankings/{PAST}/drill.csv?group=SBN")
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert [r["code"] for r in rows] == ["DI.A", "DI.B"]


def test_an_unpublished_period_is_refused_to_the_public(client: TestClient) -> None:
    assert client.get(f"/api/rankings/{OPEN}/drill").status_code in (401, 403)
