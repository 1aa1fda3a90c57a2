"""An agency's scorecard is the published ranking's figures, against its group, criterion by criterion."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

import pytest
from assess_helpers import FULL_VALUES, later
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import publication, review, submissions
from chiso.errors import NotFound, PermissionDenied
from chiso.flows import scorecard as flow
from chiso.flows.scoring import publish_period
from chiso.store.models import GroupMember, PeerGroup

AGENCIES = ("DNG.SO.A", "DNG.SO.B", "DNG.SO.C", "DNG.SO.D", "DNG.PX.1", "DNG.PX.2")
WARD_EXTRA = {"XH_TAI_KHOAN": {"value": 0.8}, "XH_THANH_TOAN": {"value": 0.25}}


def fill(db: Session, code: str, tweaks: dict[str, dict[str, dict[str, object]]], *, now: datetime) -> None:
    """Fill, submit and approve every agency's values (FULL_VALUES with changes)."""
    for agency in AGENCIES:
        values = {**FULL_VALUES, **(WARD_EXTRA if ".PX." in agency else {}), **tweaks.get(agency, {})}
        submissions.save_draft(db, period_code=code, agency_code=agency, values=values, now=now, actor=SYSTEM)
        submissions.submit(db, period_code=code, agency_code=agency, now=now, actor=SYSTEM)
        review.approve_submission(db, period_code=code, agency_code=agency, now=now, actor=SYSTEM)


@pytest.fixture
def two_years(db: Session, province, open_period) -> None:  # type: ignore[no-untyped-def]
    """Publish 2025, then 2026 compared with it; DNG.SO.A dropped a criterion in 2025, DNG.SO.B in 2026."""
    groups = {}
    for code, name in (("SBN", "Sở, ban, ngành"), ("PX", "UBND phường, xã")):
        groups[code] = PeerGroup(province_code="48", period="2025", code=code, name_vi=name)
        db.add(groups[code])
    db.flush()
    for agency in province.agencies.values():
        db.add(GroupMember(group_id=groups["PX" if ".PX." in agency.code else "SBN"].id, agency_id=agency.id))
    db.flush()
    open_period(
        "DNG-2025",
        period="2025",
        submission_deadline=datetime(2025, 4, 30, tzinfo=UTC),
        review_deadline=datetime(2025, 5, 30, tzinfo=UTC),
        actor=SYSTEM,
    )
    fill(db, "DNG-2025", {"DNG.SO.A": {"HT_MANG": {"value": 0}}}, now=datetime(2025, 4, 1, tzinfo=UTC))
    publish_period(db, period_code="DNG-2025", now=datetime(2025, 6, 1, tzinfo=UTC), actor=SYSTEM)
    open_period("DNG-2026", previous_period_code="DNG-2025")
    fill(
        db,
        "DNG-2026",
        {"DNG.SO.B": {"HT_MANG": {"value": 0}}, "DNG.SO.D": {"UD_VAN_BAN": {"value": 0.5}}},
        now=later(1),
    )


def test_the_scorecard_shows_the_published_ranking_figures(db: Session, two_years: None) -> None:
    publish_period(db, period_code="DNG-2026", actor=SYSTEM)
    shown = {r.agency_code: r for r in publication.get_ranking(db, period_code="DNG-2026").rows}
    for code in AGENCIES:
        card = flow.get_scorecard(db, agency_code=code, period_code=None, actor=None)
        row = shown[code]
        assert card.period.code == "DNG-2026" and card.published
        assert (card.rank, card.total, card.band) == (row.rank, row.total, row.band)
        assert (card.points_change, card.rank_change) == (row.points_change, row.rank_change)
        assert card.group_size == sum(1 for r in shown.values() if r.group == row.group)
        assert card.pdf_url == f"/rankings/DNG-2026/agencies/{code}/scorecard.pdf"
        assert card.whatif_url is None, "the what-if panel is for the agency's own people"


def test_criteria_change_year_on_year_and_compare_with_the_group_median(db: Session, two_years: None) -> None:
    publish_period(db, period_code="DNG-2026", actor=SYSTEM)
    a = flow.get_scorecard(db, agency_code="DNG.SO.A", period_code="DNG-2026", actor=None)
    b = flow.get_scorecard(db, agency_code="DNG.SO.B", period_code="DNG-2026", actor=None)
    net_a, net_b = (next(c for c in card.criteria if c.code == "HT_MANG") for card in (a, b))
    assert net_a.existed_before and net_a.change is not None and net_a.change > 0, "A recovered HT_MANG"
    assert net_b.change is not None and net_b.change < 0, "B lost HT_MANG"
    assert "HT_MANG" in b.weaknesses and "HT_MANG" not in b.strengths
    for line in a.criteria:
        if line.points is not None and line.previous_points is not None:
            assert line.change == pytest.approx(line.points - line.previous_points, abs=1e-9)
    peers = [flow.get_scorecard(db, agency_code=c, period_code="DNG-2026", actor=None) for c in AGENCIES[:4]]
    points = [next(c.points for c in p.criteria if c.code == "HT_MANG") for p in peers]
    assert net_b.group_median == pytest.approx(statistics.median(points))
    for pillar in a.pillars:
        found = [next(p.points for p in card.pillars if p.code == pillar.code) for card in peers]
        values = [v for v in found if v is not None]  # no data is not zero
        assert pillar.best == (max(values) if values else None)
        assert pillar.median == (pytest.approx(statistics.median(values)) if values else None)


def test_a_first_year_shows_no_change_for_any_criterion(db: Session, two_years: None) -> None:
    card = flow.get_scorecard(db, agency_code="DNG.SO.A", period_code="DNG-2025", actor=None)
    assert card.criteria and all(not c.existed_before and c.change is None for c in card.criteria)


def test_a_draft_is_for_the_secretariat_and_leaders_only(db: Session, province, two_years: None) -> None:  # type: ignore[no-untyped-def]
    card = flow.get_scorecard(
        db, agency_code="DNG.SO.A", period_code="DNG-2026", actor=province.users["lanhdao"]
    )
    assert not card.published and card.whatif_url == "/assessment/DNG-2026/agencies/DNG.SO.A/whatif"
    for who in (None, province.users["baocao.a"]):
        with pytest.raises(PermissionDenied):
            flow.get_scorecard(db, agency_code="DNG.SO.A", period_code="DNG-2026", actor=who)
    assert (
        flow.get_scorecard(db, agency_code="DNG.SO.A", period_code=None, actor=None).period.code == "DNG-2025"
    )


def test_an_agency_not_in_the_results_is_not_found(db: Session, two_years: None) -> None:
    with pytest.raises(NotFound):
        flow.get_scorecard(db, agency_code="NOPE", period_code="DNG-2025", actor=None)
