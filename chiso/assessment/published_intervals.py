"""The rank intervals stored with a publication: how they are kept, read back and shown per row.

Domain layer (assessment room): store models, chiso.errors; nothing from flows, web or cli. The flow
chiso.flows.intervals computes them; chiso.assessment.publication stores them with the revision.
Like the publication, a stored row is immutable: the ORM refuses to update or delete one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from chiso.assessment.schemas import IntervalMethod
from chiso.errors import Conflict
from chiso.store.models.assessment import Publication
from chiso.store.models.robustness import PublicationIntervals


@event.listens_for(PublicationIntervals, "before_update")
@event.listens_for(PublicationIntervals, "before_delete")
def _refuse_interval_change(_mapper: Any, _connection: Any, _target: PublicationIntervals) -> None:
    raise Conflict(
        "Khoảng xếp hạng đã công bố không được sửa hay xóa; hãy tạo bản đính chính",
        "Published rank intervals cannot be changed or deleted; publish a correction instead",
    )


@dataclass
class IntervalRecord:
    """The rank intervals of a scored run, as stored with its publication.

    Attributes:
        rows: per ranked agency: agency_code, group, group_size, rank_low, rank_high, rank_median,
            mean_rank, firm, band_probabilities {band label: share}.
        log: the analysis log that replays them (spec, seed, replications, hashes), or
            {"error": {"vi": ..., "en": ...}} when the framework could not be analysed.
    """

    rows: list[dict[str, Any]]
    log: dict[str, Any]

    def method(self) -> IntervalMethod:
        """Describe how the intervals were computed (or why there are none)."""
        error = self.log.get("error")
        if error:
            return IntervalMethod(error_vi=error.get("vi"), error_en=error.get("en"))
        spec = self.log.get("spec", {})
        return IntervalMethod(
            replications=self.log.get("replications"),
            seed=self.log.get("seed"),
            sampling=self.log.get("sampling"),
            percentiles=list(self.log.get("interval", [5, 95])),
            factors=[str(f.get("name") or f.get("kind")) for f in spec.get("factors", [])],
            engine_version=self.log.get("engine_version"),
        )


def publication_intervals(session: Session, *, publication: Publication) -> IntervalRecord | None:
    """Return the rank intervals stored with a publication (None: published before intervals existed)."""
    return intervals_by_id(session, publication_id=publication.id)


def intervals_by_id(session: Session, *, publication_id: int) -> IntervalRecord | None:
    """Return the rank intervals stored with the publication of this id (without loading its rows)."""
    stored = session.scalar(
        select(PublicationIntervals).where(PublicationIntervals.publication_id == publication_id)
    )
    return None if stored is None else IntervalRecord(list(stored.rows), dict(stored.log))


def interval_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The RankingRow fields of a stored interval row (rank 0 = never ranked in any replication)."""

    def rank(value: Any) -> int | None:
        return int(value) if value else None

    return {
        "rank_low": rank(row.get("rank_low")),
        "rank_high": rank(row.get("rank_high")),
        "rank_median": rank(row.get("rank_median")),
        "rank_firm": bool(row.get("firm")),
        "band_probabilities": dict(row.get("band_probabilities") or {}),
    }
