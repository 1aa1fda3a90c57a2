"""The alert rules over real records and the store: the late dossiers behind an on-time-rate alert,
overdue plan items and overdue submissions, each alert once per agency x rule x period however often the
evaluation runs (time travel with chiso.clock.frozen)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.config import get_settings
from chiso.flows.followup_eval import evaluate_followup
from chiso.followup import plans
from chiso.monitoring.ingest import ingest_records
from chiso.store.models.agencies import Agency
from chiso.store.models.followup import Alert
from chiso.units.text import fold

CODE = "FU.LATE"


def _agency(s: Session, code: str = CODE) -> Agency:
    agency = Agency(
        code=code, name_vi="Sở Trễ Hạn", name_ascii=fold("Sở Trễ Hạn"), kind="department", province_code="48"
    )
    s.add(agency)
    s.flush()
    return agency


def _dossier(number: int, *, due_day: int, finished_day: int | None) -> dict[str, object]:
    return {
        "dossier_id": f"HS-{number:03d}",
        "agency_code": CODE,
        "procedure_code": "1.000046",
        "channel": "online",
        "received_at": "2026-05-04T09:00:00",
        "due_at": f"2026-05-{due_day:02d}T17:00:00",
        "finished_at": None if finished_day is None else f"2026-05-{finished_day:02d}T10:00:00",
        "status": "received" if finished_day is None else "finished",
    }


def _alerts(s: Session, rule: str) -> list[Alert]:
    return list(s.scalars(select(Alert).where(Alert.rule == rule, Alert.agency_code == CODE)))


def test_an_on_time_alert_carries_its_late_dossiers_most_overdue_first(db: Session) -> None:
    _agency(db)
    on_time = [_dossier(i, due_day=20, finished_day=18) for i in range(6)]
    late = [
        _dossier(10, due_day=8, finished_day=12),  # 4 days late
        _dossier(11, due_day=8, finished_day=20),  # 12 days late
        _dossier(12, due_day=15, finished_day=None),  # still open past its due date
    ]
    ingest_records([*on_time, *late], kind="dossiers", data_dir=get_settings().data_dir)
    now = datetime(2026, 5, 28, 18, 0)
    with clock.frozen(now):
        report = evaluate_followup(db, data_dir=get_settings().data_dir, now=clock.now())
    assert report.raised.get("ontime_below") == 1
    [alert] = _alerts(db, "ontime_below")
    evidence = alert.evidence
    assert (evidence["received"], evidence["late"]) == (9, 3)
    shown = evidence["late_dossiers"]
    assert [d["dossier_id"] for d in shown] == ["HS-012", "HS-011", "HS-010"]
    assert shown[1]["finished_at"] == "2026-05-20T10:00" and shown[0]["finished_at"] is None
    assert shown[1]["days_late"] > shown[2]["days_late"] > 0
    with clock.frozen(now + timedelta(hours=3)):
        again = evaluate_followup(db, data_dir=get_settings().data_dir, now=clock.now())
    assert again.raised == {} and len(_alerts(db, "ontime_below")) == 1


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(1, 60), min_size=1, max_size=4))
def test_an_overdue_plan_item_raises_one_alert_however_often_evaluated(db: Session, days: list[int]) -> None:
    nested = db.begin_nested()
    _agency(db)
    with clock.frozen(datetime(2026, 1, 10, 9, 0)):
        item = plans.create_item(
            db,
            actor=SYSTEM,
            data=plans.PlanItemIn(
                agency_code=CODE, title="Số hóa hồ sơ", start_on=date(2026, 1, 15), due_on=date(2026, 3, 31)
            ),
        )
    for offset in sorted(days):
        with clock.frozen(datetime(2026, 4, 1, 8, 0) + timedelta(days=offset)):
            evaluate_followup(db, data_dir=get_settings().data_dir, now=clock.now())
    [alert] = _alerts(db, "plan_overdue")
    assert alert.period == f"plan:{item.id}" and alert.evidence["due_on"] == "2026-03-31"
    nested.rollback()


def test_a_done_plan_item_raises_nothing(db: Session) -> None:
    _agency(db)
    with clock.frozen(datetime(2026, 1, 10, 9, 0)):
        item = plans.create_item(
            db,
            actor=SYSTEM,
            data=plans.PlanItemIn(
                agency_code=CODE, title="Cổng DVC", start_on=date(2026, 1, 15), due_on=date(2026, 3, 31)
            ),
        )
        plans.report_progress(db, item_id=item.id, progress=50, status="in_progress", note="", actor=SYSTEM)
        plans.report_progress(db, item_id=item.id, progress=100, status="done", note="", actor=SYSTEM)
    with clock.frozen(datetime(2026, 4, 20, 8, 0)):
        evaluate_followup(db, data_dir=get_settings().data_dir, now=clock.now())
    assert db.scalar(select(func.count(Alert.id)).where(Alert.agency_code == CODE)) == 0


def test_a_plan_item_keeps_its_indicators_trend_after_an_evaluation(db: Session) -> None:
    _agency(db)
    late = [_dossier(10 + i, due_day=8, finished_day=12) for i in range(2)]
    on_time = [_dossier(i, due_day=20, finished_day=18) for i in range(6)]
    ingest_records([*late, *on_time], kind="dossiers", data_dir=get_settings().data_dir)
    with clock.frozen(datetime(2026, 5, 2, 9, 0)):
        item = plans.create_item(
            db,
            actor=SYSTEM,
            data=plans.PlanItemIn(
                agency_code=CODE,
                title="Nâng tỷ lệ đúng hạn",
                indicator="metric:TIMELINESS",
                start_on=date(2026, 5, 2),
                due_on=date(2026, 12, 31),
            ),
        )
        unlinked = plans.create_item(
            db,
            actor=SYSTEM,
            data=plans.PlanItemIn(
                agency_code=CODE, title="Tập huấn", start_on=date(2026, 5, 2), due_on=date(2026, 12, 31)
            ),
        )
    with clock.frozen(datetime(2026, 5, 28, 18, 0)):
        evaluate_followup(db, data_dir=get_settings().data_dir, now=clock.now())
    assert item.trend == [None, None, None, None, None, 75.0]  # 6 of 8 on time in May; no data before
    assert unlinked.trend is None
