"""One peer group of a ranking as arrays: every member's criterion and pillar points in one matrix, and
the group's mean, median and best per criterion and pillar, computed once with numpy.

Domain layer (reports room): the report schemas and numpy only. A scorecard reads one agency's row and
its neighbours from here instead of walking every peer's criteria per request (a commune group has
3,321 members x 60 criteria). No data is not zero: NaN stands for "no points" and is left out of every
statistic; a statistic over no value is None.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chiso.reports.schemas import AgencyResult, RankingInput

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Column:
    """A criterion's or pillar's group statistics (None: no member has points)."""

    mean: float | None
    median: float | None
    best: float | None


@dataclass(frozen=True)
class GroupFigures:
    """A group's members in rank order (unranked last) with their points as matrices."""

    group: str
    members: list[AgencyResult]
    index: dict[str, int]
    totals: FloatArray
    criterion_codes: list[str]
    criteria: FloatArray  # members x criteria, NaN = no points
    pillar_codes: list[str]
    pillars: FloatArray  # members x pillars
    criterion_stats: dict[str, Column]
    pillar_stats: dict[str, Column]

    def share_above(self, row: int) -> FloatArray:
        """Return, per criterion, the share of the other members with more points than member `row`."""
        if len(self.members) < 2:
            return np.zeros(len(self.criterion_codes))
        mine = self.criteria[row]
        with np.errstate(invalid="ignore"):
            above = (self.criteria > mine).sum(axis=0)
        return np.asarray(above / (len(self.members) - 1), dtype=np.float64)


def _none(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _columns(codes: list[str], matrix: FloatArray) -> dict[str, Column]:
    if matrix.shape[0] == 0:
        return {c: Column(None, None, None) for c in codes}
    with warnings.catch_warnings():  # an all-NaN column is "no data", not an error
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, median, best = np.nanmean(matrix, 0), np.nanmedian(matrix, 0), np.nanmax(matrix, 0)
    return {c: Column(_none(mean[i]), _none(median[i]), _none(best[i])) for i, c in enumerate(codes)}


def group_figures(ranking: RankingInput, group: str) -> GroupFigures:
    """Return the group's members (rank order, then code) and their points as matrices with statistics."""
    members = sorted(
        (a for a in ranking.agencies if a.group == group),
        key=lambda a: (a.rank is None, a.rank or 0, a.agency_code),
    )
    criterion_codes = [c.code for c in ranking.framework.criteria]
    pillar_codes = [p.code for p in ranking.framework.pillars]
    nan = float("nan")
    criteria = np.array(
        [[nan if c.points is None else c.points for c in a.criteria] for a in members], dtype=np.float64
    ).reshape(len(members), len(criterion_codes))
    pillars = np.array(
        [[nan if (v := a.pillars.get(p)) is None else v for p in pillar_codes] for a in members],
        dtype=np.float64,
    ).reshape(len(members), len(pillar_codes))
    return GroupFigures(
        group=group,
        members=members,
        index={a.agency_code: i for i, a in enumerate(members)},
        totals=np.array([a.total for a in members], dtype=np.float64),
        criterion_codes=criterion_codes,
        criteria=criteria,
        pillar_codes=pillar_codes,
        pillars=pillars,
        criterion_stats=_columns(criterion_codes, criteria),
        pillar_stats=_columns(pillar_codes, pillars),
    )
