"""The scorecard page: public once published, refused to the public before, its JSON twin equal to the page,
the download through the formula guard, and the links from the ranking and the agency page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from assess_helpers import FULL_VALUES
from fastapi.testclient import TestClient
from web_login import login_as

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.assessment import periods, publication, review, submissions
from chiso.flows import published_cache
from chiso.flows.scorecard import get_scorecard, warm_published
from chiso.flows.scoring import publish_period
from chiso.store import init_database, session_scope
from chiso.store.models import Agency, GroupMember, PeerGroup
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.text import fold
from chiso.web.app import create_app

PAST, OPEN = "SC-2025", "SC-2026"
AGENCIES = {"SC.A": "Sở Phiếu Một", "SC.B": "Sở Phiếu Hai", "SC.C": "=cmd|' /C calc'!A0"}


def _period(s, code: str, *, finish: bool) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    periods.open_period(
        s,
        code=code,
        name_vi=f"Kỳ thử {code}",
        province_code="48",
        period="2026",
        framework_id="danang-it",
        group_codes=["SBN"],
        submission_deadline=now + timedelta(days=30),
        review_deadline=now + timedelta(days=60),
        actor=SYSTEM,
    )
    for agency in AGENCIES:
        values = {**FULL_VALUES, "HT_MANG": {"value": 0}} if agency == "SC.B" else FULL_VALUES
        submissions.save_draft(s, period_code=code, agency_code=agency, values=values, actor=SYSTEM)
        submissions.submit(s, period_code=code, agency_code=agency, actor=SYSTEM)
        if finish:
            review.approve_submission(s, period_code=code, agency_code=agency, actor=SYSTEM)
    if finish:
        publish_period(s, period_code=code, actor=SYSTEM)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('scorecard') / 'chiso.db'}"
    init_database(url)
    ensure_units_loaded(url, actor=SYSTEM)
    with session_scope(url) as s:
        group = PeerGroup(province_code="48", period="2026", code="SBN", name_vi="Sở, ban, ngành")
        s.add(group)
        s.flush()
        ids = {}
        for code, name in AGENCIES.items():
            agency = Agency(
                code=code, name_vi=name, name_ascii=fold(name), kind="department", province_code="48"
            )
            s.add(agency)
            s.flush()
            s.add(GroupMember(group_id=group.id, agency_id=agency.id))
            ids[code] = agency.id
        for role in ("secretariat", "leader", "reporter"):
            create_user(
                s,
                username=f"sc_{role}",
                full_name=f"Người thử {role}",
                password="mat-khau-thu-12345",
                role=role,
                agency_id=ids["SC.B"] if role == "reporter" else None,
                province_code="48",
            )
        _period(s, PAST, finish=True)
        _period(s, OPEN, finish=False)
    return url


@pytest.fixture
def client(site: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def _as(client: TestClient, site: str, role: str) -> None:
    login_as(client, site, None if role == "public" else f"sc_{role}")


def test_a_published_scorecard_is_public_and_its_twin_has_the_same_figures(
    client: TestClient, site: str
) -> None:
    _as(client, site, "public")
    page = client.get("/agencies/SC.B/scorecard")
    assert page.status_code == 200, page.text[:500]
    twin = client.get("/api/agencies/SC.B/scorecard")
    asked = client.get("/agencies/SC.B/scorecard", headers={"Accept": "application/json"})
    data = twin.json()
    assert asked.json() == data and data["period"]["code"] == PAST, "latest published when omitted"
    with session_scope(site) as s:
        row = next(r for r in publication.get_ranking(s, period_code=PAST).rows if r.agency_code == "SC.B")
    assert (data["rank"], data["total"], data["band"], data["group_size"]) == (
        row.rank,
        row.total,
        row.band,
        3,
    )
    text = page.text
    assert "Sở Phiếu Hai" in text and f"{data['rank']} / 3" in text and f"{row.total:.2f}" in text
    assert "<svg" in text and "Trung vị nhóm" in text and "Điểm yếu" in text
    assert "HT_MANG" in data["weaknesses"]
    network = next(c for c in data["criteria"] if c["code"] == "HT_MANG")
    assert network["name_vi"] in text.split("Điểm yếu")[1].split("Điểm theo tiêu chí")[0]
    assert f'href="/rankings/{PAST}/agencies/SC.B/scorecard.pdf"' in text
    assert "/assessment/" not in text, "the draft's planner is for the agency's own people"
    assert 'id="whatif-form"' in text, "the published what-if is public"
    _as(client, site, "reporter")  # SC.B's own reporter
    assert f"/assessment/{PAST}/agencies/SC.B/whatif" in client.get("/agencies/SC.B/scorecard").text


def test_an_unpublished_period_is_refused_to_the_public_and_shown_to_leaders(
    client: TestClient, site: str
) -> None:
    _as(client, site, "public")
    assert client.get(f"/agencies/SC.A/scorecard?period={OPEN}").status_code in (401, 403)
    assert client.get(f"/api/agencies/SC.A/scorecard?period={OPEN}").status_code in (401, 403)
    assert client.get("/agencies/SC.A/scorecard?period=NO-SUCH").status_code == 404
    assert client.get("/agencies/NOPE/scorecard").status_code == 404
    _as(client, site, "reporter")
    assert client.get(f"/agencies/SC.A/scorecard?period={OPEN}").status_code == 403
    _as(client, site, "leader")
    draft = client.get(f"/agencies/SC.A/scorecard?period={OPEN}")
    assert draft.status_code == 200 and "DỰ THẢO" in draft.text
    assert f"/assessment/{OPEN}/agencies/SC.A/whatif" in draft.text


def test_the_download_is_the_criterion_table_with_formulas_guarded(client: TestClient, site: str) -> None:
    _as(client, site, "public")
    data = client.get("/api/agencies/SC.A/scorecard").json()
    got = client.get(f"/agencies/SC.A/scorecard.csv?period={PAST}")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text.lstrip("\ufeff"))))
    assert [r["criterion_code"] for r in rows] == [c["code"] for c in data["criteria"]]
    xlsx = client.get(f"/agencies/SC.A/scorecard.xlsx?period={PAST}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    evil = client.get(f"/agencies/SC.C/scorecard.csv?period={PAST}")
    assert evil.status_code == 200 and ",'=cmd" in evil.text and ",=" not in evil.text


def test_ranking_rows_and_the_agency_page_link_to_the_scorecard(client: TestClient, site: str) -> None:
    _as(client, site, "public")
    ranking = client.get(f"/rankings/{PAST}")
    assert re.search(rf'href="/agencies/SC.A/scorecard\?period={PAST}"', ranking.text)
    agency = client.get("/agencies/SC.A")
    assert 'href="/agencies/SC.A/scorecard"' in agency.text
    search = client.get("/agencies", params={"q": "Phiếu Một"})
    assert 'href="/agencies/SC.A/scorecard"' in search.text


def test_a_weakness_is_added_to_the_agencys_plan_from_the_scorecard(client: TestClient, site: str) -> None:
    _as(client, site, "public")
    assert "Thêm vào kế hoạch" not in client.get("/agencies/SC.B/scorecard").text  # staff only
    _as(client, site, "secretariat")
    page = client.get("/agencies/SC.B/scorecard").text
    weak = page.split("Điểm yếu")[1].split("Điểm theo tiêu chí")[0]
    assert "Thêm vào kế hoạch" in weak and 'name="criterion" value="HT_MANG"' in weak
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    added = client.post(
        "/plans/add",
        data={"csrf_token": csrf.group(1), "agency_code": "SC.B", "criterion": "HT_MANG"},
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"].startswith("/plans?agency=SC.B")
    plan = client.get("/api/plans", params={"agency": "SC.B"}).json()
    assert any(i.get("indicator") == "HT_MANG" for i in plan["items"]), plan


def test_the_twin_carries_group_figures_neighbours_and_the_interval(client: TestClient, site: str) -> None:
    _as(client, site, "public")
    cards = {c: client.get(f"/api/agencies/{c}/scorecard").json() for c in AGENCIES}
    data = cards["SC.B"]
    for line in data["criteria"]:
        peers = [
            p for card in cards.values() for c in card["criteria"] if c["code"] == line["code"]
            if (p := c["points"]) is not None
        ]  # fmt: skip
        if not peers:  # no data is not zero: no statistic either
            assert line["group_best"] is None and line["group_mean"] is None
            continue
        assert line["group_best"] == max(peers)
        assert line["group_mean"] == pytest.approx(sum(peers) / len(peers), abs=0.01)
        assert line["group_median"] == sorted(peers)[1]
    assert [n["agency_code"] for n in data["neighbours"] if n["is_self"]] == ["SC.B"]
    assert len(data["neighbours"]) == 3 and data["neighbours"][0]["rank"] == 1
    network = next(m for m in data["improvements"] if m["code"] == "HT_MANG")
    assert network["reachable"] > 0 and network["peers_above"] == 1.0
    assert data["goals"][0]["goal"] == "next-band" and data["goals"][-1]["goal"] == "top:3"
    interval = data["interval"]
    if interval is not None:  # published with intervals: the sentence names them
        page = client.get("/agencies/SC.B/scorecard").text
        assert f'data-rank-low="{interval["low"]}"' in page and "90%" in page
    peer = client.get("/api/agencies/SC.B/scorecard?compare=SC.A").json()["compare"]
    assert peer["agency_code"] == "SC.A" and peer["total"] == cards["SC.A"]["total"]
    html = client.get("/agencies/SC.B/scorecard?compare=SC.A").text
    assert 'class="compare"' in html and '<option value="SC.A" selected>' in html
    csv_text = client.get(f"/agencies/SC.B/scorecard.csv?period={PAST}&compare=SC.A").text
    assert "peer_SC.A" in csv_text.splitlines()[0] and "group_best" in csv_text.splitlines()[0]


def test_the_public_whatif_rescores_on_the_published_inputs(client: TestClient, site: str) -> None:
    _as(client, site, "public")
    full = client.get("/api/agencies/SC.A/scorecard").json()
    before = client.get("/api/agencies/SC.B/scorecard").json()
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/agencies/SC.B/scorecard").text)
    assert token is not None  # a write-method API takes the page's token, like every POST
    got = client.post(
        f"/api/agencies/SC.B/scorecard/whatif?period={PAST}",
        json={"HT_MANG": {"value": 1}},
        headers={"X-CSRF-Token": token.group(1)},
    )
    assert got.status_code == 200, got.text
    answer = got.json()
    assert answer["before"]["published"] == before["total"] and answer["before"]["rank"] == before["rank"]
    assert answer["after"]["published"] == full["total"], "the same values as SC.A give SC.A's total"
    assert answer["after"]["rank"] == 1
    fragment = client.get(
        f"/agencies/SC.B/scorecard/whatif?period={PAST}&c.HT_MANG=1&c.DVC_DUNG_HAN=",
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200 and 'id="whatif-after"' in fragment.text
    assert f"{full['total']:.2f}" in fragment.text and "<html" not in fragment.text
    bad = client.get(f"/agencies/SC.B/scorecard/whatif?period={PAST}&c.HT_MANG=abc").text
    assert "Không phải số: HT_MANG" in bad
    assert client.get(f"/agencies/SC.B/scorecard/whatif?period={OPEN}&c.HT_MANG=1").status_code == 404
    schema = client.get("/openapi.json").json()["paths"]
    assert "post" in schema["/api/agencies/{code}/scorecard/whatif"]


def test_the_serve_warm_up_builds_each_published_group_before_the_first_visitor(site: str) -> None:
    published_cache.clear()
    assert warm_published(url=site) == 1  # one published period (PAST), one group (SBN)
    with session_scope(site) as s:
        key = published_cache.publication_key(s, period_code=PAST)
        assert key is not None
        assert any(k[0] == key for k in published_cache._ENTRIES), "the revision's figures are kept"
        warm = get_scorecard(s, agency_code="SC.B", period_code=PAST, actor=None)
    published_cache.clear()
    with session_scope(site) as s:
        cold = get_scorecard(s, agency_code="SC.B", period_code=PAST, actor=None)
    assert warm == cold, "the warm-up keeps exactly what a cold request computes"
