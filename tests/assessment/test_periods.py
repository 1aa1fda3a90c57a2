"""Periods: opening for groups and agencies, deadlines, per-agency extensions, assessor assignments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from assess_helpers import REVIEW_BY, SUBMIT_BY, T0
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import periods
from chiso.assessment.audit import list_audit
from chiso.errors import Conflict, InvalidInput, PermissionDenied
from chiso.store.models.assessment import Submission


def test_open_period_creates_a_draft_per_member(db: Session, province, open_period) -> None:
    period = open_period()
    subs = db.scalars(select(Submission).where(Submission.period_id == period.id)).all()
    assert len(subs) == len(province.agencies)
    assert {s.status for s in subs} == {"draft"}
    assert period.framework_version == "2022.1"
    assert [g.code for g in periods.list_period_groups(db, period=period)] == ["PX", "SBN"]
    assert list_audit(db, action="period.open")[0].new_value is not None


def test_open_period_restricted_to_some_agencies(db: Session, province, open_period) -> None:
    period = open_period(agency_codes=["DNG.SO.A", "DNG.PX.1"], actor=SYSTEM)
    subs = db.scalars(select(Submission).where(Submission.period_id == period.id)).all()
    assert sorted(s.agency_id for s in subs) == sorted(
        [province.agencies["DNG.SO.A"].id, province.agencies["DNG.PX.1"].id]
    )


def test_a_framework_file_deep_in_the_file_system_opens_a_period(
    db: Session, province, open_period, tmp_path
) -> None:
    """A period keeps the path of its framework file; a long path must fit on every backend."""
    from chiso.frameworks import load_framework
    from chiso.frameworks.library import dump_framework_yaml

    deep = tmp_path / ("thu-muc-cua-so-thong-tin-va-truyen-thong-" * 4) / "bo-chi-so-cds-nam-2026.yaml"
    deep.parent.mkdir(parents=True)
    deep.write_text(dump_framework_yaml(load_framework("danang-it")), encoding="utf-8")
    assert len(str(deep)) > 200
    period = open_period(framework_id=str(deep))
    db.refresh(period)
    assert period.framework_id == str(deep)


def test_open_period_names_every_problem(db: Session, province) -> None:
    with pytest.raises(InvalidInput) as err:
        periods.open_period(
            db,
            code="X",
            name_vi="x",
            province_code="48",
            period="2026",
            framework_id="danang-it",
            group_codes=["SBN", "NOPE"],
            agency_codes=["DNG.SO.A", "DNG.ZZZ"],
            submission_deadline=REVIEW_BY,
            review_deadline=SUBMIT_BY,
            actor=SYSTEM,
        )
    fields = {p.field for p in err.value.problems}
    assert fields == {"review_deadline", "group_codes", "agency_codes"}
    assert "NOPE" in str(err.value) and "DNG.ZZZ" in str(err.value)


def test_duplicate_period_code_conflicts(db: Session, province, open_period) -> None:
    open_period()
    with pytest.raises(Conflict):
        open_period()


def test_only_secretariat_opens_periods(db: Session, province) -> None:
    with pytest.raises(PermissionDenied):
        periods.open_period(
            db,
            code="X",
            name_vi="x",
            province_code="48",
            period="2026",
            framework_id="danang-it",
            group_codes=["SBN"],
            submission_deadline=SUBMIT_BY,
            review_deadline=REVIEW_BY,
            actor=province.users["baocao.a"],
        )


def test_extension_needs_a_reason_and_a_later_date(db: Session, province, open_period) -> None:
    open_period()
    with pytest.raises(InvalidInput):
        periods.extend_deadline(
            db,
            period_code="DNG-2026",
            agency_code="DNG.SO.A",
            until=SUBMIT_BY + timedelta(days=5),
            reason="  ",
            actor=SYSTEM,
        )
    with pytest.raises(InvalidInput):
        periods.extend_deadline(
            db,
            period_code="DNG-2026",
            agency_code="DNG.SO.A",
            until=SUBMIT_BY - timedelta(days=1),
            reason="ốm",
            actor=SYSTEM,
        )
    sub = periods.extend_deadline(
        db,
        period_code="DNG-2026",
        agency_code="DNG.SO.A",
        until=SUBMIT_BY + timedelta(days=5),
        reason="Sáp nhập đơn vị",
        actor=province.users["vanthu"],
    )
    period = periods.get_period(db, code="DNG-2026")
    assert periods.submission_deadline_for(period, sub) == SUBMIT_BY + timedelta(days=5)
    entry = list_audit(db, action="submission.extend")[0]
    assert entry.reason == "Sáp nhập đơn vị" and entry.username == "vanthu"


def test_moving_deadlines_is_audited(db: Session, province, open_period) -> None:
    open_period()
    periods.set_deadlines(
        db,
        period_code="DNG-2026",
        submission_deadline=SUBMIT_BY + timedelta(days=1),
        reason="Nghỉ lễ",
        actor=province.users["vanthu"],
    )
    rows = list_audit(db, action="period.deadline")
    assert [r.field for r in rows] == ["submission_deadline"] and rows[0].reason == "Nghỉ lễ"
    with pytest.raises(InvalidInput):
        periods.set_deadlines(db, period_code="DNG-2026", review_deadline=T0, reason="x", actor=SYSTEM)


def test_assessor_assignment_is_idempotent_and_role_checked(db: Session, province, open_period) -> None:
    open_period()
    periods.assign_assessor(db, period_code="DNG-2026", group_code="SBN", username="thamdinh", actor=SYSTEM)
    assert len(list_audit(db, action="assessor.assign")) == 3
    with pytest.raises(InvalidInput):
        periods.assign_assessor(
            db, period_code="DNG-2026", group_code="SBN", username="baocao.a", actor=SYSTEM
        )
    periods.unassign_assessor(db, period_code="DNG-2026", group_code="SBN", username="thamdinh", actor=SYSTEM)
    assert len(list_audit(db, action="assessor.unassign")) == 1
