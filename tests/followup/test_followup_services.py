"""Targets, alerts, requests and reminders on the store, with time travel (chiso.clock.frozen)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.assessment import periods
from chiso.errors import InvalidInput
from chiso.flows.followup_eval import rule_candidates, submission_candidates
from chiso.flows.followup_jobs import send_deadline_reminders, set_schedule
from chiso.followup import alerts, requests, targets
from chiso.followup.alerts import Candidate
from chiso.store.models.agencies import Agency, GroupMember, PeerGroup
from chiso.store.models.audit import AuditEntry
from chiso.store.models.followup import Alert, Notification
from chiso.units.text import fold


def _agency(s: Session, code: str = "FU.A") -> Agency:
    agency = Agency(
        code=code, name_vi="Sở Thử", name_ascii=fold("Sở Thử"), kind="department", province_code="48"
    )
    s.add(agency)
    s.flush()
    return agency


@given(st.floats(0, 100), st.floats(0, 100))
def test_no_data_is_never_judged_and_a_value_is_met_or_missed(value: float, wanted: float) -> None:
    assert targets.judge(None, comparison=">=", target_value=wanted) == "no_data"
    status = targets.judge(value, comparison=">=", target_value=wanted)
    assert status == ("met" if value >= wanted - 1e-9 else "missed")


def test_a_falling_trend_puts_a_met_target_at_risk() -> None:
    assert (
        targets.judge(92, comparison=">=", target_value=90, trend=[99, 97, 95, 92], steps_left=3) == "at_risk"
    )
    assert targets.judge(92, comparison=">=", target_value=90, trend=[88, 90, 91, 92], steps_left=3) == "met"


def test_milestones_set_the_value_in_force() -> None:
    target = targets.Target(value=100, milestones=[{"on": "2026-06-30", "value": 80}])
    assert targets.value_in_force(target, datetime(2026, 5, 1).date()) == 80
    assert targets.value_in_force(target, datetime(2026, 7, 1).date()) == 100


def test_rules_skip_agencies_without_dossiers() -> None:
    values = pd.DataFrame(
        {
            "agency_code": ["A", "B", "C"],
            "period": ["2026-05"] * 3,
            "indicator_code": ["TIMELINESS"] * 3,
            "numerator": [80.0, 0.0, 99.0],
            "denominator": [100.0, 0.0, 100.0],
            "value": [0.8, 0.0, 0.99],
        }
    )
    found = rule_candidates(
        values,
        pd.DataFrame(columns=["agency_code", "period", "node_code", "published"]),
        month="2026-05",
        previous="2026-04",
        drop_points=10,
        ontime_below=0.95,
    )
    assert [(c.rule, c.agency_code) for c in found] == [("ontime_below", "A")]  # B has no data: no alert
    assert found[0].evidence["late"] == 20


def test_an_alert_is_raised_once_per_agency_rule_and_period(db: Session) -> None:
    _agency(db)
    one = Candidate("ontime_below", "FU.A", "2026-05", "Tỷ lệ đúng hạn thấp", "Low on-time rate", {"late": 3})
    assert len(alerts.raise_alerts(db, candidates=[one, one])) == 1
    assert alerts.raise_alerts(db, candidates=[one]) == []  # the next evaluation: no storm
    assert db.scalar(select(func.count(Alert.id)).where(Alert.agency_code == "FU.A")) == 1


def test_an_overdue_request_escalates_level_by_level(db: Session) -> None:
    agency = _agency(db)
    requests.add_contact(
        db, agency_code=agency.code, level=2, full_name="Trưởng phòng", email="tp@x.vn", actor=SYSTEM
    )
    requests.add_contact(
        db, agency_code=agency.code, level=3, full_name="Giám đốc", email="gd@x.vn", actor=SYSTEM
    )
    start = datetime(2026, 5, 4, 9, 0)
    with clock.frozen(start):
        row = requests.create_request(
            db,
            agency_code=agency.code,
            subject="Giải trình",
            body="Vì sao?",
            due_at=datetime(2026, 5, 8, 17, 0),
            actor=SYSTEM,
        )
    steps = [
        (datetime(2026, 5, 8, 16, 0), 0),
        (datetime(2026, 5, 8, 18, 0), 1),
        (datetime(2026, 5, 10, 18, 0), 2),
        (datetime(2026, 5, 13, 18, 0), 3),
        (datetime(2026, 5, 20, 18, 0), 3),
    ]
    for moment, level in steps:
        with clock.frozen(moment):
            requests.escalate_overdue(db, actor=SYSTEM, delays_days=(0, 2, 5))
        assert row.escalation_level == level, moment
    trail = db.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "request", AuditEntry.object_id == str(row.id)
        )
    )
    assert sorted(trail) == ["request.create", "request.escalate", "request.escalate", "request.escalate"]


def test_an_answered_request_does_not_escalate(db: Session) -> None:
    agency = _agency(db)
    with clock.frozen(datetime(2026, 5, 4, 9, 0)):
        row = requests.create_request(
            db,
            agency_code=agency.code,
            subject="Giải trình",
            body="",
            due_at=datetime(2026, 5, 8, 17, 0),
            actor=SYSTEM,
        )
        requests.answer_request(
            db,
            request_id=row.id,
            answer="Do hệ thống lỗi ngày 5/5",
            files=[("bien-ban.pdf", b"%PDF-1.4\n%%EOF\n")],
            actor=SYSTEM,
        )
    with clock.frozen(datetime(2026, 6, 1)):
        assert requests.escalate_overdue(db, actor=SYSTEM, delays_days=(0, 2, 5)) == 0
    assert [f.filename for f in requests.files_of(db, owner_type="request", owner_ids=[row.id])] == [
        "bien-ban.pdf"
    ]


def test_a_request_in_the_past_is_refused(db: Session) -> None:
    agency = _agency(db)
    with pytest.raises(InvalidInput):
        requests.create_request(
            db,
            agency_code=agency.code,
            subject="x",
            body="",
            due_at=clock.now() - timedelta(hours=1),
            actor=SYSTEM,
        )


def test_deadline_reminders_reach_reporters_once_per_day_in_the_schedule(db: Session) -> None:
    agency = _agency(db)
    group = PeerGroup(province_code="48", period="2098", code="FU", name_vi="Nhóm thử")
    db.add(group)
    db.flush()
    db.add(GroupMember(group_id=group.id, agency_id=agency.id))
    user = create_user(
        db,
        username="fu_rep",
        full_name="Báo cáo",
        password="mat-khau-12345",
        role="reporter",
        agency_id=agency.id,
        province_code="48",
    )
    with clock.frozen(datetime(2026, 3, 1, 8, 0)):
        periods.open_period(
            db,
            code="FU-2098",
            name_vi="Kỳ thử",
            province_code="48",
            period="2098",
            framework_id="danang-it",
            group_codes=["FU"],
            submission_deadline=datetime(2026, 3, 20, 17, 0),
            review_deadline=datetime(2026, 4, 20, 17, 0),
            actor=SYSTEM,
        )
        set_schedule(db, period_code="FU-2098", kind="submission", days_before=[7, 3, 1])
    sent = []
    for day in (10, 13, 14, 17, 18, 19, 20, 21):
        with clock.frozen(datetime(2026, 3, day, 18, 0)):
            sent.append(send_deadline_reminders(db, now=clock.now()))
    assert sent == [0, 1, 0, 1, 0, 1, 0, 0]  # 7, 3 and 1 days before 20/03 17:00, each once; none after
    titles = db.scalars(select(Notification.title_vi).where(Notification.user_id == user.id))
    assert sorted(titles) == sorted(f"Còn {d} ngày đến hạn nộp kỳ FU-2098" for d in (7, 3, 1))
    with clock.frozen(datetime(2026, 3, 21, 9, 0)):
        overdue = [c for c in submission_candidates(db, now=clock.now()) if c.agency_code == agency.code]
    assert [c.rule for c in overdue] == ["submission_overdue"]
