"""The reports' inputs built from the store: the published figures unchanged, drafts for staff only, the
previous period through the publication chain, the scorecard's agency, the 766 month from the live board."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from assess_helpers import FULL_VALUES, later
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import publication, review, submissions
from chiso.assessment.periods import get_period
from chiso.errors import NotFound, PermissionDenied
from chiso.flows import report_outputs as out
from chiso.flows import reports as flow
from chiso.flows.scoring import publish_period
from chiso.reports.schemas import RankingInput
from chiso.store.models import GroupMember, PeerGroup

AGENCIES = ("DNG.SO.A", "DNG.SO.B", "DNG.SO.C", "DNG.SO.D", "DNG.PX.1", "DNG.PX.2")
WARD_EXTRA = {"XH_TAI_KHOAN": {"value": 0.8}, "XH_THANH_TOAN": {"value": 0.25}}


def fill(
    db: Session,
    code: str,
    tweaks: dict[str, dict[str, dict[str, object]]],
    *,
    approve: bool,
    now: datetime | None = None,
) -> None:
    """Fill and submit every agency's values (FULL_VALUES with changes), approving them when asked."""
    when = now or later(1)
    for agency in AGENCIES:
        values = {**FULL_VALUES, **(WARD_EXTRA if ".PX." in agency else {}), **tweaks.get(agency, {})}
        submissions.save_draft(
            db, period_code=code, agency_code=agency, values=values, now=when, actor=SYSTEM
        )
        submissions.submit(db, period_code=code, agency_code=agency, now=when, actor=SYSTEM)
        if approve:
            review.approve_submission(db, period_code=code, agency_code=agency, now=when, actor=SYSTEM)


@pytest.fixture
def two_years(db: Session, province, open_period) -> RankingInput:  # type: ignore[no-untyped-def]
    """Publish 2025, then 2026 compared with it; return the 2026 ranking as the reports take it."""
    groups = {}
    for code, name in (("SBN", "Sở, ban, ngành"), ("PX", "UBND phường, xã")):
        groups[code] = PeerGroup(province_code="48", period="2025", code=code, name_vi=name)
        db.add(groups[code])
    db.flush()
    for agency in province.agencies.values():
        db.add(GroupMember(group_id=groups["PX" if ".PX." in agency.code else "SBN"].id, agency_id=agency.id))
    db.flush()
    open_period("DNG-2025", period="2025", submission_deadline=datetime(2025, 4, 30, tzinfo=UTC),
                review_deadline=datetime(2025, 5, 30, tzinfo=UTC), actor=SYSTEM)  # fmt: skip
    fill(
        db,
        "DNG-2025",
        {"DNG.SO.A": {"HT_MANG": {"value": 0}}},
        approve=True,
        now=datetime(2025, 4, 1, tzinfo=UTC),
    )
    publish_period(db, period_code="DNG-2025", now=datetime(2025, 6, 1, tzinfo=UTC), actor=SYSTEM)
    open_period("DNG-2026", previous_period_code="DNG-2025")
    fill(db, "DNG-2026", {"DNG.SO.B": {"HT_MANG": {"value": 0}}, "DNG.SO.D": {"UD_VAN_BAN": {"value": 0.5}}},
         approve=True)  # fmt: skip
    publish_period(db, period_code="DNG-2026", actor=SYSTEM)
    return flow.ranking_input(db, period_code="DNG-2026", actor=None)


def test_a_published_ranking_carries_the_published_figures_unchanged(
    db: Session, two_years: RankingInput
) -> None:
    shown = publication.get_ranking(db, period_code="DNG-2026")
    assert two_years.published and two_years.revision == 1
    assert {a.agency_code for a in two_years.agencies} == set(AGENCIES)
    by_code = {a.agency_code: a for a in two_years.agencies}
    for row in shown.rows:
        mine = by_code[row.agency_code]
        assert (mine.rank, mine.total, mine.band, mine.group) == (row.rank, row.total, row.band, row.group)
        assert mine.points_change == row.points_change and mine.rank_change == row.rank_change
        assert mine.name_vi == row.agency_name_vi


def test_the_previous_period_comes_through_the_publication_chain(
    db: Session, two_years: RankingInput
) -> None:
    before = {r.agency_code: r for r in publication.get_ranking(db, period_code="DNG-2025").rows}
    assert two_years.period.previous_code == "DNG-2025"
    for a in two_years.agencies:
        assert a.previous_total == pytest.approx(before[a.agency_code].total, abs=0.01)
        assert a.previous_rank == before[a.agency_code].rank
        assert a.rank_change == a.previous_rank - a.rank  # type: ignore[operator]


def test_pillars_criteria_and_reported_values_come_from_the_snapshot(
    db: Session, two_years: RankingInput
) -> None:
    fw = two_years.framework
    assert fw.bands[0].min is not None and all(
        (b.min or -math.inf) >= (c.min or -math.inf) for b, c in zip(fw.bands, fw.bands[1:], strict=False)
    ), "bands best first"
    pillar_codes = {p.code for p in fw.pillars}
    assert {c.parent_code for c in fw.criteria} <= pillar_codes
    a = next(x for x in two_years.agencies if x.agency_code == "DNG.SO.A")
    assert set(a.pillars) == pillar_codes
    period = get_period(db, code="DNG-2026")
    rows = publication.latest_publication(db, period=period).rows  # type: ignore[union-attr]
    stored = {r["node_code"]: r["published"] for r in rows if r["agency_code"] == "DNG.SO.A"}
    assert a.pillars == {code: stored[code] for code in pillar_codes}
    assert {c.code: c.points for c in a.criteria} == {c.code: stored[c.code] for c in fw.criteria}
    values = {c.code: c.value for c in a.criteria}
    assert values["HT_MAY_TINH"] == pytest.approx(0.95)
    assert values["UD_VAN_BAN"] == pytest.approx(1.0)


def test_a_draft_is_scored_like_the_preview_and_only_staff_may_see_it(
    db: Session, province, open_period
) -> None:  # type: ignore[no-untyped-def]
    open_period("DNG-2026")
    fill(db, "DNG-2026", {}, approve=False)
    draft = flow.ranking_input(db, period_code="DNG-2026", actor=province.users["lanhdao"])
    assert not draft.published and draft.published_at is None and draft.revision == 0
    assert {a.agency_code for a in draft.agencies} == set(AGENCIES)
    assert flow.ranking_input(db, period_code="DNG-2026", actor=province.users["vanthu"]) == draft
    for who in (None, province.users["baocao.a"], province.users["thamdinh"]):
        with pytest.raises(PermissionDenied):
            flow.ranking_input(db, period_code="DNG-2026", actor=who)


def test_a_revision_that_does_not_exist_is_named(db: Session, two_years: RankingInput) -> None:
    with pytest.raises(NotFound, match="lần công bố 7"):
        flow.ranking_input(db, period_code="DNG-2026", actor=None, revision=7)


def test_groups_are_named_and_departments_come_first(two_years: RankingInput) -> None:
    assert [g.code for g in two_years.groups] == ["SBN", "PX"]
    assert two_years.groups[0].name_vi == "Sở, ban, ngành"
    assert two_years.groups[1].unit_noun_vi == "phường, xã"


def test_the_same_report_is_served_from_the_cache(db: Session, two_years: RankingInput, tmp_path) -> None:  # type: ignore[no-untyped-def]
    document = out.default_document(db, ranking=two_years).model_copy(update={"number": "12"})
    first, ranking, hit = out.ranking_pdf(
        db, period_code="DNG-2026", document=document, actor=None, data_dir=tmp_path
    )
    assert not hit and first.startswith(b"%PDF") and ranking == two_years
    again, _, hit = out.ranking_pdf(
        db, period_code="DNG-2026", document=document, actor=None, data_dir=tmp_path
    )
    assert hit and again == first
    other = document.model_copy(update={"number": "13"})
    _, _, hit = out.ranking_pdf(db, period_code="DNG-2026", document=other, actor=None, data_dir=tmp_path)
    assert not hit, "another number is another document"


def test_the_published_decision_needs_the_secretariat_to_have_generated_it(
    db: Session, two_years, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        out.published_decision_pdf(db, period_code="DNG-2026", data_dir=tmp_path)
    document = out.default_document(db, ranking=two_years)
    out.save_document(tmp_path, period_code="DNG-2026", document=document)
    assert out.load_document(tmp_path, period_code="DNG-2026") == document
    assert out.published_decision_pdf(db, period_code="DNG-2026", data_dir=tmp_path).startswith(b"%PDF")


def test_open_data_is_published_rankings_only(db: Session, province, open_period, tmp_path) -> None:  # type: ignore[no-untyped-def]
    open_period("DNG-2026")
    fill(db, "DNG-2026", {}, approve=False)
    with pytest.raises(PermissionDenied):
        out.ranking_package(db, period_code="DNG-2026", data_dir=tmp_path)
