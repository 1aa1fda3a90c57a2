"""The leaves of one period under drawn assumptions, for the fast path of chiso.scoring.simulate.

Scoring layer, pure numpy. A leaf whose value is measured with an error, scored by an assessor with
some slack, or normalised another way is re-scored with its registered rule (chiso.scoring.rules) for
every replication of a batch, peer groups numbered per replication; a leaf whose only change is how
its cells without data are filled changes in those cells alone. Also the plain data of a batch's
assumptions (Draws) and of what may vary (Varying).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from chiso.frameworks.rules import MinMaxParams, PercentileParams, RuleParams
from chiso.scoring.checks import LeafLimits
from chiso.scoring.rules import LeafContext, apply_rule
from chiso.scoring.tree import NOTE_SCORED, Plan

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

METHODS = ("sum", "rounded_sum", "weighted_mean", "geometric_mean")
FILLS = ("zero", "full", "exclude", "null_excluded", "group_mean")
NORMALISATIONS = ("minmax", "percentile")
_GROUP_FILLS = (4, 5, 14, 15)  # notes of cells the engine filled with the group mean or median
_MISSING_NOTES = (1, 2, 3, 4, 5, 6, 7, 8, 9)  # missing value, any policy (see chiso.scoring.tree)
_ZERO_DEN_NOTES = (11, 12, 13, 14, 15, 16, 17, 18, 19)


@dataclass(frozen=True)
class NoiseSource:
    """Independent noise on the values of some leaves: +-half_width (x value when relative)."""

    leaves: tuple[int, ...]
    half_width: float
    relative: bool = False


@dataclass(frozen=True)
class Varying:
    """Which assumptions may vary: the structure a Simulator prepares its fixed matrices for."""

    weights: frozenset[int] = frozenset()  # nodes whose children's weights vary
    methods: frozenset[int] = frozenset()  # nodes whose aggregation varies
    rules: frozenset[int] = frozenset()  # leaves switching minmax / percentile
    fills: tuple[tuple[int, str], ...] = ()  # (leaf, cells: missing | zero_denominator | both)
    noise: tuple[NoiseSource, ...] = ()


@dataclass
class Draws:
    """The assumptions of a batch of replications; a missing entry keeps the engine's own."""

    size: int
    weights: dict[int, FloatArray] = field(default_factory=dict)  # node -> (B, regular children) factors
    methods: dict[int, IntArray] = field(default_factory=dict)  # node -> (B,) index into METHODS
    rules: dict[int, IntArray] = field(default_factory=dict)  # leaf -> (B,) index into NORMALISATIONS
    fills: dict[int, IntArray] = field(default_factory=dict)  # leaf -> (B,) index into FILLS
    noise: dict[int, npt.NDArray[np.uint64]] = field(default_factory=dict)  # source -> (B,) keys
    #: The batch's noise once drawn (source -> (leaves, B, A)): a batch is self-contained, so batches
    #: can run in parallel threads.
    noise_cache: dict[int, npt.NDArray[np.float32]] = field(default_factory=dict)


class LeafColumns:
    """Each leaf's points (agencies in the simulator's order) under a batch's drawn assumptions."""

    def __init__(
        self,
        plan: Plan,
        varying: Varying,
        *,
        values: FloatArray,
        leaf_points: FloatArray,
        notes: npt.NDArray[np.int8],
        nominal: FloatArray,
        gid: IntArray,
        slot: IntArray,
        width: int,
    ) -> None:
        self.plan, self.varying = plan, varying
        self.values, self.leaf_points, self.notes, self.nominal = values, leaf_points, notes, nominal
        self.gid, self.slot, self.width = gid, slot, width
        self.n_agencies = gid.size
        self.n_groups = int(gid.max()) + 1 if gid.size else 0
        self.limits = LeafLimits([plan.nodes[i] for i in plan.node_of_leaf])
        self.rescored = frozenset(
            varying.rules | {leaf for source in varying.noise for leaf in source.leaves}
        )
        self.fill_cells = {leaf: self._cells(leaf, cells) for leaf, cells in varying.fills}
        self._sparse_options: dict[int, FloatArray] = {}
        self._groups_cache: dict[int, IntArray] = {}
        # Agencies come sorted by group: each group is a contiguous run of columns.
        self.starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]]) if gid.size else np.zeros(0, np.int64)
        self.scored = notes == NOTE_SCORED
        self.scored_count = np.add.reduceat(self.scored, self.starts, axis=0) if gid.size else self.scored[:0]

    def varies(self, leaf: int) -> bool:
        """Whether some assumption of this leaf may differ from the engine's."""
        return leaf in self.rescored or leaf in self.fill_cells

    def _cells(self, leaf: int, which: str) -> BoolArray:
        notes = self.notes[:, leaf]
        codes = {"missing": _MISSING_NOTES, "zero_denominator": _ZERO_DEN_NOTES}.get(which)
        return np.isin(notes, codes if codes is not None else _MISSING_NOTES + _ZERO_DEN_NOTES)

    def fill(self, leaf: int, draws: Draws) -> tuple[IntArray | None, FloatArray | None]:
        """A leaf whose only change is how its cells without data are filled: the cells and their
        points in each replication (None when nothing changes)."""
        cells = np.flatnonzero(self.fill_cells[leaf])
        codes = draws.fills.get(leaf)
        if codes is None or cells.size == 0:
            return None, None
        options = self._sparse_options.get(leaf)
        if options is None:
            means = self._group_means(leaf, self.leaf_points[None, :, leaf])[0]
            options = self._sparse_options[leaf] = self._fill_options(leaf, means[self.gid[cells]])
        return cells, options[codes]

    def _fill_options(self, leaf: int, means: FloatArray) -> FloatArray:
        """Points of some cells under each of FILLS (null counts 0 with its weight kept)."""
        top = float(self.plan.max_points[self.plan.node_of_leaf[leaf]])
        shape = means.shape
        return np.stack(
            [np.zeros(shape), np.full(shape, top), np.full(shape, np.nan), np.zeros(shape), means]
        )

    def _group_means(self, leaf: int, points: FloatArray) -> FloatArray:
        """Per replication and group, the mean of the leaf's scored points (0 when there are none): (B, G)."""
        scored = self.scored[:, leaf]
        sums = np.add.reduceat(np.where(scored, points, 0.0), self.starts, axis=1)
        count = self.scored_count[:, leaf]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, sums / np.maximum(count, 1), 0.0)

    def _batch_groups(self, b: int) -> IntArray:
        """Group ids of b replications' agencies, flattened: replication r's groups are r x G + g."""
        cached = self._groups_cache.get(b)
        if cached is None:
            cached = (np.arange(b)[:, None] * self.n_groups + self.gid[None, :]).ravel()
            self._groups_cache[b] = cached
        return cached

    def _group_medians(self, leaf: int, points: FloatArray) -> FloatArray:
        """Per replication and group, the median of the leaf's scored points (0 when none): (B, G)."""
        b = points.shape[0]
        padded = np.full((b, self.n_groups, self.width), np.nan)
        padded[:, self.gid, self.slot] = np.where(self.scored[:, leaf], points, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a group without scored cells: 0, as the engine
            median: FloatArray = np.nanmedian(padded, axis=-1)
        return np.nan_to_num(median, nan=0.0)

    def static_presence(self, leaf: int) -> BoolArray:
        """The agencies whose points a re-scored leaf always has (not excluded, not a drawn fill)."""
        present = ~np.isnan(self.nominal[:, leaf])
        cells = self.fill_cells.get(leaf)
        return present if cells is None else present & ~cells

    def rescore(self, leaf: int, draws: Draws) -> tuple[FloatArray, IntArray | None, FloatArray | None]:
        """Re-run a leaf's rule on its (perturbed) values for every replication, then fill its gaps.

        Returns:
            The points (B, A), 0 where `static_presence` is False; and the cells whose fill is drawn
            with their points in each replication (NaN: excluded), or None.
        """
        plan, b = self.plan, draws.size
        node = plan.nodes[plan.node_of_leaf[leaf]]
        assert node.rule is not None
        values = np.empty((b, self.n_agencies))
        values[...] = self.values[None, :, leaf]
        for s, source in enumerate(self.varying.noise):
            if leaf in source.leaves and s in draws.noise:
                u = self._noise(s, draws)[source.leaves.index(leaf)]  # (B, A) on [0, 1)
                spread = np.multiply(u, 2.0 * source.half_width, dtype=np.float64)
                if source.relative:  # x (1 + h (2u - 1))
                    spread += 1.0 - source.half_width
                    values *= spread
                else:  # + h (2u - 1)
                    values += spread
                    values -= source.half_width
                np.clip(values, self.limits.low[leaf], self.limits.high[leaf], out=values)
        codes = draws.rules.get(leaf)
        top = float(plan.max_points[plan.node_of_leaf[leaf]])
        variants = [node.rule] if codes is None else [_normalisation(node.rule, m) for m in NORMALISATIONS]
        if codes is None or np.all(codes == codes[0]):
            variant = variants[0 if codes is None else int(codes[0])]
            context = LeafContext(top, self._batch_groups(b))
            flat = apply_rule(variant, values.ravel(), context=context, indicator_code=node.code)
            points = flat.reshape(b, self.n_agencies)
        else:
            points = np.empty((b, self.n_agencies))
            for m in np.unique(codes):
                rows = np.flatnonzero(codes == m)
                context = LeafContext(top, self._batch_groups(rows.size))
                flat = apply_rule(
                    variants[int(m)], values[rows].ravel(), context=context, indicator_code=node.code
                )
                points[rows] = flat.reshape(rows.size, self.n_agencies)
        return self._fill_gaps(leaf, points, draws)

    def _fill_gaps(
        self, leaf: int, points: FloatArray, draws: Draws
    ) -> tuple[FloatArray, IntArray | None, FloatArray | None]:
        """Put back the engine's fills where the leaf had no data; split off the cells whose fill is drawn."""
        notes = self.notes[:, leaf]
        gaps = np.flatnonzero(~self.scored[:, leaf])
        if gaps.size:
            points[:, gaps] = self.nominal[gaps, leaf]
        group_filled = np.flatnonzero(np.isin(notes, _GROUP_FILLS))
        if group_filled.size:  # the engine's group mean or median, of this replication's points
            by_median = np.isin(notes[group_filled], (5, 15))
            stats = self._group_means(leaf, points)[:, self.gid[group_filled]]
            if by_median.any():
                medians = self._group_medians(leaf, points)[:, self.gid[group_filled]]
                stats = np.where(by_median[None, :], medians, stats)
            points[:, group_filled] = stats
        cells, values = None, None
        if leaf in self.fill_cells:
            cells = np.flatnonzero(self.fill_cells[leaf])
            codes = draws.fills.get(leaf)
            if codes is None:  # the engine's own fill
                values = points[:, cells].copy()
            else:
                if np.any(codes == FILLS.index("group_mean")):
                    means = self._group_means(leaf, points)[:, self.gid[cells]]
                else:
                    means = np.zeros((points.shape[0], cells.size))
                options = self._fill_options(leaf, means)  # (FILLS, B, cells)
                values = np.take_along_axis(options, codes[None, :, None], axis=0)[0]
        points[:, ~self.static_presence(leaf)] = 0.0
        return points, cells, values

    def _noise(self, source: int, draws: Draws) -> npt.NDArray[np.float32]:
        """Uniform noise on [0, 1) as (leaf of the source, replication, agency); one stream per key."""
        cached = draws.noise_cache.get(source)
        if cached is not None:
            return cached
        leaves = len(self.varying.noise[source].leaves)
        out = np.empty((leaves, draws.size, self.n_agencies), dtype=np.float32)
        for r, key in enumerate(draws.noise[source]):
            generator = np.random.Generator(np.random.SFC64(int(key)))
            out[:, r, :] = generator.random((leaves, self.n_agencies), dtype=np.float32)
        draws.noise_cache[source] = out
        return out


def _normalisation(rule: RuleParams, method: str) -> RuleParams:
    """The leaf's rule as minmax or percentile, keeping its direction."""
    higher = bool(getattr(rule, "higher_is_better", True))
    if method == "minmax":
        return MinMaxParams(
            higher_is_better=higher, constant=rule.constant if isinstance(rule, MinMaxParams) else "full"
        )
    return PercentileParams(higher_is_better=higher)
