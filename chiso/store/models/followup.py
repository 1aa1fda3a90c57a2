"""Follow-up tables: targets, alerts, requests for explanation, action plans, notifications, deliveries.

Store layer: imports nothing from the domain rooms. Services in chiso/followup/ own the rules (target
status, one alert per agency x rule x period, escalation, the outbox's claim and retry); flows in
chiso/flows/ evaluate the rules and run the worker. Every moment is an AwareDateTime (UTC).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base
from chiso.store.mixins import StoredFile
from chiso.store.types import AwareDateTime

TARGET_SCOPES = ("province", "group", "kind", "agency")
PERIOD_TYPES = ("month", "quarter", "year")
COMPARISONS = (">=", "<=")
TARGET_STATUSES = ("met", "at_risk", "missed", "no_data")
ALERT_STATUSES = ("open", "requested", "closed")
REQUEST_STATUSES = ("open", "answered", "closed")
PLAN_STATUSES = ("planned", "in_progress", "done", "verified")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed")


class Target(Base):
    """A target (chỉ tiêu): an indicator, a scope, a period type and validity, a comparison and value."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300), nullable=True)
    province_code: Mapped[str] = mapped_column(String(10), index=True)
    indicator: Mapped[str] = mapped_column(
        String(120)
    )  # metric:X | group:X | total766 | node:FW/X | custom:X
    scope: Mapped[str] = mapped_column(String(20))  # one of TARGET_SCOPES
    scope_code: Mapped[str | None] = mapped_column(String(60), nullable=True)  # group, kind or agency code
    period_type: Mapped[str] = mapped_column(String(10))  # one of PERIOD_TYPES
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)  # inclusive last day
    comparison: Mapped[str] = mapped_column(String(2))  # one of COMPARISONS
    value: Mapped[float] = mapped_column(Float)
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"on": iso, "value": x}]
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class TargetStatus(Base):
    """The last evaluation of a target for one agency: value, target in force, status and monthly trend."""

    __tablename__ = "target_statuses"
    __table_args__ = (UniqueConstraint("target_id", "agency_code", name="uq_target_statuses_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    period: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: no data
    target_value: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10))  # one of TARGET_STATUSES
    trend: Mapped[list[float | None]] = mapped_column(JSON, default=list)
    evaluated_at: Mapped[datetime] = mapped_column(AwareDateTime())


class AlertRule(Base):
    """An alert rule the secretariat can switch on or off and tune (threshold in the rule's unit)."""

    __tablename__ = "alert_rules"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)


class Alert(Base):
    """An alert raised once per agency x rule x period, with the numbers behind it."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("rule", "agency_code", "period", name="uq_alerts_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(80))  # "target:<code>", "score_drop", "rate_below", ...
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    period: Mapped[str] = mapped_column(String(40))
    title_vi: Mapped[str] = mapped_column(String(400))
    title_en: Mapped[str] = mapped_column(String(400))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="open")  # one of ALERT_STATUSES
    raised_at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)


class ExplanationRequest(Base):
    """A request for explanation (yêu cầu giải trình) sent to an agency, answered before a due date."""

    __tablename__ = "explanation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), nullable=True, index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    subject: Mapped[str] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # one of REQUEST_STATUSES
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)  # 0 none; 1 officer .. 3 head
    escalated_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class AgencyContact(Base):
    """Who answers for an agency at each escalation level: 1 officer, 2 head of department, 3 head."""

    __tablename__ = "agency_contacts"
    __table_args__ = (UniqueConstraint("agency_id", "level", "email", name="uq_agency_contacts_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PlanItem(Base):
    """An action-plan item or an IT project of an agency, on a schedule, with its status."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # item | project
    title: Mapped[str] = mapped_column(String(400))
    indicator: Mapped[str | None] = mapped_column(String(120), nullable=True)  # criterion or indicator
    project_id: Mapped[int | None] = mapped_column(ForeignKey("plan_items.id"), nullable=True)
    owner: Mapped[str] = mapped_column(String(200), default="")
    start_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    budget: Mapped[float | None] = mapped_column(Float, nullable=True)  # million VND
    status: Mapped[str] = mapped_column(String(20), default="planned")  # one of PLAN_STATUSES
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # the linked indicator's last 6 months for this agency (None: no data that month), set by the evaluation
    trend: Mapped[list[float | None] | None] = mapped_column(JSON, nullable=True)


class PlanUpdate(Base):
    """A progress update of a plan item (percent, note, new status)."""

    __tablename__ = "plan_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    progress: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")


class FollowupFile(StoredFile, Base):
    """A file attached to an answer or a plan update."""

    __tablename__ = "followup_files"
    __table_args__ = (Index("ix_followup_files_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(20))  # request | plan_update
    owner_id: Mapped[int] = mapped_column(Integer)


class Notification(Base):
    """An in-app notification of one user (the bell); the event key makes an event notify once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key", name="uq_notifications_user_event"),
        Index("ix_notifications_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(200))
    title_vi: Mapped[str] = mapped_column(String(400))
    title_en: Mapped[str] = mapped_column(String(400))
    body_vi: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(400), default="/")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    read_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)


class Delivery(Base):
    """One message to send on one channel (the outbox); its idempotency key makes it unique."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(240), unique=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | webhook
    event_type: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(300))  # an e-mail address or "webhook"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # subject, text, html, link, data
    status: Mapped[str] = mapped_column(String(10), default="pending")  # one of DELIVERY_STATUSES
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(AwareDateTime())
    locked_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)


class NotificationSetting(Base):
    """A user's choice for one event type and channel (absent: the type's default)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)  # inapp | email | webhook
    enabled: Mapped[bool] = mapped_column(Boolean)


class UserAddress(Base):
    """Where a user's e-mails go (kept here until accounts carry an e-mail address of their own)."""

    __tablename__ = "user_addresses"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(200))


class ReminderSchedule(Base):
    """Reminders before a period's deadline: days before (e.g. [7, 3, 1]) for agencies not yet submitted."""

    __tablename__ = "reminder_schedules"
    __table_args__ = (UniqueConstraint("period_id", "kind", name="uq_reminder_schedules_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("assessment_periods.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # submission | review
    days_before: Mapped[list[int]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class ReportSubscription(Base):
    """A user's weekly or monthly e-mail of the dashboard summary or a ranking."""

    __tablename__ = "report_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report: Mapped[str] = mapped_column(String(20))  # dashboard | ranking
    frequency: Mapped[str] = mapped_column(String(10))  # weekly | monthly
    period_code: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the ranking's period
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())


class WorkerLease(Base):
    """A named lease held by one process until it expires: the worker's leader election and daily jobs."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(120), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
