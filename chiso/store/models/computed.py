"""The freeze of a period's computed (monitoring) values at a cut-off date; store layer, no domain imports.

While a period has a freeze, recomputing monitoring leaves its computed values alone: they stay as they
were computed up to the cut-off (chiso.assessment.computed owns the rule, chiso.flows.computed applies it).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base
from chiso.store.types import AwareDateTime


class ComputedFreeze(Base):
    """A period whose computed values are frozen at `cutoff` (records after that day are not counted)."""

    __tablename__ = "computed_freezes"

    period_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_periods.id", ondelete="CASCADE"), primary_key=True
    )
    cutoff: Mapped[date] = mapped_column(Date)
    frozen_at: Mapped[datetime] = mapped_column(AwareDateTime())
    frozen_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
