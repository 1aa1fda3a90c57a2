"""The demo's follow-up: the national targets, an evaluation (a few agencies miss them), an open request for
explanation and an answered one, a reminder schedule on the 2026 period, an action plan and an IT project.

Flows layer: composes chiso.followup (targets, requests, plans, contacts, addresses) with the evaluation
flow (chiso.flows.followup_eval) over the demo's monitoring records. Idempotent: a second run changes
nothing (targets are saved by code; requests and plans are added only when the demo has none).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.config import get_settings
from chiso.flows.followup_eval import evaluate_followup
from chiso.flows.followup_jobs import set_schedule
from chiso.followup import plans, requests, targets
from chiso.followup.notify import set_address
from chiso.store.models.assessment import AssessmentPeriod
from chiso.store.models.followup import Alert, ExplanationRequest, PlanItem
from chiso.store.models.users import User
from chiso.units.demo import DEMO_PROVINCE

# The national targets a province adopts (Decision 766 and the digital-government plans).
NATIONAL_TARGETS = [
    (
        "ONLINE_L34",
        "100% thủ tục cung cấp dịch vụ công trực tuyến",
        "100% of procedures offered online",
        "metric:ONLINE_PROCEDURE_RATE",
        "province",
        None,
        100.0,
    ),
    (
        "FULL_ONLINE_50",
        "Ít nhất 50% hồ sơ trực tuyến toàn trình",
        "At least 50% full-online dossiers",
        "metric:ONLINE_FULL_DOSSIER_RATE",
        "province",
        None,
        50.0,
    ),
    (
        "SCORE766_80",
        "Điểm Bộ chỉ số 766 của mỗi cơ quan đạt từ 80",
        "Every agency's 766 score at least 80",
        "total766",
        "province",
        None,
        80.0,
    ),
    (
        "ONTIME_95",
        "Tỷ lệ hồ sơ đúng hạn từ 95%",
        "On-time rate at least 95%",
        "metric:TIMELINESS",
        "province",
        None,
        95.0,
    ),
]
DEMO_EMAILS = {
    "vanthu": "vanthu@demo.chiso.vn",
    "lanhdao": "lanhdao@demo.chiso.vn",
    "baocao.khcn": "baocao.khcn@demo.chiso.vn",
    "thamdinh": "thamdinh@demo.chiso.vn",
}


def build_demo_followup(
    session: Session, *, province_code: str = "48", today: date | None = None
) -> dict[str, int]:
    """Add the follow-up demo; return counts (targets, alerts, requests, plan items)."""
    day = today or clock.today()
    for code, vi, en, indicator, scope, scope_code, value in NATIONAL_TARGETS:
        targets.save_target(
            session,
            province_code=province_code,
            actor=SYSTEM,
            data=targets.TargetIn(
                code=code,
                name_vi=vi,
                name_en=en,
                indicator=indicator,
                scope=scope,
                scope_code=scope_code,
                period_type="year",
                valid_from=date(day.year, 1, 1),
                value=value,
                milestones=[targets.Milestone(on=date(day.year, 6, 30), value=value * 0.9)]
                if code == "ONLINE_L34"
                else [],
            ),
        )
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(list(DEMO_EMAILS))))}
    for username, email in DEMO_EMAILS.items():
        if username in users:
            set_address(session, actor=SYSTEM, user_id=users[username].id, email=email)
    period = session.scalar(select(AssessmentPeriod).where(AssessmentPeriod.code == "DNG-2026"))
    if period is not None:
        set_schedule(session, period_code=period.code, kind="submission", days_before=[7, 3, 1])
    if not session.scalar(select(func.count(PlanItem.id))):
        _plans(session, day)
    # After the plans: an evaluation sees every overdue item now, so the next one raises nothing new.
    evaluate_followup(session, data_dir=get_settings().data_dir)
    if not session.scalar(select(func.count(ExplanationRequest.id))):
        _requests(session)
    return {
        "targets": len(NATIONAL_TARGETS),
        "alerts": int(session.scalar(select(func.count(Alert.id))) or 0),
        "requests": int(session.scalar(select(func.count(ExplanationRequest.id))) or 0),
        "plan_items": int(session.scalar(select(func.count(PlanItem.id))) or 0),
    }


class _Units(Protocol):
    session: Session


class _Step(Protocol):
    """What this step needs of the demo's context (chiso.flows.demo imports this module, not the reverse)."""

    @property
    def units(self) -> _Units: ...


def add_demo_followup(ctx: _Step) -> None:
    """Add targets, alerts, requests for explanation, plans and the 2026 reminder schedule."""
    build_demo_followup(ctx.units.session, province_code=DEMO_PROVINCE, today=clock.today())


def _requests(session: Session) -> None:
    """An answered request to the Department of Science and Technology and an open one from an alert."""
    lead = session.scalar(select(User).where(User.username == "lanhdao")) or SYSTEM
    due = clock.now() + timedelta(days=5)
    requests.add_contact(
        session,
        agency_code="DNG.SO.KHCN",
        level=2,
        full_name="Trưởng phòng CNTT",
        email="truongphong.khcn@demo.chiso.vn",
        actor=SYSTEM,
    )
    requests.add_contact(
        session,
        agency_code="DNG.SO.KHCN",
        level=3,
        full_name="Giám đốc Sở KH&CN",
        email="giamdoc.khcn@demo.chiso.vn",
        actor=SYSTEM,
    )
    answered = requests.create_request(
        session,
        agency_code="DNG.SO.KHCN",
        subject="Giải trình tỷ lệ hồ sơ trễ hạn tháng trước",
        body="Đề nghị Sở giải trình nguyên nhân hồ sơ trễ hạn và biện pháp khắc phục.",
        due_at=due,
        actor=lead,
    )
    reporter = session.scalar(select(User).where(User.username == "baocao.khcn")) or SYSTEM
    requests.answer_request(
        session,
        request_id=answered.id,
        actor=reporter,
        answer=(
            "Hồ sơ trễ hạn do chờ kết quả liên thông với Bộ; Sở đã giao phòng chuyên môn theo dõi hằng ngày "
            "và bổ sung 02 cán bộ tiếp nhận."
        ),
    )
    alert = session.scalar(select(Alert).where(Alert.status == "open").order_by(Alert.id))
    if alert is not None:
        requests.create_request(
            session,
            agency_code=alert.agency_code,
            subject=f"Giải trình: {alert.title_vi}",
            body="Đề nghị đơn vị giải trình và nêu biện pháp khắc phục.",
            due_at=due,
            actor=lead,
            alert_id=alert.id,
        )


def _plans(session: Session, day: date) -> None:
    start = date(day.year, 1, 15)
    for item in (
        {
            "title": "Số hóa 100% hồ sơ một cửa",
            "indicator": "metric:SO_HOA_GIAY_TO_GIAI_QUYET",
            "owner": "Văn phòng Sở",
            "due_on": date(day.year, 6, 30),
            "budget": 120,
        },
        {
            "kind": "project",
            "title": "Nâng cấp Cổng dịch vụ công thành phố",
            "indicator": "metric:ONLINE_FULL_DOSSIER_RATE",
            "owner": "Trung tâm CNTT",
            "due_on": date(day.year, 11, 30),
            "budget": 2500,
        },
    ):
        data = plans.PlanItemIn.model_validate({"agency_code": "DNG.SO.KHCN", "start_on": start, **item})
        plans.create_item(session, actor=SYSTEM, data=data)
    plans.add_to_plan(
        session,
        agency_code="DNG.SO.KHCN",
        criterion="metric:TIMELINESS",
        title="Nâng tỷ lệ hồ sơ đúng hạn lên 95%",
        actor=SYSTEM,
        due_on=day + timedelta(days=90),
    )
    first = session.scalar(select(PlanItem).order_by(PlanItem.id))
    if first is not None:
        with clock.frozen(datetime.combine(day, datetime.min.time())):
            plans.report_progress(
                session,
                item_id=first.id,
                progress=60,
                status="in_progress",
                note="Đã số hóa 60% hồ sơ",
                actor=SYSTEM,
            )
