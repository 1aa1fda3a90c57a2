"""Review: queue by assigned groups, accept / change points / return, resubmit, history, locking."""

from __future__ import annotations

import pytest
from assess_helpers import FULL_VALUES, later
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import review, submissions
from chiso.errors import Conflict, InvalidInput, PermissionDenied

P = "DNG-2026"


def fill_and_submit(db: Session, province, agency: str = "DNG.SO.A", user: str = "baocao.a") -> None:
    submissions.save_draft(
        db,
        period_code=P,
        agency_code=agency,
        values=FULL_VALUES,
        actor=province.users.get(user),
        now=later(1),
    )
    submissions.submit(db, period_code=P, agency_code=agency, actor=province.users.get(user), now=later(2))


def field(db: Session, code: str, agency: str = "DNG.SO.A"):
    view = submissions.get_submission_view(db, period_code=P, agency_code=agency, actor=SYSTEM)
    return next(f for s in view.sections for f in s.fields if f.code == code)


def test_queue_shows_only_assigned_groups(db: Session, province, open_period) -> None:
    open_period()
    fill_and_submit(db, province)
    submissions.save_draft(
        db,
        period_code=P,
        agency_code="DNG.PX.1",
        values={**FULL_VALUES, "XH_TAI_KHOAN": {"value": 0.5}, "XH_THANH_TOAN": {"value": 0.2}},
        actor=SYSTEM,
    )
    submissions.submit(db, period_code=P, agency_code="DNG.PX.1", now=later(3), actor=SYSTEM)
    assert [q.agency_code for q in review.review_queue(db, actor=province.users["thamdinh"])] == ["DNG.SO.A"]
    assert [q.agency_code for q in review.review_queue(db, actor=province.users["thamdinh.px"])] == [
        "DNG.PX.1"
    ]
    assert len(review.review_queue(db, actor=province.users["vanthu"], period_code=P)) == 2
    with pytest.raises(PermissionDenied):
        review.review_queue(db, actor=province.users["baocao.a"])
    with pytest.raises(PermissionDenied):
        review.review_value(
            db,
            period_code=P,
            agency_code="DNG.PX.1",
            indicator_code="HT_MANG",
            decision="accept",
            expected_version=1,
            actor=province.users["thamdinh"],
        )


def test_full_cycle_return_correct_resubmit_approve(db: Session, province, open_period) -> None:
    open_period()
    fill_and_submit(db, province)
    assessor, reporter = province.users["thamdinh"], province.users["baocao.a"]
    f = field(db, "HT_ATTT")
    with pytest.raises(InvalidInput):
        review.review_value(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="HT_ATTT",
            decision="change",
            points=3,
            expected_version=f.value_version,
            actor=assessor,
        )
    with pytest.raises(InvalidInput):
        review.review_value(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="HT_ATTT",
            decision="change",
            points=7,
            comment="quá",
            expected_version=f.value_version,
            actor=assessor,
        )
    review.review_value(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        indicator_code="HT_ATTT",
        decision="change",
        points=3,
        comment="Thiếu quy chế ATTT cấp độ 2",
        expected_version=f.value_version,
        actor=assessor,
        now=later(4),
    )
    g = field(db, "DVC_DUNG_HAN")
    review.review_value(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        indicator_code="DVC_DUNG_HAN",
        decision="return",
        comment="Số liệu không khớp báo cáo quý",
        expected_version=g.value_version,
        actor=assessor,
        now=later(4.5),
    )
    with pytest.raises(Conflict, match="DVC_DUNG_HAN"):
        review.approve_submission(db, period_code=P, agency_code="DNG.SO.A", actor=assessor)
    with pytest.raises(InvalidInput):
        review.return_submission(db, period_code=P, agency_code="DNG.SO.A", comment=" ", actor=assessor)
    review.return_submission(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        comment="Đề nghị sửa DVC_DUNG_HAN",
        actor=assessor,
        now=later(5),
    )
    view = submissions.get_submission_view(db, period_code=P, agency_code="DNG.SO.A", actor=reporter)
    assert view.status == "returned" and view.review_comment == "Đề nghị sửa DVC_DUNG_HAN" and view.editable
    fields = {x.code: x for s in view.sections for x in s.fields}
    assert fields["DVC_DUNG_HAN"].review_comment == "Số liệu không khớp báo cáo quý"
    assert fields["HT_ATTT"].points_override == 3.0
    submissions.save_draft(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        actor=reporter,
        now=later(6),
        values={"DVC_DUNG_HAN": {"numerator": 88, "denominator": 100}},
    )
    sub = submissions.submit(db, period_code=P, agency_code="DNG.SO.A", actor=reporter, now=later(6))
    assert sub.status == "resubmitted"
    assert field(db, "DVC_DUNG_HAN").review_state == "pending"
    assert field(db, "HT_ATTT").review_state == "changed"  # untouched values keep the assessor's decision
    approved = review.approve_submission(
        db, period_code=P, agency_code="DNG.SO.A", actor=assessor, now=later(7)
    )
    assert approved.status == "approved"
    assert field(db, "DVC_DUNG_HAN").review_state == "accepted"
    history = review.value_history(
        db, period_code=P, agency_code="DNG.SO.A", indicator_code="DVC_DUNG_HAN", actor=reporter
    )
    assert [h.action for h in history] == ["value.set", "review.return", "value.update", "review.accept"]
    assert history[1].username == "thamdinh" and history[1].reason == "Số liệu không khớp báo cáo quý"
    assert review.period_progress(db, period_code=P)["approved"] == 1


def test_two_assessors_never_overwrite_each_other_silently(db: Session, province, open_period) -> None:
    open_period()
    fill_and_submit(db, province)
    first, second = province.users["thamdinh"], province.users["thamdinh2"]
    seen = field(db, "CS_KINH_PHI").value_version  # both open the page and see the same version
    review.review_value(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        indicator_code="CS_KINH_PHI",
        decision="change",
        points=4,
        comment="Kinh phí chưa đủ",
        expected_version=seen,
        actor=first,
        now=later(4),
    )
    with pytest.raises(Conflict) as err:
        review.review_value(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="CS_KINH_PHI",
            decision="accept",
            expected_version=seen,
            actor=second,
            now=later(4.1),
        )
    text = str(err.value)
    assert "thamdinh" in text and "Kinh phí chưa đủ" in text and "CS_KINH_PHI" in text
    assert field(db, "CS_KINH_PHI").points_override == 4.0


def test_review_only_while_submitted(db: Session, province, open_period) -> None:
    open_period()
    with pytest.raises(Conflict):
        review.review_value(
            db,
            period_code=P,
            agency_code="DNG.SO.A",
            indicator_code="HT_MANG",
            decision="accept",
            expected_version=1,
            actor=province.users["thamdinh"],
        )
    with pytest.raises(Conflict):
        review.approve_submission(db, period_code=P, agency_code="DNG.SO.A", actor=province.users["thamdinh"])
