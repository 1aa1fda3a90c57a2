"""Publishing a period through the scoring flow: all approved first, immutable revisions, corrections,
ranking and changes against the previous period."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from assess_helpers import FULL_VALUES, later
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import publication, review, submissions
from chiso.assessment.audit import list_audit
from chiso.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chiso.flows import scoring as flow
from chiso.store.models import GroupMember, PeerGroup

P = "DNG-2026"
WARD_EXTRA = {"XH_TAI_KHOAN": {"value": 0.8}, "XH_THANH_TOAN": {"value": 0.25}}


def run_cycle(
    db: Session, code: str, tweaks: dict[str, dict[str, dict[str, object]]], day: float = 1
) -> None:
    """Fill, submit and approve every agency of a period, with per-agency changes to FULL_VALUES."""
    for agency in ("DNG.SO.A", "DNG.SO.B", "DNG.SO.C", "DNG.SO.D", "DNG.PX.1", "DNG.PX.2"):
        values = {**FULL_VALUES, **(WARD_EXTRA if ".PX." in agency else {}), **tweaks.get(agency, {})}
        submissions.save_draft(
            db, period_code=code, agency_code=agency, values=values, now=later(day), actor=SYSTEM
        )
        submissions.submit(db, period_code=code, agency_code=agency, now=later(day), actor=SYSTEM)
        review.approve_submission(db, period_code=code, agency_code=agency, now=later(day + 1), actor=SYSTEM)


TWEAKS = {
    "DNG.SO.B": {"HT_MANG": {"value": 0}},
    "DNG.SO.C": {"HT_MANG": {"value": 0}},
    "DNG.SO.D": {"UD_VAN_BAN": {"value": 0.5}},
    "DNG.PX.2": {"XH_TAI_KHOAN": {"value": 0.4}},
}


def test_publish_needs_every_submission_approved(db: Session, province, open_period) -> None:
    open_period()
    with pytest.raises(Conflict, match="DNG.SO.A"):
        flow.publish_period(db, period_code=P, actor=province.users["vanthu"])
    with pytest.raises(PermissionDenied):
        flow.publish_period(db, period_code=P, actor=province.users["thamdinh"])
    with pytest.raises(NotFound):
        publication.get_ranking(db, period_code=P)


def test_publish_rank_band_and_ties(db: Session, province, open_period) -> None:
    open_period()
    run_cycle(db, P, TWEAKS)
    preview = flow.preview_ranking(db, period_code=P, group="SBN", actor=province.users["vanthu"])
    pub = flow.publish_period(db, period_code=P, actor=province.users["vanthu"], now=later(20))
    ranking = publication.get_ranking(db, period_code=P, group="SBN")
    assert [r.model_dump(exclude={"status"}) for r in ranking.rows] == [
        r.model_dump(exclude={"status"}) for r in preview.rows
    ]
    assert ranking.revision == 1 and ranking.published_at == later(20)
    ranks = {r.agency_code: r.rank for r in ranking.rows}
    # B and C lose HT_MANG's 5 points and tie; D loses 10 - 10 x 0.5 / 0.9 = 4.44 on UD_VAN_BAN
    assert ranks == {"DNG.SO.A": 1, "DNG.SO.D": 2, "DNG.SO.B": 3, "DNG.SO.C": 3}
    totals = {r.agency_code: r.total for r in ranking.rows}
    assert totals["DNG.SO.B"] == totals["DNG.SO.C"] < totals["DNG.SO.D"] < totals["DNG.SO.A"]
    assert all(
        r.band in ("TOT", "KHA", "TRUNG_BINH", "YEU", "Tốt", "Khá", "Trung bình", "Yếu") for r in ranking.rows
    )
    assert [r.agency_code for r in publication.get_ranking(db, period_code=P, group="PX").rows] == [
        "DNG.PX.1",
        "DNG.PX.2",
    ]
    assert pub.rows and list_audit(db, action="publication.publish")[0].new_value == "1"
    from chiso.assessment.snapshots import verify_snapshot

    assert pub.snapshot_id is not None and verify_snapshot(db, snapshot_id=pub.snapshot_id).identical
    data = publication.export_ranking(ranking, fmt="csv").decode("utf-8-sig")
    parsed = list(csv.DictReader(io.StringIO(data)))
    assert [p["agency_code"] for p in parsed] == [r.agency_code for r in ranking.rows]
    sheet = load_workbook(io.BytesIO(publication.export_ranking(ranking, fmt="xlsx"))).active
    assert "revision 1" in sheet["A2"].value


def test_published_results_are_immutable_and_corrections_are_revisions(
    db: Session, province, open_period
) -> None:
    open_period()
    run_cycle(db, P, TWEAKS)
    flow.publish_period(db, period_code=P, now=later(20), actor=SYSTEM)
    with pytest.raises(InvalidInput):
        flow.publish_period(db, period_code=P, actor=SYSTEM)  # a correction needs a reason
    publication.reopen_submission(
        db,
        period_code=P,
        agency_code="DNG.SO.B",
        reason="Sai số liệu HT_MANG",
        actor=province.users["vanthu"],
    )
    with pytest.raises(Conflict):
        flow.publish_period(db, period_code=P, reason="x", actor=SYSTEM)
    submissions.save_draft(
        db, period_code=P, agency_code="DNG.SO.B", values={"HT_MANG": {"value": 1}}, actor=SYSTEM
    )
    submissions.submit(db, period_code=P, agency_code="DNG.SO.B", now=later(21), actor=SYSTEM)
    review.approve_submission(db, period_code=P, agency_code="DNG.SO.B", actor=SYSTEM)
    second = flow.publish_period(
        db, period_code=P, reason="Đính chính HT_MANG của Sở B", now=later(30), actor=SYSTEM
    )
    assert second.revision == 2
    ranking = publication.get_ranking(db, period_code=P, group="SBN")
    assert ranking.revision == 2 and ranking.reason == "Đính chính HT_MANG của Sở B"
    assert {r.agency_code: r.rank for r in ranking.rows}["DNG.SO.B"] == 1
    old = publication.get_ranking(db, period_code=P, group="SBN", revision=1)
    assert {r.agency_code: r.rank for r in old.rows}["DNG.SO.B"] == 3
    assert [p.revision for p in publication.list_publications(db, period_code=P)] == [1, 2]
    assert list_audit(db, action="publication.correct")[0].reason == "Đính chính HT_MANG của Sở B"


def _departments_and_wards(db: Session, province, period: str) -> None:
    """Put the province's departments in group SBN and its wards in group PX for `period`."""
    for code in ("SBN", "PX"):
        group = PeerGroup(province_code="48", period=period, code=code, name_vi=code)
        db.add(group)
        db.flush()
        for agency in province.agencies.values():
            if (".PX." in agency.code) == (code == "PX"):
                db.add(GroupMember(group_id=group.id, agency_id=agency.id))
    db.flush()


def test_change_against_the_previous_period(db: Session, province, open_period) -> None:
    _departments_and_wards(db, province, "2025")
    open_period(
        code="DNG-2025",
        period="2025",
        submission_deadline=datetime(2025, 4, 30, tzinfo=UTC),
        review_deadline=datetime(2025, 5, 30, tzinfo=UTC),
        actor=SYSTEM,
    )
    for agency in ("DNG.SO.A", "DNG.SO.B", "DNG.SO.C", "DNG.SO.D", "DNG.PX.1", "DNG.PX.2"):
        values = {**FULL_VALUES, **(WARD_EXTRA if ".PX." in agency else {}), **TWEAKS.get(agency, {})}
        submissions.save_draft(db, period_code="DNG-2025", agency_code=agency, values=values, actor=SYSTEM)
        submissions.submit(
            db, period_code="DNG-2025", agency_code=agency, now=datetime(2025, 4, 1, tzinfo=UTC), actor=SYSTEM
        )
        review.approve_submission(db, period_code="DNG-2025", agency_code=agency, actor=SYSTEM)
    flow.publish_period(db, period_code="DNG-2025", now=datetime(2025, 6, 1, tzinfo=UTC), actor=SYSTEM)
    open_period(previous_period_code="DNG-2025", actor=SYSTEM)
    run_cycle(db, P, {**TWEAKS, "DNG.SO.C": {}})  # Sở C fixed HT_MANG this year: +5 points before rescaling
    flow.publish_period(db, period_code=P, actor=SYSTEM)
    ranking = publication.get_ranking(db, period_code="DNG-2026", group="SBN")
    row = {r.agency_code: r for r in ranking.rows}
    assert row["DNG.SO.C"].rank == 1 and row["DNG.SO.C"].rank_change == 2
    assert row["DNG.SO.C"].points_change is not None and row["DNG.SO.C"].points_change > 0
    assert row["DNG.SO.A"].points_change == 0 and row["DNG.SO.A"].rank_change == 0
    assert row["DNG.SO.B"].rank == 4 and row["DNG.SO.B"].rank_change == -1


@pytest.mark.parametrize("how", ["update", "delete"])
def test_no_publication_row_changes_through_the_orm(db: Session, province, open_period, how: str) -> None:
    open_period()
    run_cycle(db, P, {})
    pub = flow.publish_period(db, period_code=P, actor=SYSTEM)
    with pytest.raises(Conflict, match="revision 1"):
        if how == "update":
            pub.reason = "tamper"
        else:
            db.delete(pub)
        db.flush()


def test_demo_has_a_published_and_an_in_progress_period(db: Session, province) -> None:
    """The demo step on a small province: 2024 and 2025 published through the services, 2026 under way."""
    from datetime import date

    from chiso.flows.demo_assessment import build_demo_assessment

    for year in ("2024", "2025"):
        _departments_and_wards(db, province, year)
    progress = build_demo_assessment(db, province_code="48", today=date(2026, 3, 1))
    assert sum(progress.values()) == 6 and progress["approved"] >= 1 and progress["draft"] >= 1
    for code in ("DNG-2024", "DNG-2025"):
        past = publication.get_ranking(db, period_code=code)
        assert {r.agency_code for r in past.rows} == set(province.agencies) and all(r.rank for r in past.rows)
    later = publication.get_ranking(db, period_code="DNG-2025")
    assert any(r.points_change for r in later.rows)  # the second year is compared with the first
    assert build_demo_assessment(db, province_code="48", today=date(2026, 3, 1)) == progress  # idempotent
