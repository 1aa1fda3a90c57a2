"""Right of reply and appeals: a period's preliminary release, its deadlines, and each reply or appeal.

Store layer: imports nothing from the domain rooms. chiso/assessment/appeals.py owns the rules (who may
file and answer, the deadlines, the review record a change of points goes through); chiso/flows/appeals.py
computes the deadlines on the working-day calendar and publishes the revision an upheld appeal brings.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chiso.store.base import Base
from chiso.store.mixins import OptimisticLock, StoredFile
from chiso.store.types import AwareDateTime

CASE_KINDS = ("reply", "appeal")
CASE_STATUSES = ("open", "upheld", "changed", "rejected")


class AppealSettings(Base):
    """A period's windows in working days: to reply to preliminary results, to appeal, to answer."""

    __tablename__ = "appeal_settings"

    period_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_periods.id", ondelete="CASCADE"), primary_key=True
    )
    reply_days: Mapped[int] = mapped_column(Integer, default=5)
    appeal_days: Mapped[int] = mapped_column(Integer, default=10)
    answer_days: Mapped[int] = mapped_column(Integer, default=5)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PreliminaryRelease(Base):
    """The preliminary results released to the agencies before publication (immutable once written)."""

    __tablename__ = "preliminary_releases"

    period_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_periods.id", ondelete="CASCADE"), primary_key=True
    )
    released_at: Mapped[datetime] = mapped_column(AwareDateTime())
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reply_days: Mapped[int] = mapped_column(Integer)
    reply_until: Mapped[datetime] = mapped_column(AwareDateTime())
    framework_id: Mapped[str] = mapped_column(String(1024))  # a built-in id, id@version or a file path
    framework_version: Mapped[str] = mapped_column(String(40))
    rows: Mapped[list[dict[str, object]]] = mapped_column(JSON)  # one per agency x node, as a publication


class AppealCase(OptimisticLock, Base):
    """An agency's reply to a preliminary score or appeal against a published one, on one criterion."""

    __tablename__ = "appeal_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_periods.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))  # one of CASE_KINDS
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # one of CASE_STATUSES
    text: Mapped[str] = mapped_column(Text)
    requested_points: Mapped[float | None] = mapped_column(Float, nullable=True)
    points_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    filed_at: Mapped[datetime] = mapped_column(AwareDateTime())
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    answer_due: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    points_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revision: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the publication it brought

    files: Mapped[list[AppealFile]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="AppealFile.id"
    )


class AppealFile(StoredFile, Base):
    """A file attached to a reply or appeal."""

    __tablename__ = "appeal_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("appeal_cases.id", ondelete="CASCADE"), index=True)

    case: Mapped[AppealCase] = relationship(back_populates="files")
