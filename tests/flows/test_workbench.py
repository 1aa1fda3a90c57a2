"""The secretariat's workbench (issue 10): progress with overdue agencies first, reminders, assessors and
their load, opening a period with its check and group deadlines, the bulk import's dry run and template,
the ranking preview with unapproved agencies marked and its diff against the published revision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from assess_helpers import FULL_VALUES, REVIEW_BY, SUBMIT_BY, later
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.assessment import bulk, opening, publication, submissions, workbench
from chiso.assessment.workbench import WorkbenchFilters, filter_rows
from chiso.errors import InvalidInput, PermissionDenied
from chiso.flows import scoring
from chiso.flows import workbench as flow
from chiso.store.models.assessment import Submission
from chiso.store.models.followup import Notification
from flows.test_publication import WARD_EXTRA, run_cycle

P = "DNG-2026"
AFTER_DEADLINE = SUBMIT_BY + timedelta(days=3)


def test_overdue_agencies_come_first_with_their_days(db: Session, province, open_period) -> None:
    open_period()
    vanthu = province.users["vanthu"]
    submissions.save_draft(
        db, period_code=P, agency_code="DNG.SO.A", values=FULL_VALUES, now=later(1), actor=SYSTEM
    )
    submissions.submit(db, period_code=P, agency_code="DNG.SO.A", now=later(2), actor=SYSTEM)
    bench = workbench.get_workbench(db, period_code=P, actor=vanthu, now=AFTER_DEADLINE)
    overdue = [r.agency_code for r in bench.rows if r.overdue]
    assert overdue == [r.agency_code for r in bench.rows[: len(overdue)]]  # overdue first
    assert set(overdue) == {"DNG.SO.B", "DNG.SO.C", "DNG.SO.D", "DNG.PX.1", "DNG.PX.2"}
    assert {r.days_overdue for r in bench.rows if r.overdue} == {3}
    sent = next(r for r in bench.rows if r.agency_code == "DNG.SO.A")
    assert not sent.overdue and sent.status == "submitted"
    local = clock.to_local  # days are the province's days
    assert sent.days_waiting == (local(AFTER_DEADLINE).date() - local(later(2)).date()).days
    sbn = next(g for g in bench.groups if g.group_code == "SBN")
    assert sbn.counts["submitted"] == 1 and sbn.counts["draft"] == 3 and sbn.total == 4 and sbn.overdue == 3
    assert sbn.assessors == ["thamdinh", "thamdinh2"]
    with pytest.raises(PermissionDenied):
        workbench.get_workbench(db, period_code=P, actor=province.users["thamdinh"])


def test_filters_search_and_sort(db: Session, province, open_period) -> None:
    open_period()
    rows = workbench.get_workbench(db, period_code=P, actor=SYSTEM, now=AFTER_DEADLINE).rows
    assert {r.agency_code for r in filter_rows(rows, WorkbenchFilters(q="phuong"))} == {
        "DNG.PX.1",
        "DNG.PX.2",
    }
    assert {r.group_code for r in filter_rows(rows, WorkbenchFilters(group="PX"))} == {"PX"}
    names = [r.agency_name_vi for r in filter_rows(rows, WorkbenchFilters(sort="agency"))]
    assert names == sorted(names, key=lambda n: n.lower())
    assert filter_rows(rows, WorkbenchFilters(status="approved")) == []


def test_remind_tells_the_reporters_once_a_day(db: Session, province, open_period) -> None:
    open_period()
    agencies, told = flow.remind(
        db,
        period_code=P,
        agency_codes=["DNG.SO.A", "DNG.SO.B"],
        actor=province.users["vanthu"],
        now=AFTER_DEADLINE,
    )
    assert (agencies, told) == (2, 2)  # baocao.a and baocao.b
    again = flow.remind(
        db,
        period_code=P,
        agency_codes=["DNG.SO.A"],
        actor=province.users["vanthu"],
        now=AFTER_DEADLINE + timedelta(hours=1),
    )
    assert again == (1, 0)
    texts = db.scalars(
        select(Notification.title_vi).where(Notification.user_id == province.users["baocao.a"].id)
    )
    assert any("Nhắc nộp" in t for t in texts)


def test_assigning_twice_says_so_and_the_load_counts_submissions(db: Session, province, open_period) -> None:
    open_period()
    vanthu = province.users["vanthu"]
    assert workbench.assign_once(db, period_code=P, group_code="PX", username="thamdinh", actor=vanthu)
    assert not workbench.assign_once(db, period_code=P, group_code="PX", username="thamdinh", actor=vanthu)
    loads = {a.username: a for a in workbench.get_workbench(db, period_code=P, actor=vanthu).assessors}
    assert loads["thamdinh"].groups == ["PX", "SBN"] and loads["thamdinh"].submissions == 6
    assert loads["thamdinh.px"].submissions == 2 and loads["thamdinh2"].submissions == 4


def _opening(**changes: object) -> opening.OpeningRequest:
    fields: dict[str, object] = dict(
        code="DNG-2027",
        name_vi="Kỳ thử",
        province_code="48",
        period="2026",
        framework_id="danang-it",
        group_codes=["SBN", "PX"],
        submission_deadline=SUBMIT_BY,
        review_deadline=REVIEW_BY,
    )
    return opening.OpeningRequest.model_validate({**fields, **changes})


def test_opening_is_checked_before_anything_is_written(db: Session, province) -> None:
    vanthu = province.users["vanthu"]
    check = opening.check_opening(db, request=_opening(), actor=vanthu)
    assert check.ok and check.agencies == 6 and [g.agencies for g in check.groups] == [2, 4]
    bad = opening.check_opening(
        db,
        request=_opening(
            group_codes=["SBN", "NOPE"],
            framework_id="nope",
            review_deadline=None,
            group_deadlines={"SBN": SUBMIT_BY - timedelta(days=1)},
        ),
        actor=vanthu,
    )
    fields = {p["field"] for p in bad.problems}
    assert {"group_codes", "framework_id", "review_deadline", "deadline_SBN"} <= fields
    assert db.scalar(select(Submission.id).limit(1)) is None  # nothing opened
    with pytest.raises(InvalidInput):
        flow.open_period(db, request=_opening(framework_id="nope"), actor=vanthu)


def test_a_group_deadline_is_each_of_its_agencies_deadline(db: Session, province) -> None:
    later_px = SUBMIT_BY + timedelta(days=10)
    flow.open_period(db, request=_opening(group_deadlines={"PX": later_px}), actor=province.users["vanthu"])
    bench = workbench.get_workbench(
        db, period_code="DNG-2027", actor=SYSTEM, now=SUBMIT_BY + timedelta(days=1)
    )
    deadlines = {r.agency_code: (r.deadline, r.overdue) for r in bench.rows}
    assert deadlines["DNG.PX.1"] == (later_px, False)
    assert deadlines["DNG.SO.A"] == (SUBMIT_BY, True)


def test_bulk_dry_run_saves_nothing_and_the_template_reimports(db: Session, province, open_period) -> None:
    open_period()
    vanthu = province.users["vanthu"]
    submissions.save_draft(
        db, period_code=P, agency_code="DNG.SO.A", values=FULL_VALUES, now=later(1), actor=SYSTEM
    )
    template = bulk.bulk_template(db, period_code=P, actor=vanthu)
    report = bulk.bulk_import_values(
        db, period_code=P, data=template, filename="t.csv", actor=vanthu, dry_run=True
    )
    assert report["changed"] == 0 and report["agencies"] >= 1
    real = bulk.bulk_import_values(db, period_code=P, data=template, filename="t.csv", actor=vanthu)
    assert real["changed"] == 0  # the template carries today's values: nothing changes
    data = b"agency_code,indicator_code,value\nDNG.SO.B,HT_ATTT,4\nDNG.SO.B,HT_MAY_TINH,abc\n"
    with pytest.raises(InvalidInput) as refused:
        bulk.bulk_import_values(db, period_code=P, data=data, filename="x.csv", actor=vanthu, dry_run=True)
    assert [(p.row, p.column) for p in refused.value.problems] == [(3, "value")]
    sub_b = db.scalars(
        select(Submission).where(Submission.agency_id == province.agencies["DNG.SO.B"].id)
    ).one()
    assert "HT_ATTT" not in submissions.values_by_code(db, submission=sub_b)


def test_ranking_board_marks_unapproved_and_diffs_the_published(db: Session, province, open_period) -> None:
    open_period()
    vanthu = province.users["vanthu"]
    for agency in ("DNG.SO.A", "DNG.SO.B"):
        submissions.save_draft(
            db, period_code=P, agency_code=agency, values=FULL_VALUES, now=later(1), actor=SYSTEM
        )
    board = flow.ranking_board(db, period_code=P, actor=vanthu)
    assert board.ranking is not None and not board.can_publish
    assert set(board.not_approved) == set(province.agencies)  # every one shown as not approved
    assert {r.agency_code for r in board.ranking.rows} >= {"DNG.SO.A", "DNG.SO.B"}
    run_cycle(db, P, {})
    scoring.publish_period(db, period_code=P, actor=vanthu, now=later(5))
    same = flow.ranking_board(db, period_code=P, actor=vanthu)
    assert same.can_publish and same.identical and same.changes == [] and same.published_revision == 1
    publication.reopen_submission(
        db, period_code=P, agency_code="DNG.PX.2", reason="sửa", actor=vanthu, now=later(6)
    )
    submissions.save_draft(
        db,
        period_code=P,
        agency_code="DNG.PX.2",
        values={**FULL_VALUES, **WARD_EXTRA, "XH_TAI_KHOAN": {"value": 0.1}},
        now=later(6),
        actor=SYSTEM,
    )
    changed = flow.ranking_board(db, period_code=P, actor=vanthu)
    assert not changed.identical and "DNG.PX.2" in {c.agency_code for c in changed.changes}
    assert changed.not_approved == {"DNG.PX.2": "returned"}


def test_no_values_yet_is_said_not_raised(db: Session, province, open_period) -> None:
    open_period()
    board = flow.ranking_board(db, period_code=P, actor=province.users["vanthu"])
    assert board.ranking is None and board.note_vi and not board.can_publish
