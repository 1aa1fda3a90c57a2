"""The follow-up pages' models (the JSON twins) and the read services that build them.

Domain layer; imports chiso.store, chiso.accounts and this room's services. Each `*_page` function reads
what one page shows, filtered by the actor's scope (a reporter sees their own agency), and returns a
typed model; the web renders it as HTML or JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.clock import LocalDatetime
from chiso.followup import alerts, notify, outbox, plans, requests, targets
from chiso.followup.events import EVENT_TYPES
from chiso.monitoring.metrics import builtin_metrics
from chiso.store.models.agencies import Agency
from chiso.store.models.followup import ExplanationRequest
from chiso.store.rows import model_of


class TargetRow(BaseModel):
    code: str
    name_vi: str
    name_en: str | None
    indicator: str
    scope: str
    scope_code: str | None
    period_type: str
    comparison: str
    value: float
    milestones: list[dict[str, Any]]
    valid_from: date
    valid_to: date | None
    counts: dict[str, int]


class StatusRow(BaseModel):
    target_code: str
    agency_code: str
    agency_name: str
    period: str
    value: float | None  # None: no data (never zero)
    target_value: float
    status: str
    trend: list[float | None]


class TargetsPage(BaseModel):
    """Targets with each agency's status, worst first (red first)."""

    targets: list[TargetRow]
    statuses: list[StatusRow]
    evaluated_at: LocalDatetime | None
    rules: dict[str, dict[str, Any]]


class AlertRow(BaseModel):
    id: int
    rule: str
    agency_code: str
    agency_name: str
    period: str
    title_vi: str
    title_en: str
    evidence: dict[str, Any]
    status: str
    raised_at: LocalDatetime


class RequestRow(BaseModel):
    id: int
    alert_id: int | None
    agency_code: str
    agency_name: str
    subject: str
    body: str
    due_at: LocalDatetime
    status: str
    overdue: bool
    escalation_level: int
    answer: str | None
    answered_at: LocalDatetime | None
    files: list[dict[str, Any]] = []


class PlanRow(BaseModel):
    id: int
    agency_code: str
    agency_name: str
    kind: str
    title: str
    indicator: str | None
    owner: str
    start_on: date
    due_on: date
    budget: float | None
    status: str
    progress: int
    overdue: bool
    trend: list[float | None] = []
    indicator_vi: str | None = None  # the linked indicator's name, when it is a 766 metric or the total
    indicator_en: str | None = None


class PlansPage(BaseModel):
    """Action-plan items and IT projects, per agency or for the province."""

    agency_code: str | None
    kind: str | None
    today: date
    items: list[PlanRow]


class NotificationRow(BaseModel):
    id: int
    event_type: str
    title_vi: str
    title_en: str
    body_vi: str
    body_en: str
    link: str
    created_at: LocalDatetime
    read: bool


class NotificationsPage(BaseModel):
    """The viewer's notifications (newest first) and their choices per type and channel."""

    unread: int
    items: list[NotificationRow]
    preferences: dict[str, dict[str, bool]]
    optional: dict[str, bool]
    email: str | None


class DeliveryRow(BaseModel):
    id: int
    channel: str
    event_type: str
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: LocalDatetime
    last_error: str | None
    created_at: LocalDatetime
    sent_at: LocalDatetime | None


class OutboxPage(BaseModel):
    """Deliveries, failed first (the secretariat's view of what did not reach people)."""

    counts: dict[str, int]
    smtp_configured: bool
    items: list[DeliveryRow]


def _names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Agency.code, Agency.name_vi)).all())


def _own_code(session: Session, actor: Actor) -> str | None:
    if is_system(actor) or actor.role != "reporter":
        return None
    return session.scalar(select(Agency.code).where(Agency.id == actor.agency_id)) or ""


def targets_page(session: Session, *, actor: Actor, status: str | None = None) -> TargetsPage:
    """Return the targets and the statuses the actor may see (a reporter: their agency's)."""
    rows = targets.list_targets(session)
    own = _own_code(session, actor)
    found = targets.statuses_of(session, target_ids=[t.id for t in rows], agency_code=own)
    codes = {t.id: t.code for t in rows}
    names = _names(session)
    counts: dict[int, dict[str, int]] = {}
    for s in found:
        counts.setdefault(s.target_id, {}).setdefault(s.status, 0)
        counts[s.target_id][s.status] += 1
    shown = [s for s in found if status is None or s.status == status]
    rules = {
        code: {
            "enabled": on,
            "threshold": th,
            "name_vi": alerts.RULES[code].name_vi,
            "name_en": alerts.RULES[code].name_en,
        }
        for code, (on, th) in alerts.rule_settings(session).items()
    }
    return TargetsPage(
        targets=[TargetRow(**targets.target_dict(t), counts=counts.get(t.id, {})) for t in rows],
        statuses=[
            model_of(
                StatusRow,
                s,
                target_code=codes[s.target_id],
                agency_name=names.get(s.agency_code, s.agency_code),
                trend=list(s.trend or []),
            )
            for s in shown
        ],
        evaluated_at=max((s.evaluated_at for s in found), default=None),
        rules=rules,
    )


def alert_rows(
    session: Session, *, actor: Actor, status: str | None = None, agency_code: str | None = None
) -> list[AlertRow]:
    """Return the alerts the actor may see, newest first."""
    names = _names(session)
    return [
        model_of(AlertRow, a, agency_name=names.get(a.agency_code, ""))
        for a in alerts.list_alerts(session, actor=actor, status=status, agency_code=agency_code)
    ]


def _request_row(session: Session, row: ExplanationRequest, names: dict[int, tuple[str, str]]) -> RequestRow:
    code, name = names.get(row.agency_id, ("", ""))
    overdue = row.status == "open" and row.due_at < clock.now()
    return model_of(RequestRow, row, agency_code=code, agency_name=name, overdue=overdue)


def _agency_names(session: Session) -> dict[int, tuple[str, str]]:
    return {i: (c, n) for i, c, n in session.execute(select(Agency.id, Agency.code, Agency.name_vi))}


def request_rows(session: Session, *, actor: Actor, status: str | None = "open") -> list[RequestRow]:
    """Return the requests the actor may see, by due date."""
    names = _agency_names(session)
    return [
        _request_row(session, r, names) for r in requests.list_requests(session, actor=actor, status=status)
    ]


def request_detail(session: Session, *, request_id: int, actor: Actor) -> RequestRow:
    """Return one request with the files of its answer."""
    row = requests.get_request(session, request_id=request_id, actor=actor)
    out = _request_row(session, row, _agency_names(session))
    files = requests.files_of(session, owner_type="request", owner_ids=[row.id])
    out.files = [
        {"filename": f.filename, "size_bytes": f.size_bytes, "file_type": f.file_type} for f in files
    ]
    return out


def plans_page(
    session: Session, *, actor: Actor, agency_code: str | None = None, kind: str | None = None
) -> PlansPage:
    """Return the plan items (a reporter: their agency's), each with its linked indicator's 6-month trend
    (kept by the last evaluation; else the trend of a target on that indicator)."""
    own = _own_code(session, actor)
    agency_code = own or agency_code
    names = _agency_names(session)
    today = clock.today()
    trends = {
        (t.indicator, s.agency_code): list(s.trend or [])
        for t in targets.list_targets(session)
        for s in targets.statuses_of(session, target_ids=[t.id])
    }
    names_of = indicator_names()
    items = []
    for i in plans.list_items(session, agency_code=agency_code, kind=kind):
        code, name = names.get(i.agency_id, ("", ""))
        items.append(
            model_of(
                PlanRow,
                i,
                agency_code=code,
                agency_name=name,
                overdue=i.due_on < today and i.status in ("planned", "in_progress"),
                trend=list(i.trend or []) or trends.get((i.indicator or "", code), []),
                indicator_vi=names_of.get(i.indicator or "", (None, None))[0],
                indicator_en=names_of.get(i.indicator or "", (None, None))[1],
            )
        )
    return PlansPage(agency_code=agency_code, kind=kind, today=today, items=items)


def indicator_names() -> dict[str, tuple[str, str]]:
    """Return the Vietnamese and English names of the indicators a plan item or target may link to."""
    out = {f"metric:{m.code}": (m.name_vi, m.name_en) for m in builtin_metrics()}
    out["total766"] = ("Tổng điểm Bộ chỉ số 766", "Decision 766 total score")
    return out


def notifications_page(session: Session, *, actor: Actor) -> NotificationsPage:
    """Return the actor's notifications and choices."""
    rows = notify.list_notifications(session, actor=actor)
    email = notify.address_of(session, user_id=actor.id) if actor.id is not None else None
    return NotificationsPage(
        unread=notify.unread_count(session, user_id=actor.id) if actor.id is not None else 0,
        items=[model_of(NotificationRow, n, read=n.read_at is not None) for n in rows],
        preferences=notify.get_preferences(session, actor=actor),
        optional={code: kind.optional for code, kind in EVENT_TYPES.items()},
        email=email,
    )


def outbox_page(
    session: Session, *, actor: Actor, status: str | None = None, smtp_configured: bool
) -> OutboxPage:
    """Return the outbox (secretariat)."""
    rows = outbox.list_deliveries(session, actor=actor, status=status)
    return OutboxPage(
        counts=outbox.delivery_counts(session),
        smtp_configured=smtp_configured,
        items=[
            model_of(DeliveryRow, d, subject=str(d.payload.get("subject") or d.payload.get("title_vi") or ""))
            for d in rows
        ],
    )
