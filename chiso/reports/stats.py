"""Figures every report derives from a ranking the same way: band counts, pillar means and bests per group.

Domain layer (reports room): imports the report schemas only. Means are of the published figures of
the agencies that have one (no data is not zero); previous means are of the same agencies' previous
figures, as the scoring engine's summary computes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from chiso.reports.schemas import AgencyResult, RankingInput


@dataclass(frozen=True)
class PillarStat:
    """A pillar in one group: how many agencies have it, their mean and best, and the previous mean."""

    code: str
    count: int
    mean: float | None
    best: float | None
    previous_count: int
    previous_mean: float | None


def band_counts(ranking: RankingInput, group: str) -> list[tuple[str, int]]:
    """Return every framework band (best first) with its count of agencies in `group`, zeros included.

    A band the framework does not list (should not happen: the input refuses it) is never invented;
    agencies without a band are not counted.
    """
    rows = [a for a in ranking.agencies if a.group == group]
    return [(b.label_vi, sum(1 for a in rows if a.band == b.label_vi)) for b in ranking.framework.bands]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def pillar_stats(rows: list[AgencyResult], pillar_codes: list[str]) -> list[PillarStat]:
    """Return, for each pillar, the count, mean and best of the rows' figures and the previous mean."""
    out = []
    for code in pillar_codes:
        now = [v for a in rows if (v := a.pillars.get(code)) is not None]
        before = [v for a in rows if (v := a.previous_pillars.get(code)) is not None]
        out.append(
            PillarStat(code, len(now), _mean(now), max(now) if now else None, len(before), _mean(before))
        )
    return out


def group_pillar_stats(ranking: RankingInput, group: str) -> list[PillarStat]:
    """Return `pillar_stats` of one group, pillars in the framework's order."""
    rows = [a for a in ranking.agencies if a.group == group]
    return pillar_stats(rows, [p.code for p in ranking.framework.pillars])


def criterion_max(ranking: RankingInput) -> dict[str, float]:
    """Return each criterion's maximum points by code."""
    return {c.code: c.max_points for c in ranking.framework.criteria}
