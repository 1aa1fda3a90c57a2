"""Right of reply and appeals: working-day deadlines, the preliminary release, a reply changing points
through the review record, an upheld appeal publishing a revision, and every object check."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from assess_helpers import later
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from chiso import clock
from chiso.assessment import appeals, appeals_views, publication
from chiso.assessment.audit import list_audit
from chiso.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chiso.flows import appeals as flow
from chiso.monitoring.calendar import load_calendar

from .test_publication import TWEAKS, run_cycle

P = "DNG-2026"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 1), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=1, max_value=40),
)
def test_a_window_ends_after_exactly_n_working_days(start: datetime, days: int) -> None:
    end = flow.working_deadline(start, days)
    cal = load_calendar()
    first = np.datetime64(clock.to_local(start).date() + timedelta(days=1), "D")
    last = np.datetime64(end.date(), "D")
    assert end.tzinfo is not None and (end.hour, end.minute) == (23, 59)
    assert bool(cal.is_working_day(last))  # it ends on a working day...
    assert int(cal.count_working_days(first, last + 1)) == days  # ...the n-th after the start day


def test_a_window_skips_tet_and_weekends() -> None:
    # Tết 2026: 14-22 February off; released Friday 13 Feb, 3 working days end Wednesday 25 Feb
    assert flow.working_deadline(datetime(2026, 2, 13, 10, tzinfo=UTC), 3).date() == date(2026, 2, 25)
    # released on a Saturday: Monday is the first day
    assert flow.working_deadline(datetime(2026, 3, 7, 3, tzinfo=UTC), 1).date() == date(2026, 3, 9)
    with pytest.raises(InvalidInput):
        flow.working_deadline(datetime(2026, 3, 7, tzinfo=UTC), 0)


def _released(db: Session, province) -> None:
    run_cycle(db, P, TWEAKS)
    flow.release_preliminary(db, period_code=P, reply_days=5, actor=province.users["vanthu"], now=later(10))


def test_release_needs_the_secretariat_and_approved_submissions(db: Session, province, open_period) -> None:
    open_period()
    with pytest.raises(Conflict, match="DNG.SO.A"):
        flow.release_preliminary(db, period_code=P, reply_days=5, actor=province.users["vanthu"])
    run_cycle(db, P, TWEAKS)
    with pytest.raises(PermissionDenied):
        flow.release_preliminary(db, period_code=P, reply_days=5, actor=province.users["thamdinh"])
    release = flow.release_preliminary(
        db, period_code=P, reply_days=5, actor=province.users["vanthu"], now=later(10)
    )
    assert release.reply_until == flow.working_deadline(later(10), 5)
    with pytest.raises(Conflict):  # once only
        flow.release_preliminary(db, period_code=P, reply_days=5, actor=province.users["vanthu"])
    assert list_audit(db, action="preliminary.release")


def test_a_reporter_sees_only_its_own_results_and_cases(db: Session, province, open_period) -> None:
    open_period()
    _released(db, province)
    a, b = province.users["baocao.a"], province.users["baocao.b"]
    mine = flow.agency_results(db, period_code=P, agency_code=None, actor=a, now=later(11))
    assert mine.agency_code == "DNG.SO.A" and mine.stage == "preliminary" and mine.can_file
    assert {r.agency_code for r in mine.ranking} == {"DNG.SO.A", "DNG.SO.B", "DNG.SO.C", "DNG.SO.D"}
    assert [c.code for c in mine.agencies] == ["DNG.SO.A"]
    with pytest.raises(PermissionDenied):
        flow.agency_results(db, period_code=P, agency_code="DNG.SO.B", actor=a, now=later(11))
    with pytest.raises(PermissionDenied):  # B's reporter cannot file for A
        flow.file_case(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="HT_ATTT",
            text="x",
            requested_points=None,
            files=[],
            actor=b,
            now=later(11),
        )
    case = flow.file_case(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        indicator_code="HT_ATTT",
        text="Có chứng nhận ATTT cấp độ 3",
        requested_points=5,
        files=[("cn.pdf", PDF)],
        actor=a,
        now=later(11),
    )
    assert case.kind == "reply" and case.points_before == 4 and case.files[0].sha256
    assert [c.id for c in appeals_views.list_cases(db, actor=a, now=later(11)).rows] == [case.id]
    assert appeals_views.list_cases(db, actor=b, now=later(11)).rows == []
    assert appeals_views.list_cases(db, actor=province.users["thamdinh.px"], now=later(11)).rows == []
    with pytest.raises(PermissionDenied):
        appeals_views.get_case(db, case_id=case.id, actor=b, now=later(11))
    with pytest.raises(PermissionDenied):
        appeals.case_file(db, file_id=case.files[0].id, actor=b)
    with pytest.raises(Conflict):  # one open reply per criterion
        flow.file_case(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="HT_ATTT",
            text="again",
            requested_points=None,
            files=[],
            actor=a,
            now=later(11),
        )


def test_a_reply_needs_a_release_and_an_open_window(db: Session, province, open_period) -> None:
    open_period()
    run_cycle(db, P, TWEAKS)
    a = province.users["baocao.a"]
    args = dict(
        period_code=P, agency_code="DNG.SO.A", indicator_code="HT_ATTT", text="x", requested_points=None
    )
    with pytest.raises(Conflict):
        flow.file_case(db, **args, files=[], actor=a, now=later(11))  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        flow.agency_results(db, period_code=P, agency_code=None, actor=a)
    flow.release_preliminary(db, period_code=P, reply_days=5, actor=province.users["vanthu"], now=later(10))
    with pytest.raises(InvalidInput, match="PDF"):  # checked by content
        flow.file_case(db, **args, files=[("a.pdf", b"MZ not a pdf")], actor=a, now=later(11))  # type: ignore[arg-type]
    with pytest.raises(Conflict, match="Hết thời hạn"):
        flow.file_case(db, **args, files=[], actor=a, now=later(30))  # type: ignore[arg-type]


def test_an_assessor_changes_points_and_the_final_ranking_differs_exactly_there(
    db: Session, province, open_period
) -> None:
    open_period()
    _released(db, province)
    a = province.users["baocao.a"]
    case = flow.file_case(
        db,
        period_code=P,
        agency_code="DNG.SO.B",
        indicator_code="HT_MANG",
        text="Có mạng LAN",
        requested_points=5,
        files=[],
        actor=province.users["baocao.b"],
        now=later(11),
    )
    with pytest.raises(PermissionDenied):  # an assessor of another group
        flow.answer_case(
            db,
            case_id=case.id,
            decision="upheld",
            points=None,
            reason="ok",
            expected_version=1,
            actor=province.users["thamdinh.px"],
            now=later(12),
        )
    with pytest.raises(PermissionDenied):
        flow.answer_case(
            db,
            case_id=case.id,
            decision="upheld",
            points=None,
            reason="ok",
            expected_version=1,
            actor=a,
            now=later(12),
        )
    with pytest.raises(InvalidInput):
        flow.answer_case(
            db,
            case_id=case.id,
            decision="upheld",
            points=None,
            reason=" ",
            expected_version=1,
            actor=province.users["thamdinh"],
            now=later(12),
        )
    flow.answer_case(
        db,
        case_id=case.id,
        decision="upheld",
        points=None,
        reason="Biên bản kiểm tra xác nhận",
        expected_version=1,
        actor=province.users["thamdinh"],
        now=later(12),
    )
    with pytest.raises(Conflict):  # answered once
        flow.answer_case(
            db,
            case_id=case.id,
            decision="rejected",
            points=None,
            reason="x",
            expected_version=1,
            actor=province.users["thamdinh"],
            now=later(12),
        )
    before = appeals.get_release(db, period=publication.get_period(db, code=P)).rows  # type: ignore[union-attr]
    pub = flow.scoring.publish_period(db, period_code=P, actor=province.users["vanthu"], now=later(20))
    key = ("agency_code", "node_code")
    old = {tuple(r[k] for k in key): r for r in before}
    changed = {
        k for k, r in ((tuple(r[k] for k in key), r) for r in pub.rows) if r["points"] != old[k]["points"]
    }
    assert changed == {("DNG.SO.B", "HT_MANG"), ("DNG.SO.B", "HA_TANG"), ("DNG.SO.B", "TOTAL")}
    steps = ("preliminary.release", "reply.file", "review.change", "reply.answer", "publication.publish")
    trail = [e.action for e in list_audit(db, limit=None, newest_first=False) if e.action in steps]
    assert trail[-5:] == list(steps)
    done = appeals_views.list_cases(db, actor=province.users["vanthu"], now=later(21), status=None).rows[0]
    assert (done.status, done.points_before, done.points_after) == ("upheld", 0, 5)


def test_an_upheld_appeal_publishes_a_revision_with_its_reason(db: Session, province, open_period) -> None:
    open_period()
    run_cycle(db, P, TWEAKS)
    flow.scoring.publish_period(db, period_code=P, actor=province.users["vanthu"], now=later(20))
    c = province.users["vanthu"]
    with clock.frozen(later(21)):
        case = flow.file_case(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="HT_ATTT",
            text="Phúc khảo",
            requested_points=5,
            files=[],
            actor=province.users["baocao.a"],
        )
        assert case.kind == "appeal"
        with pytest.raises(PermissionDenied):  # an appeal is decided by the secretariat
            flow.answer_case(
                db,
                case_id=case.id,
                decision="changed",
                points=5,
                reason="x",
                expected_version=1,
                actor=province.users["thamdinh"],
            )
        flow.answer_case(
            db,
            case_id=case.id,
            decision="changed",
            points=5,
            reason="Hội đồng chấp nhận",
            expected_version=1,
            actor=c,
        )
    ranking = publication.get_ranking(db, period_code=P, group="SBN")
    assert ranking.revision == 2 and "Phúc khảo" in ranking.reason and "Hội đồng chấp nhận" in ranking.reason
    assert appeals_views.get_case(db, case_id=case.id, actor=c, now=later(22)).revision == 2
    with pytest.raises(Conflict, match="Hết thời hạn"):  # ten working days after the first publication
        flow.file_case(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="HT_MANG",
            text="late",
            requested_points=None,
            files=[],
            actor=province.users["baocao.a"],
            now=later(60),
        )
