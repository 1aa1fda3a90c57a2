"""The history of live 766 scores: one row per daily or monthly snapshot, its figures stored columnar.

The columns `agencies` and `figures` are made by chiso.monitoring.history (compressed agency codes and
a compressed metric x agency matrix); read and written by chiso.flows.live_history only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base
from chiso.store.types import AwareDateTime


class LiveScoreSnapshot(Base):
    """Every agency's 766 figures on one day (month to date) or for one closed month."""

    __tablename__ = "live_score_snapshots"
    __table_args__ = (UniqueConstraint("kind", "period", name="uq_live_score_snapshots_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "day" or "month"
    period: Mapped[date] = mapped_column(Date, index=True)  # the day, or the month's first day
    taken_at: Mapped[datetime] = mapped_column(AwareDateTime())
    agency_count: Mapped[int]
    metrics: Mapped[str] = mapped_column(String(400))  # metric codes, comma-separated, in matrix order
    agencies: Mapped[bytes] = mapped_column(LargeBinary)
    figures: Mapped[bytes] = mapped_column(LargeBinary)
