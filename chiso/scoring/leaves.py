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
from chiso.scoring.tree import NOTE_NOT_APPLICABLE, NOTE_SCORED, Plan

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
        self._noise_cache: dict[int, npt.NDArray[np.float32]] = {}

    def varies(self, leaf: int) -> bool:
        """Whether some assumption of this leaf may differ from the engine's."""
        return leaf in self.rescored or leaf in self.fill_cells

    def start_batch(self) -> None:
        """Forget the previous batch's noise."""
        self._noise_cache = {}

    def _cells(self, leaf: int, which: str) -> BoolArray:
        notes = self.notes[:, leaf]
        codes = {"missing": _MISSING_NOTES, "zero_denominator": _ZERO_DEN_NOTES}.get(which)
        return np.isin(notes, codes if codes is not None else _MISSING_NOTES + _ZERO_DEN_NOTES)

    def fill(self, leaf: int, draws: Draws) -> tuple[IntArray | None, FloatArray | None]:
        """A leaf whose only change is how its cells without data are filled."""
        cells = np.flatnonzero(self.fill_cells[leaf])
        codes = draws.fills.get(leaf)
        if codes is None or cells.size == 0:
            return None, None
        options = self._sparse_options.get(leaf)
        if options is None:
            scored = self.notes[:, leaf] == NOTE_SCORED
            means = self._group_means(self.leaf_points[None, :, leaf], scored)[0]
            options = self._sparse_options[leaf] = self._fill_options(leaf, means[cells])
        return cells, options[codes]

    def _fill_options(self, leaf: int, means: FloatArray) -> FloatArray:
        """Points of some cells under each of FILLS (null counts 0 with its weight kept)."""
        top = float(self.plan.max_points[self.plan.node_of_leaf[leaf]])
        shape = means.shape
        return np.stack(
            [np.zeros(shape), np.full(shape, top), np.full(shape, np.nan), np.zeros(shape), means]
        )

    def _group_means(self, points: FloatArray, scored: BoolArray) -> FloatArray:
        """Per replication, each agency's group mean of the scored points (0 when the group has none)."""
        b = points.shape[0]
        keys = self._batch_groups(b)
        mask = np.broadcast_to(scored, points.shape).ravel()
        values = np.where(mask, points.ravel(), 0.0)
        total = np.bincount(keys, weights=values, minlength=b * self.n_groups)
        count = np.bincount(keys, weights=mask.astype(np.float64), minlength=b * self.n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / count, 0.0)
        return mean.reshape(b, self.n_groups)[:, self.gid]

    def _batch_groups(self, b: int) -> IntArray:
        """Group ids of b replications' agencies, flattened: replication r's groups are r x G + g."""
        cached = self._groups_cache.get(b)
        if cached is None:
            cached = (np.arange(b)[:, None] * self.n_groups + self.gid[None, :]).ravel()
            self._groups_cache[b] = cached
        return cached

    def _group_medians(self, points: FloatArray, scored: BoolArray) -> FloatArray:
        b = points.shape[0]
        padded = np.full((b, self.n_groups, self.width), np.nan)
        padded[:, self.gid, self.slot] = np.where(scored, points, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a group without scored cells: 0, as the engine
            median: FloatArray = np.nanmedian(padded, axis=-1)
        return np.nan_to_num(median, nan=0.0)[:, self.gid]

    def rescore(self, leaf: int, draws: Draws) -> FloatArray:
        """Re-run a leaf's rule on its (perturbed) values for every replication, then fill its gaps."""
        plan, b = self.plan, draws.size
        node = plan.nodes[plan.node_of_leaf[leaf]]
        assert node.rule is not None
        values = np.repeat(self.values[None, :, leaf], b, axis=0)
        for s, source in enumerate(self.varying.noise):
            if leaf in source.leaves and s in draws.noise:
                u = self._noise(s, draws)[:, :, source.leaves.index(leaf)]
                values = (
                    values * (1.0 + source.half_width * u)
                    if source.relative
                    else values + source.half_width * u
                )
                np.clip(values, self.limits.low[leaf], self.limits.high[leaf], out=values)
        codes = draws.rules.get(leaf)
        top = float(plan.max_points[plan.node_of_leaf[leaf]])
        points = np.empty((b, self.n_agencies))
        variants = [node.rule] if codes is None else [_normalisation(node.rule, m) for m in NORMALISATIONS]
        codes = np.zeros(b, dtype=np.int64) if codes is None else codes
        for m in np.unique(codes):
            rows = np.flatnonzero(codes == m)
            context = LeafContext(top, self._batch_groups(rows.size))
            flat = apply_rule(
                variants[int(m)], values[rows].ravel(), context=context, indicator_code=node.code
            )
            points[rows] = flat.reshape(rows.size, self.n_agencies)
        return self._fill_gaps(leaf, points, draws)

    def _fill_gaps(self, leaf: int, points: FloatArray, draws: Draws) -> FloatArray:
        notes = self.notes[:, leaf]
        scored = notes == NOTE_SCORED
        out = np.where(scored, points, self.nominal[:, leaf])
        group_filled = np.isin(notes, _GROUP_FILLS)
        if group_filled.any():
            means = self._group_means(points, scored)
            medians = self._group_medians(points, scored) if np.isin(notes, (5, 15)).any() else means
            by_median = np.isin(notes, (5, 15))
            out = np.where(group_filled & by_median, medians, np.where(group_filled, means, out))
        codes = draws.fills.get(leaf)
        if codes is not None and leaf in self.fill_cells:
            cells = np.flatnonzero(self.fill_cells[leaf])
            if np.any(codes == FILLS.index("group_mean")):
                means = self._group_means(points, scored)[:, cells]
            else:
                means = np.zeros((points.shape[0], cells.size))
            options = self._fill_options(leaf, means)  # (FILLS, B, cells)
            out[:, cells] = np.take_along_axis(options, codes[None, :, None], axis=0)[0]
        out[:, notes == NOTE_NOT_APPLICABLE] = np.nan
        return out

    def _noise(self, source: int, draws: Draws) -> npt.NDArray[np.float32]:
        """Uniform noise on [-1, 1) for (replication, agency, leaf of the source), one stream per key."""
        cached = self._noise_cache.get(source)
        if cached is not None:
            return cached
        leaves = len(self.varying.noise[source].leaves)
        size = self.n_agencies * leaves
        out = np.empty((draws.size, self.n_agencies, leaves), dtype=np.float32)
        for r, key in enumerate(draws.noise[source]):
            generator = np.random.Generator(np.random.SFC64(int(key)))
            out[r] = generator.random(size, dtype=np.float32).reshape(self.n_agencies, leaves)
        out *= 2.0
        out -= 1.0
        self._noise_cache[source] = out
        return out


def _normalisation(rule: RuleParams, method: str) -> RuleParams:
    """The leaf's rule as minmax or percentile, keeping its direction."""
    higher = bool(getattr(rule, "higher_is_better", True))
    if method == "minmax":
        return MinMaxParams(
            higher_is_better=higher, constant=rule.constant if isinstance(rule, MinMaxParams) else "full"
        )
    return PercentileParams(higher_is_better=higher)
