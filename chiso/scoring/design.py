"""Turn an uncertainty spec into sample points and the draws of the fast path; scoring layer, pure numpy.

Every factor of the spec owns some columns of a design matrix of uniforms on [0, 1): a `weights` factor
one per child of each of its parents, every other factor one (a choice among its options, or the key
of the independent noise streams of its cells). The Monte Carlo analysis samples the matrix with
scrambled Sobol' points; the sensitivity analysis builds Saltelli's A, B and A_B(i) matrices from it.
The same row always gives the same replication, whatever the batch it is computed in.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from chiso.frameworks import Framework, UncertaintySpec
from chiso.frameworks.uncertainty import (
    AggregationFactor,
    AssessorFactor,
    MeasurementFactor,
    MissingFactor,
    NormalisationFactor,
    WeightsFactor,
    label,
    targets,
)
from chiso.scoring.leaves import FILLS, METHODS, NORMALISATIONS, Draws, NoiseSource, Varying
from chiso.scoring.tree import Plan, regular_children

FloatArray = npt.NDArray[np.float64]
_KEY_SPAN = float(2**53)
_EDGE = 1e-12


@dataclass(frozen=True)
class _Slot:
    """One factor's place in the design: its columns and what it acts on (plan indices)."""

    name: str
    kind: str
    start: int
    width: int
    targets: tuple[int, ...]  # node indices (weights, aggregation) or leaf indices
    options: tuple[int, ...] = ()  # codes into METHODS / NORMALISATIONS / FILLS
    noise: int = -1  # index of the factor's NoiseSource
    spread: float = 0.0
    dirichlet: float = 0.0  # concentration (0: uniform)


class Design:
    """The spec laid out as design columns, with the structure the Simulator must prepare for."""

    def __init__(self, framework: Framework, plan: Plan, spec: UncertaintySpec) -> None:
        self.plan, self.spec = plan, spec
        index = {code: i for i, code in enumerate(plan.codes)}
        leaf_of = {plan.codes[n]: li for li, n in enumerate(plan.node_of_leaf)}
        slots: list[_Slot] = []
        noise: list[NoiseSource] = []
        fills: list[tuple[int, str]] = []
        start = 0
        for i, factor in enumerate(spec.factors):
            name, codes = label(factor, i), targets(factor, framework)
            if isinstance(factor, WeightsFactor):
                nodes = tuple(index[c] for c in codes if regular_children(plan, index[c]))
                width = sum(len(regular_children(plan, n)) for n in nodes)
                concentration = factor.concentration if factor.distribution == "dirichlet" else 0.0
                slot = _Slot(
                    name, factor.kind, start, width, nodes, spread=factor.spread, dirichlet=concentration
                )
            elif isinstance(factor, AggregationFactor):
                options = tuple(METHODS.index(m) for m in factor.methods)
                slot = _Slot(name, factor.kind, start, 1, tuple(index[c] for c in codes), options)
            else:
                leaves = tuple(leaf_of[c] for c in codes)
                slot = _Slot(name, factor.kind, start, 1, leaves)
                if isinstance(factor, NormalisationFactor):
                    slot = replace(slot, options=tuple(NORMALISATIONS.index(m) for m in factor.methods))
                elif isinstance(factor, MissingFactor):
                    slot = replace(slot, options=tuple(FILLS.index(p) for p in factor.policies))
                    fills.extend((leaf, factor.cells) for leaf in leaves)
                elif isinstance(factor, AssessorFactor):
                    noise.append(NoiseSource(leaves, factor.points))
                    slot = replace(slot, noise=len(noise) - 1)
                elif isinstance(factor, MeasurementFactor):
                    noise.append(NoiseSource(leaves, factor.error, factor.relative))
                    slot = replace(slot, noise=len(noise) - 1)
            slots.append(slot)
            start += slot.width
        self.slots = slots
        self.dims = start
        self.names = [slot.name for slot in slots]
        self.varying = Varying(
            weights=frozenset(n for s in slots if s.kind == "weights" for n in s.targets),
            methods=frozenset(n for s in slots if s.kind == "aggregation" for n in s.targets),
            rules=frozenset(leaf for s in slots if s.kind == "normalisation" for leaf in s.targets),
            fills=tuple(fills),
            noise=tuple(noise),
        )

    def columns(self, factor: int) -> slice:
        """The design columns of one factor."""
        slot = self.slots[factor]
        return slice(slot.start, slot.start + slot.width)

    def sample(self, n: int, *, seed: int, sampling: str) -> FloatArray:
        """Return n design points (rows of this design's uniforms)."""
        return sample_points(n, self.dims, seed=seed, sampling=sampling)

    def decode(self, x: FloatArray) -> Draws:
        """Turn design rows into the draws of one batch of replications."""
        draws = Draws(size=x.shape[0])
        for slot in self.slots:
            u = x[:, slot.start : slot.start + slot.width]
            if slot.kind == "weights":
                self._weights(slot, u, draws)
            elif slot.noise >= 0:
                draws.noise[slot.noise] = np.floor(u[:, 0] * _KEY_SPAN).astype(np.uint64)
            else:
                pick = np.minimum((u[:, 0] * len(slot.options)).astype(np.int64), len(slot.options) - 1)
                codes = np.array(slot.options, dtype=np.int64)[pick]
                target = {"aggregation": draws.methods, "normalisation": draws.rules, "missing": draws.fills}
                for t in slot.targets:
                    target[slot.kind][t] = codes
        return draws

    def _weights(self, slot: _Slot, u: FloatArray, draws: Draws) -> None:
        column = 0
        for n in slot.targets:
            kids = regular_children(self.plan, n)
            part = u[:, column : column + len(kids)]
            column += len(kids)
            if not slot.dirichlet:
                draws.weights[n] = 1.0 + slot.spread * (2.0 * part - 1.0)
                continue
            base = _base_weights(self.plan, n)
            alpha = slot.dirichlet * base / base.sum()
            # lazy: scipy is a second of every start (server, CLI); only the draws need it
            from scipy import stats

            gammas = stats.gamma.ppf(np.clip(part, _EDGE, 1.0 - _EDGE), alpha)
            shares = gammas / gammas.sum(axis=1, keepdims=True)
            draws.weights[n] = shares * base.sum() / base


def sample_points(n: int, dims: int, *, seed: int, sampling: str = "sobol") -> FloatArray:
    """Return n points of `dims` uniforms on [0, 1): scrambled Sobol' (`sobol`) or pseudo-random."""
    d = max(1, dims)
    if sampling == "random":
        return np.random.default_rng(seed).random((n, d))
    # lazy: scipy is a second of every start (server, CLI); only the draws need it
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # balance properties need n = 2^m: not required here
        points: FloatArray = qmc.Sobol(d, scramble=True, seed=seed).random(n)
    return points


def _base_weights(plan: Plan, n: int) -> FloatArray:
    """A parent's nominal weights: its children's max under a sum, their `weight` under a mean."""
    kids = regular_children(plan, n)
    if plan.nodes[n].aggregation in ("sum", "rounded_sum"):
        return np.asarray(plan.max_points[kids], dtype=np.float64)
    return np.array([plan.nodes[c].weight for c in kids], dtype=np.float64)
