"""What-if: change some criterion values of one agency and get its new total, rank and band; scoring layer.

Pure numpy, computed by the engine's own steps (chiso.scoring.pipeline) with the peers' figures
unchanged: the agency's changed leaves are re-scored (with its earlier periods, for history-based
fills), its tree re-aggregated, and its published total ranked among its group's published totals.
When a changed criterion is group-relative (minmax, percentile) or filled from the group (group mean
or median), changing one agency moves its peers' points too: then the whole group is re-scored, and
the result says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from chiso.errors import ScoringError
from chiso.frameworks import Band
from chiso.frameworks.rules import RatioParams
from chiso.scoring.checks import Collector, LeafLimits, check_values
from chiso.scoring.inputs import Inputs
from chiso.scoring.pipeline import Run
from chiso.scoring.publish import band_index, round_half_up
from chiso.scoring.tree import NULL_NOTES, aggregate

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_GROUP_RULES = ("minmax", "percentile")
_GROUP_FILLS = ("group_mean", "group_median")


@dataclass(frozen=True)
class CriterionChange:
    """A criterion's new input: a value, or numerator and denominator for a ratio criterion.

    A change with no number at all makes the value missing (its fill policy applies).
    """

    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class Standing:
    """An agency's total and place: full-precision points, published total, rank in group, band."""

    points: float | None
    published: float | None
    rank: int | None
    band: str | None


@dataclass
class WhatIfResult:
    """The outcome of a what-if for one agency and period.

    Attributes:
        before, after: the standing without and with the changes.
        nodes: every node's published points after the changes (None: excluded or null).
        method: `agency` (its leaves re-scored, peers unchanged) or `group` (the group re-scored because a
            changed criterion is relative to the group or filled from it).
        reason_vi, reason_en: why the group was re-scored ("" for `agency`).
    """

    agency_code: str
    period: str
    group: str
    before: Standing
    after: Standing
    nodes: dict[str, float | None]
    method: Literal["agency", "group"]
    reason_vi: str = ""
    reason_en: str = ""
    changed: list[str] = field(default_factory=list)


ChangeLike = float | int | None | CriterionChange


def what_if(
    run: Run, agency_code: str, changes: Mapping[str, ChangeLike], *, period: str | None = None
) -> WhatIfResult:
    """Return one agency's new total, rank and band with some criterion values changed.

    Args:
        run: the engine's run of the ranking (chiso.scoring.run_pipeline with the frozen inputs).
        agency_code: the agency.
        changes: criterion code -> new value (a number, None for missing, or a CriterionChange with
            numerator and denominator for a ratio criterion).
        period: the period (default: the latest of the run).

    Returns:
        The WhatIfResult.

    Raises:
        ScoringError: unknown agency, period or criterion, or a value the criterion's rule refuses
            (every problem listed, in Vietnamese and English).
    """
    inputs = run.inputs
    agency, p = _locate(run, agency_code, period)
    n_a = len(inputs.agencies)
    row = p * n_a + agency
    leaves, value, numerator, denominator = _checked_changes(run, changes)
    group = int(inputs.group_of_agency[agency])
    vi, en = _relative(run, leaves)
    relative = bool(en)
    if relative:
        members = np.flatnonzero(inputs.group_of_agency == group)
        position = int(np.searchsorted(members, agency))
    else:
        members = np.array([agency], dtype=np.int64)
        position = 0
    sub = inputs.subset(members)
    sub_row = p * members.size + position
    _apply(sub, sub_row, leaves, value, numerator, denominator)
    if relative:
        group_points = run.rescore_points(sub)
        points = group_points[sub_row]
        published = round_half_up(points, run.framework.decimals)
        period_rows = slice(p * members.size, (p + 1) * members.size)
        totals = round_half_up(group_points[period_rows, 0], run.framework.decimals)
        peers = sub.present[period_rows].copy()
        peers[position] = False
        after_rank = _rank_of(float(published[0]), totals[peers], run)
    else:
        points = _agency_points(run, sub, agency, leaves)[p]
        published = round_half_up(points, run.framework.decimals)
        after_rank = _rank_among_peers(run, p, agency, group, float(published[0]))
    codes = run.plan.codes
    before_rank = _int(run.scored.rank.values[row, 0], run.scored.rank.missing[row, 0])
    return WhatIfResult(
        agency_code=agency_code,
        period=inputs.periods[p],
        group=inputs.groups[group],
        before=_standing(run, float(run.scored.points[row, 0]), before_rank),
        after=_standing(run, float(points[0]), after_rank),
        nodes={code: (None if np.isnan(x) else float(x)) for code, x in zip(codes, published, strict=True)},
        method="group" if relative else "agency",
        reason_vi=vi,
        reason_en=en,
        changed=[inputs.leaf_codes[li] for li in leaves],
    )


def _int(value: int, missing: bool) -> int | None:
    return None if missing else int(value)


def _locate(run: Run, agency_code: str, period: str | None) -> tuple[int, int]:
    inputs = run.inputs
    if agency_code not in inputs.agencies:
        raise ScoringError(
            f"Không có cơ quan {agency_code} trong lần chấm điểm này",
            f"No agency {agency_code} in this scoring run",
        )
    period = inputs.periods[-1] if period is None else period
    if period not in inputs.periods:
        raise ScoringError(
            f"Không có kỳ {period} trong lần chấm điểm này (có: {', '.join(inputs.periods)})",
            f"No period {period} in this scoring run (there are: {', '.join(inputs.periods)})",
        )
    agency, p = inputs.agencies.index(agency_code), inputs.periods.index(period)
    if not inputs.present[p * len(inputs.agencies) + agency]:
        raise ScoringError(
            f"Cơ quan {agency_code} không có giá trị nào trong kỳ {period}",
            f"Agency {agency_code} has no values in period {period}",
        )
    return agency, p


def _checked_changes(
    run: Run, changes: Mapping[str, ChangeLike]
) -> tuple[list[int], FloatArray, FloatArray, FloatArray]:
    """Return the changed leaves and their effective values, numerators and denominators, checked
    against each criterion's rule exactly as the values table is."""
    leaf_codes = run.inputs.leaf_codes
    unknown = [code for code in changes if code not in leaf_codes]
    if unknown:
        raise ScoringError(
            f"Tiêu chí không có trong khung {run.framework.id}: {', '.join(unknown)}",
            f"Criteria not in framework {run.framework.id}: {', '.join(unknown)}",
        )
    leaves = [leaf_codes.index(code) for code in changes]
    parsed = [
        c if isinstance(c, CriterionChange) else CriterionChange(value=None if c is None else float(c))
        for c in changes.values()
    ]

    def column(name: str) -> FloatArray:
        return np.array([np.nan if getattr(c, name) is None else float(getattr(c, name)) for c in parsed])

    value, numerator, denominator = column("value"), column("numerator"), column("denominator")
    collector = Collector(None, 1)
    plan = run.plan
    limits = LeafLimits([plan.nodes[i] for i in plan.node_of_leaf])
    lidx = np.array(leaves, dtype=np.int64)
    comments = np.zeros(lidx.size, dtype=np.int64)  # a what-if needs no assessor's comment
    effective = check_values(collector, limits, 0, lidx, value, numerator, denominator, comments)
    if collector.problems:
        problems = [
            type(problem)(
                f"{leaf_codes[leaves[(problem.row or 1) - 1]]}: {problem.message_vi}",
                f"{leaf_codes[leaves[(problem.row or 1) - 1]]}: {problem.message_en}",
                column=problem.column,
            )
            for problem in collector.problems
        ]
        raise ScoringError(
            f"Có {len(problems)} giá trị giả định không hợp lệ",
            f"{len(problems)} what-if values are not valid",
            problems,
        )
    return leaves, effective, numerator, denominator


def _relative(run: Run, leaves: list[int]) -> tuple[str, str]:
    """Why changing these leaves moves peers' points (Vietnamese, English), or empty strings."""
    plan = run.plan
    for li in leaves:
        node = plan.nodes[plan.node_of_leaf[li]]
        rule = node.rule
        zero_den = rule.zero_denominator if isinstance(rule, RatioParams) else None
        if rule is not None and rule.type in _GROUP_RULES:
            return (
                f"{node.code} tính theo nhóm ({rule.type}): đã chấm lại cả nhóm",
                f"{node.code} is relative to the group ({rule.type}): the whole group was re-scored",
            )
        if node.missing in _GROUP_FILLS or zero_den in _GROUP_FILLS:
            return (
                f"{node.code} điền giá trị thiếu theo nhóm: đã chấm lại cả nhóm",
                f"{node.code} fills missing values from the group: the whole group was re-scored",
            )
    return ("", "")


def _apply(
    sub: Inputs,
    row: int,
    leaves: list[int],
    value: FloatArray,
    numerator: FloatArray,
    denominator: FloatArray,
) -> None:
    for j, li in enumerate(leaves):
        sub.value[row, li] = value[j]
        sub.numerator[row, li] = numerator[j]
        sub.denominator[row, li] = denominator[j]
        sub.given[row, li] = True


def _agency_points(run: Run, sub: Inputs, agency: int, leaves: list[int]) -> FloatArray:
    """The agency's node points in every period: its changed leaves re-scored, the others as they were."""
    inputs = run.inputs
    rows = inputs.rows_of(np.array([agency], dtype=np.int64))
    leaf_points = run.scored.leaf_points[rows].copy()
    notes = run.scored.notes[rows].copy()
    leaf_points[:, leaves], notes[:, leaves] = run.rescore_leaves(sub, leaves)
    null = np.isin(notes, NULL_NOTES) if run.plan.null_leaves else None
    return aggregate(run.plan, sub, leaf_points, null=null)


def _rank_among_peers(run: Run, p: int, agency: int, group: int, published: float) -> int | None:
    """1 + how many present peers of the group publish a higher total in that period (shared ranks)."""
    if np.isnan(published):
        return None
    inputs = run.inputs
    n_a = len(inputs.agencies)
    peers = (inputs.group_of_agency == group) & inputs.present[p * n_a : (p + 1) * n_a]
    peers[agency] = False
    return _rank_of(published, run.scored.published[p * n_a : (p + 1) * n_a, 0][peers], run)


def _rank_of(published: float, peers: FloatArray, run: Run) -> int | None:
    """1 + how many peers publish a higher total (compared as whole last digits: shared ranks)."""
    if np.isnan(published):
        return None
    scale = 10.0**run.framework.decimals
    return 1 + int(np.count_nonzero(np.rint(peers * scale) > np.rint(published * scale)))


def _standing(run: Run, points: float, rank: int | None) -> Standing:
    if np.isnan(points):
        return Standing(None, None, None, None)
    framework = run.framework
    published = float(round_half_up(np.array([points]), framework.decimals)[0])
    return Standing(points, published, rank, band_label(framework.bands, published, run))


def band_label(bands: list[Band], published: float, run: Run) -> str | None:
    """The band label (Vietnamese) of a published total, or None without bands."""
    if not bands:
        return None
    index = band_index(
        np.array([published]),
        bands,
        max_points=float(run.plan.max_points[0]),
        percent=run.framework.band_basis == "percent",
    )[0]
    return bands[index].label_vi if index >= 0 else None
