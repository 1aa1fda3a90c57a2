"""Re-aggregate and re-rank one period of a scored run under changed assumptions, many replications at once.

Scoring layer, pure numpy. The fast path behind rank intervals, sensitivity and the removal of an
indicator: it starts from the engine's leaf and node points (chiso.scoring.pipeline.Run), re-runs a
leaf's rule only when its inputs or its rule vary, and aggregates, publishes and ranks a batch of
replications as (replications x agencies) arrays. Children that do not vary enter a parent through
one matrix product with the replication's weights. Never calls score() per replication.

How a replication changes the engine's assumptions (each one what the framework would say if edited):
- weights: each regular child's weight (its max under `sum` / `rounded_sum`, its `weight` under a mean)
  is multiplied by a factor and the children rescaled so the parent keeps its max;
- aggregation: the parent's method (sum, rounded_sum, weighted_mean, geometric_mean);
- normalisation: a minmax leaf scored as percentile or the reverse (same direction);
- fills: cells without data filled zero, full, excluded (parent rescaled), null or with the group mean;
- noise: a measured value (or assessor's points) moved by up to +-half_width, kept in the rule's range.
A null cell (policy null_excluded) counts as 0 points with its weight kept, which is what leaving it
out of a sum without rescaling means; the engine's nominal figures are reproduced exactly after rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from chiso.errors import ScoringError
from chiso.frameworks import Band, node_max
from chiso.scoring.leaves import METHODS, Draws, LeafColumns, Varying
from chiso.scoring.pipeline import Run
from chiso.scoring.publish import band_index, round_half_up
from chiso.scoring.tree import applicable_rows, null_nodes, regular_children

FloatArray = npt.NDArray[np.float64]
LOG_ZERO = -1e250  # log of a zero share: finite, so a zero weight times it is 0, not NaN
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Batch:
    """A batch's outcome per replication and agency (agencies in the Simulator's order)."""

    points: FloatArray  # (B, A) TOTAL points
    published: FloatArray  # (B, A)
    rank: IntArray  # (B, A), 0 = unranked
    band: IntArray  # (B, A) index into the framework's bands, -1 none


@dataclass
class _Col:
    """A child's points in a batch.

    - nominal only: the engine's points (A,);
    - nominal with `cells`: those agencies' points drawn per replication, `values` (B, cells), NaN =
      excluded;
    - a re-scored leaf: `dense` (B, A) with 0 where `presence` (A,) is False, and its drawn `cells`;
    - a node: `dense` (B, A), NaN where excluded; `complete` when it has no NaN at all.
    """

    nominal: FloatArray
    dense: FloatArray | None = None
    cells: IntArray | None = None
    values: FloatArray | None = None
    complete: bool = False
    presence: BoolArray | None = None


class Simulator:
    """One period of a run, laid out for fast replications; agencies ranked in the run, sorted by group."""

    def __init__(self, run: Run, period: str | None = None, varying: Varying | None = None) -> None:
        inputs, scored, plan = run.inputs, run.scored, run.plan
        self.run, self.plan, self.varying = run, plan, varying or Varying()
        self.period = inputs.periods[-1] if period is None else period
        if self.period not in inputs.periods:
            raise ScoringError(
                f"Không có kỳ {self.period} trong dữ liệu (có: {', '.join(inputs.periods)})",
                f"No period {self.period} in the values (there are: {', '.join(inputs.periods)})",
            )
        n_a = len(inputs.agencies)
        first = inputs.periods.index(self.period) * n_a
        rows = first + np.arange(n_a)
        rows = rows[inputs.present[rows] & ~np.isnan(scored.published[rows, 0])]
        group = inputs.group_of_agency[rows - first]
        # By group, best nominal total first: each replication's ranking is then nearly sorted already.
        order = np.lexsort((-scored.published[rows, 0], group))
        self.rows = rows[order]
        self.agency_index = self.rows - first
        used, self.gid = np.unique(group[order], return_inverse=True)
        self.groups = [inputs.groups[g] for g in used]
        self.n_agencies, self.n_groups = self.rows.size, len(used)
        self.values = inputs.value[self.rows]
        self.leaf_points = scored.leaf_points[self.rows]
        self.notes = scored.notes[self.rows]
        self.nominal_published = scored.published[self.rows, 0]
        self.nominal_rank = scored.rank.values[self.rows, 0].astype(np.int64)
        self.bands: list[Band] = run.framework.bands
        self._layout_groups()
        self._prepare_nodes(scored.points[self.rows], inputs)

    # -- preparation -------------------------------------------------------------------------------

    def _prepare_nodes(self, node_points: FloatArray, inputs: Any) -> None:
        plan = self.plan
        k = len(plan.nodes)
        self.regular = [regular_children(plan, n) for n in range(k)]
        self.adjust = [[c for c in plan.children[n] if plan.adjustment[c]] for n in range(k)]
        self.applies = np.stack([applicable_rows(plan, inputs, n)[self.rows] for n in range(k)], axis=1)
        null = null_nodes(plan, self.notes, node_points, self.applies)
        self.nominal = np.where(null, 0.0, node_points)  # a null counts 0 with its weight kept
        self.vary_node = [False] * k
        v = self.varying
        self.leaves = LeafColumns(
            plan,
            v,
            values=self.values,
            leaf_points=self.leaf_points,
            notes=self.notes,
            nominal=self.nominal[:, plan.node_of_leaf],
            gid=self.gid,
            slot=self.slot,
            width=self.width,
        )
        for n in range(k - 1, -1, -1):
            leaf = plan.leaf_of_node[n]
            if leaf >= 0:
                self.vary_node[n] = self.leaves.varies(leaf)
            else:
                own = n in v.weights or n in v.methods
                self.vary_node[n] = own or any(self.vary_node[c] for c in self.regular[n])
        self._cells_cache: dict[
            tuple[int, str],
            tuple[IntArray, list[tuple[IntArray, IntArray]], IntArray, FloatArray, FloatArray],
        ] = {}
        self._fixed_cache: dict[
            tuple[int, str], tuple[FloatArray, list[int], FloatArray | None, list[int]]
        ] = {}
        self.applies_all: list[bool] = np.asarray(self.applies.all(axis=0)).tolist()
        self._extra = {
            n: (
                np.nansum(self.nominal[:, self.adjust[n]], axis=1),
                np.nansum(round_half_up(self.nominal[:, self.adjust[n]], plan.decimals), axis=1),
            )
            for n in range(k)
            if self.adjust[n]
        }

    def _layout_groups(self) -> None:
        """Each agency's position in its group (groups are padded to the largest for group medians)."""
        counts = np.bincount(self.gid, minlength=self.n_groups)
        self.group_size = counts
        width = int(counts.max()) if counts.size else 0
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        slot = np.arange(self.n_agencies) - starts[self.gid]
        self.slot = slot
        self.width = width

    # -- a batch -----------------------------------------------------------------------------------

    def run_batch(self, draws: Draws) -> Batch:
        """Score, publish, rank and band a batch of replications.

        Returns:
            Per replication and agency: TOTAL points, published total, rank in group (0 = none), band.
        """
        col = self._node(0, draws)
        points = (
            col.dense
            if col.dense is not None
            else np.broadcast_to(col.nominal, (draws.size, self.n_agencies))
        )
        decimals = self.run.framework.decimals
        published = round_half_up(np.asarray(points, dtype=np.float64), decimals)
        rank = self._ranks(published, decimals)
        band = np.full(published.shape, -1, dtype=np.int64)
        if self.bands:
            band = band_index(
                published,
                self.bands,
                max_points=float(self.plan.max_points[0]),
                percent=self.run.framework.band_basis == "percent",
            )
        return Batch(np.asarray(points), published, rank, band)

    def _ranks(self, published: FloatArray, decimals: int) -> IntArray:
        """Shared ranks within each group of every replication: 1 + how many peers publish more.

        Each group is a run of columns in nominal order, so a stable sort of a replication's figures
        (timsort) finds them nearly sorted.
        """
        figures = np.rint(published * 10.0**decimals)
        missing = np.isnan(figures)
        keys = np.where(missing, np.inf, -figures)
        out = np.empty(keys.shape, dtype=np.int64)
        bounds = np.r_[self.leaves.starts, self.n_agencies]
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            block = keys[:, start:stop]
            order = np.argsort(block, axis=1, kind="stable")
            ordered = np.take_along_axis(block, order, axis=1)
            index = np.broadcast_to(np.arange(stop - start), ordered.shape)
            new = np.ones(ordered.shape, dtype=bool)
            new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
            first = np.maximum.accumulate(np.where(new, index, 0), axis=1)
            ranks = np.empty(ordered.shape, dtype=np.int64)
            np.put_along_axis(ranks, order, first + 1, axis=1)
            out[:, start:stop] = ranks
        out[missing] = 0
        return out

    def _col(self, n: int, draws: Draws) -> _Col:
        if not self.vary_node[n]:
            return _Col(self.nominal[:, n])
        leaf = self.plan.leaf_of_node[n]
        if leaf < 0:
            return self._node(n, draws)
        if leaf in self.leaves.rescored:
            dense, cells, values = self.leaves.rescore(leaf, draws)
            presence = self.leaves.static_presence(leaf)
            return _Col(self.nominal[:, n], dense=dense, cells=cells, values=values, presence=presence)
        cells, values = self.leaves.fill(leaf, draws)
        return _Col(self.nominal[:, n], cells=cells, values=values)

    def _node(self, n: int, draws: Draws) -> _Col:
        """Aggregate a node for every replication of the batch."""
        plan, b = self.plan, draws.size
        if not self.vary_node[n]:
            return _Col(self.nominal[:, n])
        node = plan.nodes[n]
        cols = [self._col(c, draws) for c in self.regular[n]]
        codes = draws.methods.get(n)
        factors = draws.weights.get(n)
        if codes is None:
            value = self._combine(n, node.aggregation, cols, factors, slice(None), b)
            rounded = np.zeros(b, dtype=bool) if node.aggregation != "rounded_sum" else np.ones(b, dtype=bool)
        else:
            value = np.empty((b, self.n_agencies))
            for m in np.unique(codes):
                rows = np.flatnonzero(codes == m)
                sub = None if factors is None else factors[rows]
                value[rows] = self._combine(n, METHODS[int(m)], cols, sub, rows, rows.size)
            rounded = codes == METHODS.index("rounded_sum")
        if self.adjust[n]:
            plain, by_rounding = self._extra[n]
            value += np.where(rounded[:, None], by_rounding, plain) if rounded.any() else plain
        if node.clip:
            np.clip(value, plan.min_points[n], plan.max_points[n], out=value)
        if not self.applies_all[n]:
            value[:, ~self.applies[:, n]] = np.nan
        return _Col(self.nominal[:, n], dense=value, complete=not np.isnan(value).any())

    def _combine(
        self,
        n: int,
        method: str,
        cols: list[_Col],
        factors: FloatArray | None,
        rows: IntArray | slice,
        b: int,
    ) -> FloatArray:
        """One method over the children of node n for some replications (rows of the batch)."""
        plan = self.plan
        kids = self.regular[n]
        if not kids:
            return np.zeros((b, self.n_agencies))
        mx = plan.max_points[kids]
        if method in ("sum", "rounded_sum"):
            base, scale = mx, float(mx.sum())
        else:
            base = np.array([plan.nodes[c].weight for c in kids], dtype=np.float64)
            scale = float(node_max(plan.nodes[n]))
        weights = np.broadcast_to(base, (b, len(kids))) if factors is None else base * factors
        if method == "rounded_sum":
            return self._rounded_sum(cols, mx, weights, scale, rows, b)
        geometric = method == "geometric_mean"
        num, den = self._fixed_part(n, method, cols, weights, factors is None, geometric)
        num, den = self._add_dense(_owned(num, b, self.n_agencies), den, cols, weights, mx, rows, geometric)
        sparse = [(j, col) for j, col in enumerate(cols) if col.cells is not None and col.values is not None]
        if sparse:  # cells drawn per replication (gaps): one correction for all of them
            den = _owned(den, b, self.n_agencies)
            order, layers, child, old_share, old_there = self._cells_of(n, method, sparse, mx, geometric)
            drawn = np.concatenate([col.values[rows] for _, col in sparse], axis=1)  # type: ignore[index]
            new = drawn[:, order] / mx[child]
            has = ~np.isnan(new)
            w = weights[:, child]
            add_num = w * (_transform(np.where(has, new, 0.0), geometric, has) - old_share)
            add_den = w * (has - old_there)
            for agencies, positions in layers:  # an agency's first drawn cell, then its second, ...
                num[:, agencies] += add_num[:, positions]
                den[:, agencies] += add_den[:, positions]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            np.divide(num, den, out=num)
            if geometric:
                np.exp(num, out=num)
            num *= scale
        empty = den <= 0
        if empty.any():
            num[np.broadcast_to(empty, num.shape)] = np.nan
        return num

    def _add_dense(
        self,
        num: FloatArray,
        den: FloatArray,
        cols: list[_Col],
        weights: FloatArray,
        mx: FloatArray,
        rows: IntArray | slice,
        geometric: bool,
    ) -> tuple[FloatArray, FloatArray]:
        """Add the children that vary in every cell (re-scored leaves, nodes) to the numerator and
        denominator: a few passes each, in place."""
        b = num.shape[0]
        scratch = np.empty((b, self.n_agencies))
        for j, col in enumerate(cols):  # children that vary in every cell: a few passes each, in place
            if col.dense is None:
                continue
            w = weights[:, j : j + 1]
            if col.presence is not None:  # a re-scored leaf: 0 where absent, presence counted in den
                if geometric:
                    np.divide(col.dense[rows], mx[j], out=scratch)
                    _logs(scratch, np.broadcast_to(col.presence, scratch.shape))
                    scratch *= w
                else:
                    np.multiply(col.dense[rows], w / mx[j], out=scratch)
                num += scratch
                continue
            if col.complete and not geometric:
                np.multiply(col.dense[rows], w / mx[j], out=scratch)
                num += scratch
                if den.shape[1] == 1:
                    den = den + w
                else:
                    den = _owned(den, b, self.n_agencies)
                    den += w
                continue
            np.divide(col.dense[rows], mx[j], out=scratch)
            there = ~np.isnan(scratch)  # absent cells (NaN) are skipped by `where` below
            if geometric:
                _logs(scratch, there)
            scratch *= w
            np.add(num, scratch, out=num, where=there)
            den = _owned(den, b, self.n_agencies)
            np.add(den, w, out=den, where=there)
        return num, den

    def _cells_of(
        self, n: int, method: str, sparse: list[tuple[int, _Col]], mx: FloatArray, geometric: bool
    ) -> tuple[IntArray, list[tuple[IntArray, IntArray]], IntArray, FloatArray, FloatArray]:
        """The drawn cells of a node's children, flattened and sorted by agency: the order; layers of
        (agencies, positions) holding each agency's first cell, then its second, ...; each cell's child;
        and what the matrix product already counted there (the engine's share and presence)."""
        key = (n, method)
        if key not in self._cells_cache:
            cells = np.concatenate([col.cells for _, col in sparse if col.cells is not None])
            child = np.concatenate([np.full(col.cells.size, j) for j, col in sparse if col.cells is not None])
            old = np.concatenate(
                [
                    np.full(col.cells.size, np.nan)
                    if col.dense is not None
                    else col.nominal[col.cells] / mx[j]
                    for j, col in sparse
                    if col.cells is not None
                ]
            )
            there = ~np.isnan(old)
            shares = _transform(np.where(there, old, 0.0), geometric, there)
            order = np.argsort(cells, kind="stable")
            agencies, starts, counts = np.unique(cells[order], return_index=True, return_counts=True)
            layers = [
                (agencies[counts > k], starts[counts > k] + k) for k in range(int(counts.max(initial=0)))
            ]
            self._cells_cache[key] = (order, layers, child[order], shares[order], there[order] * 1.0)
        return self._cells_cache[key]

    def _fixed_part(
        self, n: int, method: str, cols: list[_Col], weights: FloatArray, same: bool, geometric: bool
    ) -> tuple[FloatArray, FloatArray]:
        """Numerator and denominator over the children at their nominal points (sparse ones included).

        Shapes broadcast to (B, A): (1, A) when every replication has the engine's weights, and the
        denominator (B, 1) when every fixed child is present for every agency.
        """
        key = (n, method)
        if key not in self._fixed_cache:
            fixed = [j for j, col in enumerate(cols) if col.dense is None]
            kids = [self.regular[n][j] for j in fixed]
            shares = self.nominal[:, kids] / self.plan.max_points[kids]
            there = ~np.isnan(shares)
            values = _transform(np.where(there, shares, 0.0), geometric, there)
            # Presence of every child whose presence does not change per replication (all but nodes).
            counted = [j for j, col in enumerate(cols) if col.dense is None or col.presence is not None]
            columns = [_static_presence(cols[j]) for j in counted]
            present = np.stack(columns, axis=1) if columns else np.ones((self.n_agencies, 0), dtype=bool)
            presence = None if present.all() else np.ascontiguousarray(present.T, dtype=np.float64)
            self._fixed_cache[key] = (np.ascontiguousarray(values.T), fixed, presence, counted)
        values_t, fixed, presence_t, counted = self._fixed_cache[key]
        b = weights.shape[0]
        rows = weights[:1] if same else weights
        num = np.ascontiguousarray(rows[:, fixed]) @ values_t if fixed else np.zeros((1, self.n_agencies))
        w = np.ascontiguousarray(rows[:, counted])
        den = w.sum(axis=1, keepdims=True) if presence_t is None else w @ presence_t
        if same:
            den = np.repeat(den, b, axis=0) if den.shape[1] == 1 else den
        return num, den

    def _rounded_sum(
        self,
        cols: list[_Col],
        mx: FloatArray,
        weights: FloatArray,
        scale: float,
        rows: IntArray | slice,
        b: int,
    ) -> FloatArray:
        """Each child's points at its replication's max, rounded half up, added (rescaled on exclusions)."""
        got = np.zeros((b, self.n_agencies))
        kept = np.zeros((b, self.n_agencies))
        new_max = weights * (scale / weights.sum(axis=1, keepdims=True))
        for j, col in enumerate(cols):
            points = self._dense_of(col, rows, b)
            share = points / mx[j]
            there = ~np.isnan(share)
            contribution = round_half_up(
                np.where(there, share, 0.0) * new_max[:, j : j + 1], self.plan.decimals
            )
            got += contribution
            kept += there * new_max[:, j : j + 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(np.abs(kept - scale) <= 1e-12 * scale, got, got * scale / kept)
        value[kept <= 0] = np.nan
        return value

    def _dense_of(self, col: _Col, rows: IntArray | slice, b: int) -> FloatArray:
        if col.dense is not None:
            return col.dense[rows]
        out = np.repeat(col.nominal[None, :], b, axis=0)
        if col.cells is not None and col.values is not None:
            out[:, col.cells] = col.values[rows]
        return out

    # -- leaves --------------------------------------------------------------------------------


def _static_presence(col: _Col) -> BoolArray:
    """Where a child that is not a node has points in every replication (drawn cells aside)."""
    return ~np.isnan(col.nominal) if col.presence is None else col.presence


def _owned(x: FloatArray, b: int, n_a: int) -> FloatArray:
    """A (B, A) array this batch may write in: x itself if it is one, else a copy of its broadcast."""
    if x.shape == (b, n_a) and x.flags.owndata and x.flags.writeable:
        return x
    return np.array(np.broadcast_to(x, (b, n_a)))


def _logs(shares: FloatArray, there: BoolArray) -> None:
    """Replace shares by their logs in place (zero share -> LOG_ZERO; absent -> 0)."""
    np.maximum(shares, 0.0, out=shares)
    with np.errstate(divide="ignore"):
        np.log(shares, out=shares)
    np.maximum(shares, LOG_ZERO, out=shares)
    np.copyto(shares, 0.0, where=~there)


def _transform(shares: FloatArray, geometric: bool, there: BoolArray) -> FloatArray:
    """Shares as they enter a mean: as they are, or their logs (zero share -> LOG_ZERO; absent -> 0)."""
    if not geometric:
        return shares
    with np.errstate(divide="ignore"):
        logs = np.log(np.maximum(shares, 0.0))
    return np.where(there, np.maximum(logs, LOG_ZERO), 0.0)
