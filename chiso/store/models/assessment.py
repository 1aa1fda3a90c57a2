"""The assessment cycle's tables: periods, submissions and their values, evidence, assessors, publications.

Store layer: imports nothing from the domain rooms. Services in chiso/assessment/ own the rules
(status machine, deadlines, optimistic locking, immutability of publications).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chiso.store.base import Base
from chiso.store.mixins import OptimisticLock, StoredFile
from chiso.store.types import AwareDateTime

PERIOD_STATUSES = ("open", "review", "published")
SUBMISSION_STATUSES = ("draft", "submitted", "returned", "resubmitted", "approved")
REVIEW_STATES = ("pending", "accepted", "changed", "returned")


class AssessmentPeriod(Base):
    """One assessment round (kỳ đánh giá) of a framework version for a province's peer groups."""

    __tablename__ = "assessment_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # "DNG-2026"
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200), nullable=True)
    province_code: Mapped[str] = mapped_column(String(10), index=True)
    period: Mapped[str] = mapped_column(String(20))  # the label the peer groups use: "2026"
    framework_id: Mapped[str] = mapped_column(String(1024))  # a built-in id, id@version or a file path
    framework_version: Mapped[str] = mapped_column(String(40))
    submission_deadline: Mapped[datetime] = mapped_column(AwareDateTime())
    review_deadline: Mapped[datetime] = mapped_column(AwareDateTime())
    status: Mapped[str] = mapped_column(String(20), default="open")  # one of PERIOD_STATUSES
    previous_period_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_periods.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PeriodGroup(Base):
    """A peer group taking part in a period."""

    __tablename__ = "assessment_period_groups"

    period_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_periods.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id", ondelete="CASCADE"), primary_key=True)


class AssessorAssignment(Base):
    """An assessor reviews the submissions of the agencies of one peer group."""

    __tablename__ = "assessor_assignments"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id", ondelete="CASCADE"), primary_key=True)


class Submission(OptimisticLock, Base):
    """An agency's self-assessment in a period; also holds its per-agency deadline extension."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("period_id", "agency_id", name="uq_submissions_period_agency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_periods.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("peer_groups.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # one of SUBMISSION_STATUSES
    extended_until: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    review_comment: Mapped[str | None] = mapped_column(Text, nullable=True)  # last "return" comment
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    values: Mapped[list[SubmissionValue]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionValue.id"
    )


class SubmissionValue(OptimisticLock, Base):
    """One criterion's value in a submission (reported or computed), with its review state."""

    __tablename__ = "submission_values"
    __table_args__ = (
        UniqueConstraint("submission_id", "indicator_code", name="uq_submission_values_criterion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # yesno | number | ratio | choice | points
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    choice: Mapped[str | None] = mapped_column(String(200), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(200), default="reported")  # reported | monitoring:<lineage>
    is_computed: Mapped[bool] = mapped_column(Boolean, default=False)
    review_state: Mapped[str] = mapped_column(String(20), default="pending")  # one of REVIEW_STATES
    points_override: Mapped[float | None] = mapped_column(Float, nullable=True)
    review_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    submission: Mapped[Submission] = relationship(back_populates="values")


class Evidence(Base):
    """A document backing a claim (minh chứng): number, date, summary, and its files."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(80))
    document_number: Mapped[str] = mapped_column(String(120))  # "123/QĐ-UBND"
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: Withdrawn by the reporter before submission: hidden, kept for the criterion's history.
    withdrawn_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)

    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", order_by="EvidenceFile.id"
    )


class EvidenceFile(StoredFile, Base):
    """An uploaded file of an evidence item."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # StoredFile's, indexed here

    evidence: Mapped[Evidence] = relationship(back_populates="files")


class Publication(Base):
    """A published revision of a period's results; immutable once written (corrections add a revision)."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("period_id", "revision", name="uq_publications_period_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_periods.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(AwareDateTime())
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    framework_id: Mapped[str] = mapped_column(String(1024))  # a built-in id, id@version or a file path
    framework_version: Mapped[str] = mapped_column(String(40))
    decimals: Mapped[int] = mapped_column(Integer, default=2)
    snapshot_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # results snapshot, when stored
    rows: Mapped[list[dict[str, object]]] = mapped_column(JSON)  # one per agency x node (ScoreResult.table)
