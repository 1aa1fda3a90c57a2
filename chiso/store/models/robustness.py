"""The rank intervals a ranking was published with: one immutable row per publication.

Store layer. Written once by chiso.assessment.publication when a period is published (the flow
chiso.flows.robustness computes them); never updated or deleted, like the publication itself. The
log (spec, seed, replications, engine version, input and output hashes) replays every interval.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from chiso.store.base import Base
from chiso.store.types import AwareDateTime


class PublicationIntervals(Base):
    """Per agency of a published revision: rank interval (5th-95th), median rank, band probabilities."""

    __tablename__ = "publication_intervals"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), unique=True, index=True
    )
    #: The analysis log (chiso.scoring.uncertainty.RankIntervals.log), or {"error": ...} when the
    #: framework could not be analysed (the ranking is then published without intervals, saying why).
    log: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: One per ranked agency: agency_code, group, rank_low, rank_high, rank_median, mean_rank, firm,
    #: band_probabilities {band label: share of replications}.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
