"""The dense pipeline of a scoring run: check, score leaves, aggregate, publish, rank, compare; scoring layer.

Pure and vectorised: no I/O, no clock. `run_pipeline` returns the matrices (period x agency rows by
leaf or node columns) that chiso.scoring.engine turns into tables and that the what-if calculator and
the uncertainty analysis start from, so every one of them scores with the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from chiso.errors import ScoringError
from chiso.frameworks import Framework
from chiso.scoring import changes as ch
from chiso.scoring.inputs import Inputs, prepare_inputs
from chiso.scoring.parts import PART_CELLS, plan_parts
from chiso.scoring.publish import round_half_up, shared_ranks
from chiso.scoring.tree import NULL_NOTES, Plan, aggregate, build_plan, score_leaves


@dataclass
class IntMatrix:
    """Whole numbers with gaps (ranks and their changes), kept as the int32 values and missing mask of
    pandas' nullable Int32 column so the table takes them without another full-size copy."""

    values: np.ndarray[Any, Any]  # int32
    missing: np.ndarray[Any, Any]  # bool

    @classmethod
    def from_floats(cls, floats: np.ndarray[Any, Any]) -> IntMatrix:
        """Convert whole numbers held as floats, NaN = missing."""
        with np.errstate(invalid="ignore"):
            return cls(floats.astype(np.int32), np.isnan(floats))

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> IntMatrix:
        return cls(np.empty(shape, dtype=np.int32), np.empty(shape, dtype=bool))

    def __setitem__(self, rows: np.ndarray[Any, Any], part: IntMatrix) -> None:
        self.values[rows] = part.values
        self.missing[rows] = part.missing

    def column(self, rows: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]) -> pd.arrays.IntegerArray:
        """Return the table column: the selected rows, flattened."""
        return pd.arrays.IntegerArray(rows(self.values), rows(self.missing))


@dataclass
class Scored:
    """The scored matrices of a run or a part: rows = period x agency, columns = leaves or nodes."""

    leaf_points: np.ndarray[Any, Any]  # (R, L)
    notes: np.ndarray[Any, Any]  # (R, L) int8
    points: np.ndarray[Any, Any]  # (R, K) and the rest alike
    published: np.ndarray[Any, Any]
    rank: IntMatrix
    prev_pub: np.ndarray[Any, Any]
    prev_rank: IntMatrix
    points_change: np.ndarray[Any, Any]
    rank_change: IntMatrix
    status: np.ndarray[Any, Any]  # (R,) int8

    @classmethod
    def empty(cls, n_rows: int, n_nodes: int, n_leaves: int) -> Scored:
        """Allocate a whole run's matrices, to be filled part by part."""

        def nodes() -> np.ndarray[Any, Any]:
            return np.empty((n_rows, n_nodes))

        def ints() -> IntMatrix:
            return IntMatrix.empty((n_rows, n_nodes))

        return cls(
            np.empty((n_rows, n_leaves)),
            np.empty((n_rows, n_leaves), dtype=np.int8),
            nodes(),
            nodes(),
            ints(),
            nodes(),
            ints(),
            nodes(),
            ints(),
            np.empty(n_rows, dtype=np.int8),
        )

    def put(self, rows: np.ndarray[Any, Any], part: Scored) -> None:
        """Copy a part's matrices into these rows."""
        for name in self.__dataclass_fields__:
            getattr(self, name)[rows] = getattr(part, name)


def score_part(
    framework: Framework,
    plan: Plan,
    inputs: Inputs,
    prior: ch.PriorTable | None,
    prior_leaves: np.ndarray[Any, Any] | None,
    lineage_df: pd.DataFrame | None,
    lineage_policy: str,
) -> Scored:
    """Score, aggregate, publish, rank and compare the agencies of `inputs` (whole peer groups)."""
    n_a, n_p = len(inputs.agencies), len(inputs.periods)
    gid = group_ids(inputs)
    match0, prior_leaf = _prior_leaf(prior, prior_leaves, inputs.agencies, lineage_df, lineage_policy)
    leaf_points, notes, points = _points(plan, inputs, gid, prior_leaf)
    published = round_half_up(points, framework.decimals)
    present_rows = inputs.present
    everyone = bool(present_rows.all())
    masked = published if everyone else np.where(present_rows[:, None], published, np.nan)
    rank = np.empty(points.shape)
    for k in range(points.shape[1]):
        rank[:, k] = shared_ranks(masked[:, k], gid, decimals=framework.decimals)

    prev_pub = np.full(points.shape, np.nan)
    prev_rank = np.full(points.shape, np.nan)
    status = np.zeros(n_p * n_a, dtype=np.int8)
    for p in range(n_p):
        rows = slice(p * n_a, (p + 1) * n_a)
        if p == 0:
            if prior is None or match0 is None:
                continue
            match, src_pub, src_rank = match0, prior.published, prior.rank
        else:
            before = slice((p - 1) * n_a, p * n_a)
            match = ch.match_agencies(inputs.agencies, inputs.agencies, present_rows[before], lineage_df)
            src_pub, src_rank = published[before], rank[before]
        before_pub = ch.gather(src_pub, match, lineage_policy)
        merged = match.status == ch.STATUS_MERGED
        if merged.any():  # a mean of predecessors is a new figure: publish it like any other
            before_pub[merged] = round_half_up(before_pub[merged], framework.decimals)
        prev_pub[rows] = before_pub
        ranks_before = ch.gather(src_rank, match, "mean")
        ranks_before[match.status == ch.STATUS_MERGED] = np.nan
        prev_rank[rows] = ranks_before
        status[rows] = match.status
    scale = 10.0**framework.decimals
    # (rint(published x scale) - rint(previous x scale)) / scale, in place (no full-size temporaries).
    points_change = published * scale
    np.rint(points_change, out=points_change)
    before_digits = prev_pub * scale
    np.rint(before_digits, out=before_digits)
    points_change -= before_digits
    points_change /= scale
    del before_digits
    rank_change = prev_rank - rank

    ints = IntMatrix.from_floats
    return Scored(
        leaf_points,
        notes,
        points,
        published,
        ints(rank),
        prev_pub,
        ints(prev_rank),
        points_change,
        ints(rank_change),
        status,
    )


def group_ids(inputs: Inputs) -> np.ndarray[Any, Any]:
    """Per row, the peer group x period id (ranks, normalisation and group fills look no further)."""
    n_a, n_p, n_g = len(inputs.agencies), len(inputs.periods), len(inputs.groups)
    return np.repeat(np.arange(n_p, dtype=np.int64), n_a) * n_g + np.tile(inputs.group_of_agency, n_p)


def _points(
    plan: Plan, inputs: Inputs, gid: np.ndarray[Any, Any], prior_leaf: np.ndarray[Any, Any] | None
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Leaf points, their notes and every node's points of the inputs."""
    leaf_points, notes = score_leaves(plan, inputs, gid=gid, prior_leaf=prior_leaf)
    null = np.isin(notes, NULL_NOTES) if plan.null_leaves else None
    return leaf_points, notes, aggregate(plan, inputs, leaf_points, null=null)


def _prior_leaf(
    prior: ch.PriorTable | None,
    prior_leaves: np.ndarray[Any, Any] | None,
    agencies: list[str],
    lineage_df: pd.DataFrame | None,
    lineage_policy: str,
) -> tuple[ch.Match | None, np.ndarray[Any, Any] | None]:
    """Match agencies to the previous table and return their leaf points there (agency x leaf)."""
    if prior is None or prior_leaves is None:
        return None, None
    everyone_before = np.ones(len(prior.agencies), bool)
    match = ch.match_agencies(agencies, prior.index, everyone_before, lineage_df)
    return match, ch.gather(prior_leaves, match, lineage_policy)


@dataclass
class Run:
    """Everything a scoring run computed before its tables: inputs, plan, previous figures, matrices."""

    framework: Framework
    plan: Plan
    inputs: Inputs
    prior: ch.PriorTable | None
    prior_leaves: np.ndarray[Any, Any] | None  # (prior agencies, L) leaf points of the previous table
    lineage: pd.DataFrame | None
    lineage_policy: str
    scored: Scored

    def rescore(self, inputs: Inputs) -> Scored:
        """Score other inputs (e.g. some whole peer groups, changed) with this run's previous figures."""
        framework, plan, policy = self.framework, self.plan, self.lineage_policy
        return score_part(framework, plan, inputs, self.prior, self.prior_leaves, self.lineage, policy)

    def rescore_points(self, inputs: Inputs) -> np.ndarray[Any, Any]:
        """Every node's points of other inputs (whole peer groups), without ranks or changes."""
        _, prior_leaf = _prior_leaf(
            self.prior, self.prior_leaves, inputs.agencies, self.lineage, self.lineage_policy
        )
        return _points(self.plan, inputs, group_ids(inputs), prior_leaf)[2]

    def rescore_leaves(
        self, inputs: Inputs, leaves: list[int]
    ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Score some leaves of other inputs: points and notes (rows, len(leaves)).

        For leaves whose rule and fill never look at the peer group (minmax, percentile and group
        fills do): their points depend on the agency's own values and history only.
        """
        plan = replace(self.plan, node_of_leaf=[self.plan.node_of_leaf[li] for li in leaves])
        columns = replace(
            inputs,
            leaf_codes=[inputs.leaf_codes[li] for li in leaves],
            value=inputs.value[:, leaves],
            numerator=inputs.numerator[:, leaves],
            denominator=inputs.denominator[:, leaves],
            given=inputs.given[:, leaves],
        )
        _, prior_leaf = _prior_leaf(
            self.prior, self.prior_leaves, inputs.agencies, self.lineage, self.lineage_policy
        )
        gid = np.zeros(inputs.n_rows, dtype=np.int64)
        return score_leaves(
            plan, columns, gid=gid, prior_leaf=None if prior_leaf is None else prior_leaf[:, leaves]
        )


class RunOptions(TypedDict, total=False):
    """The keyword options of `run_pipeline`, which `score` passes on (documented on `score`)."""

    groups: pd.DataFrame | None
    previous: pd.DataFrame | None
    lineage: pd.DataFrame | None
    lineage_policy: str
    source: str | None
    first_row: int
    part_cells: int


def run_pipeline(
    framework: Framework,
    values: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    lineage: pd.DataFrame | None = None,
    lineage_policy: str = "mean",
    source: str | None = None,
    first_row: int = 1,
    part_cells: int = PART_CELLS,
) -> Run:
    """Check the inputs and score every agency and period (see chiso.scoring.score for the arguments).

    Raises:
        ScoringError: bad input, listing every offending row and why.
    """
    if lineage_policy not in ch.LINEAGE_POLICIES:
        raise ScoringError(
            f"Cách gộp kế thừa '{lineage_policy}' không hợp lệ (mean, sum, max)",
            f"Unknown lineage policy '{lineage_policy}' (mean, sum, max)",
        )
    inputs = prepare_inputs(framework, values, groups=groups, source=source, first_row=first_row)
    plan = build_plan(framework)
    lineage_df = ch.prepare_lineage(lineage)
    prior = ch.prepare_previous(previous, plan.codes, framework.decimals)
    if prior is not None and prior.period is not None and prior.period >= inputs.periods[0]:
        raise ScoringError(
            f"Kết quả kỳ trước ({prior.period}) không sớm hơn kỳ đầu tiên của dữ liệu ({inputs.periods[0]})",
            f"The previous results ({prior.period}) are not earlier than the first period of the values "
            f"({inputs.periods[0]})",
        )
    prior_leaves = None if prior is None else prior.points[:, np.array(plan.node_of_leaf, dtype=np.int64)]
    run = Run(framework, plan, inputs, prior, prior_leaves, lineage_df, lineage_policy, Scored.empty(0, 0, 0))
    parts = plan_parts(inputs, lineage_df, width=len(plan.codes), max_cells=part_cells)
    if not parts:
        run.scored = run.rescore(inputs)
        return run
    run.scored = Scored.empty(inputs.n_rows, len(plan.codes), len(inputs.leaf_codes))
    for agencies in parts:
        run.scored.put(inputs.rows_of(agencies), run.rescore(inputs.subset(agencies)))
    return run
