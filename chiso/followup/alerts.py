"""Alerts (cảnh báo): the rules, raising each alert once per agency x rule x period, and their notification.

Domain layer; imports chiso.store, chiso.accounts and this room's notify. The flows evaluate the rules
over monitoring results, targets, submissions and plans and hand the candidates to `raise_alerts`, which
keeps only those never raised (the unique key rule x agency x period: no storm), stores them with their
evidence and sends one digest per person: the secretariat and leaders get the count and the worst, each
agency's reporters get their own agency's alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.errors import InvalidInput, NotFound, PermissionDenied
from chiso.followup.audited import close_recorded
from chiso.followup.messages import Message
from chiso.followup.notify import notify, recipients_of
from chiso.store.models.agencies import Agency
from chiso.store.models.followup import Alert, AlertRule
from chiso.store.models.users import User


@dataclass(frozen=True)
class RuleInfo:
    """A built-in alert rule: names, default threshold and its unit."""

    code: str
    name_vi: str
    name_en: str
    threshold: float | None
    unit: str = ""


RULES: dict[str, RuleInfo] = {
    r.code: r
    for r in (
        RuleInfo("target_missed", "Không đạt chỉ tiêu", "Target missed", None),
        RuleInfo(
            "score_drop",
            "Điểm 766 giảm quá ngưỡng so với tháng trước",
            "766 score fell more than the threshold against last month",
            10.0,
            "điểm / points",
        ),
        RuleInfo(
            "ontime_below",
            "Tỷ lệ đúng hạn dưới ngưỡng",
            "On-time rate below the threshold",
            0.95,
            "tỷ lệ / rate",
        ),
        RuleInfo("submission_overdue", "Quá hạn nộp bản tự đánh giá", "Self-assessment overdue", None),
        RuleInfo("plan_overdue", "Hạng mục kế hoạch quá hạn", "Action-plan item overdue", None),
    )
}


@dataclass(frozen=True)
class Candidate:
    """An alert the evaluation found: the rule, agency, period, titles and the numbers behind it."""

    rule: str
    agency_code: str
    period: str
    title_vi: str
    title_en: str
    evidence: dict[str, Any] = field(default_factory=dict)


def rule_settings(session: Session) -> dict[str, tuple[bool, float | None]]:
    """Return every rule's (enabled, threshold): the stored choice or the default."""
    stored = {r.code: r for r in session.scalars(select(AlertRule))}
    out = {}
    for code, info in RULES.items():
        row = stored.get(code)
        out[code] = (row.enabled, row.threshold) if row is not None else (True, info.threshold)
    return out


def set_rule(session: Session, *, code: str, enabled: bool, threshold: float | None, actor: Actor) -> None:
    """Switch a rule on or off and set its threshold (secretariat; audited)."""
    if not is_system(actor) and actor.role != "secretariat":
        raise PermissionDenied(
            "Chỉ văn phòng sửa được quy tắc cảnh báo", "Only the secretariat edits alert rules"
        )
    if code not in RULES:
        raise InvalidInput(f"Không có quy tắc '{code}'", f"No alert rule '{code}'")
    row = session.get(AlertRule, code)
    old = rule_settings(session)[code]
    if row is None:
        row = AlertRule(code=code)
        session.add(row)
    row.enabled, row.threshold, row.updated_at = enabled, threshold, clock.now()
    session.flush()
    record_change(
        session,
        action="alert_rule.update",
        object_type="alert_rule",
        object_id=code,
        actor=actor,
        old=list(old),
        new=[enabled, threshold],
    )


def new_candidates(session: Session, *, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Return the candidates whose key (rule x agency x period) was never raised, each key once."""
    unique = {(c.rule, c.agency_code, c.period): c for c in candidates}
    if not unique:
        return []
    # One query on the few rules and periods at hand (an IN list of key tuples costs more to compile).
    stmt = select(Alert.rule, Alert.agency_code, Alert.period).where(
        Alert.rule.in_({k[0] for k in unique}), Alert.period.in_({k[2] for k in unique})
    )
    known = {tuple(row) for row in session.execute(stmt)}
    return [c for k, c in unique.items() if k not in known]


def raise_alerts(
    session: Session, *, candidates: Sequence[Candidate], now: datetime | None = None
) -> list[Candidate]:
    """Store the candidates never raised before (rule x agency x period) and notify; return those new ones."""
    moment = now or clock.now()
    fresh = new_candidates(session, candidates=candidates)
    if not fresh:
        return []
    rows = [
        {
            "rule": c.rule,
            "agency_code": c.agency_code,
            "period": c.period,
            "title_vi": c.title_vi[:400],
            "title_en": c.title_en[:400],
            "evidence": c.evidence,
            "status": "open",
            "raised_at": moment,
        }
        for c in fresh
    ]
    table = cast(Table, Alert.__table__)
    session.connection().execute(insert(table), rows)  # Core executemany: no ORM bookkeeping
    _notify_digest(session, fresh, moment)
    return fresh


def _notify_digest(session: Session, fresh: Sequence[Candidate], moment: datetime) -> None:
    stamp = moment.isoformat()
    staff = session.scalars(select(User).where(User.role.in_(["secretariat", "leader"]), User.is_active))
    shown = "\n".join(f"- {c.agency_code}: {c.title_vi}" for c in fresh[:10])
    shown_en = "\n".join(f"- {c.agency_code}: {c.title_en}" for c in fresh[:10])
    more = f"\n... (+{len(fresh) - 10})" if len(fresh) > 10 else ""
    notify(
        session,
        event_type="alert_raised",
        key=f"alerts:{stamp}",
        recipients=recipients_of(session, staff),
        message=Message(
            f"{len(fresh)} cảnh báo mới",
            f"{len(fresh)} new alerts",
            shown + more,
            shown_en + more,
            "/alerts?status=open",
        ),
        now=moment,
    )
    by_agency: dict[str, list[Candidate]] = {}
    for c in fresh:
        by_agency.setdefault(c.agency_code, []).append(c)
    reporters = session.execute(
        select(Agency.code, User)
        .join(User, User.agency_id == Agency.id)
        .where(Agency.code.in_(list(by_agency)), User.role == "reporter", User.is_active)
    )
    for code, user in reporters:
        mine = by_agency[code]
        notify(
            session,
            event_type="alert_raised",
            key=f"alerts:{stamp}:{code}",
            recipients=recipients_of(session, [user]),
            message=Message(
                f"Cảnh báo cho đơn vị {code}: {mine[0].title_vi}",
                f"Alert for {code}: {mine[0].title_en}",
                "\n".join(c.title_vi for c in mine),
                "\n".join(c.title_en for c in mine),
                f"/alerts?agency={code}",
            ),
            now=moment,
        )


def list_alerts(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    agency_code: str | None = None,
    limit: int = 500,
) -> list[Alert]:
    """List alerts, newest first; a reporter sees only their own agency's."""
    stmt = select(Alert)
    if not is_system(actor) and actor.role == "reporter":
        own = session.scalar(select(Agency.code).where(Agency.id == actor.agency_id))
        stmt = stmt.where(Alert.agency_code == (own or ""))
    elif not is_system(actor) and actor.role not in ("secretariat", "leader", "assessor"):
        raise PermissionDenied("Không được xem cảnh báo", "You may not see alerts")
    if status:
        stmt = stmt.where(Alert.status == status)
    if agency_code:
        stmt = stmt.where(Alert.agency_code == agency_code)
    return list(session.scalars(stmt.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)))


def get_alert(session: Session, *, alert_id: int) -> Alert:
    """Return one alert.

    Raises:
        NotFound: no such alert.
    """
    row = session.get(Alert, alert_id)
    if row is None:
        raise NotFound(f"Không có cảnh báo số {alert_id}", f"No alert number {alert_id}")
    return row


def close_alert(session: Session, *, alert_id: int, reason: str, actor: Actor) -> Alert:
    """Close an alert with a reason (secretariat or leader; audited)."""
    if not is_system(actor) and actor.role not in ("secretariat", "leader"):
        raise PermissionDenied(
            "Chỉ văn phòng hoặc lãnh đạo đóng được cảnh báo", "Only the secretariat or a leader closes alerts"
        )
    if not reason.strip():
        raise InvalidInput("Cần nêu lý do đóng cảnh báo", "Say why the alert is closed")
    row = get_alert(session, alert_id=alert_id)
    return close_recorded(session, row, object_type="alert", actor=actor, reason=reason)
