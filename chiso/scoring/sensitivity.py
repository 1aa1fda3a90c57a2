"""Which assumption moves the ranking most: Sobol' indices and the removal of one indicator; scoring layer.

Pure numpy. The output studied is a replication's mean absolute rank change against the nominal
ranking. First-order indices use Saltelli's (2010) estimator and total-order indices Jansen's (1999),
on A, B and A_B(i) matrices of scrambled Sobol' points, each factor of the uncertainty spec taken as
one group of design columns. `sobol_indices` is checked against the Ishigami function's known indices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from threadpoolctl import threadpool_limits

from chiso.frameworks import UncertaintySpec
from chiso.scoring.design import Design, sample_points
from chiso.scoring.leaves import Draws, Varying
from chiso.scoring.pipeline import Run
from chiso.scoring.runlog import ENGINE_VERSION, input_hash
from chiso.scoring.simulate import Simulator
from chiso.scoring.tree import regular_children
from chiso.scoring.uncertainty import simulate_rows

FloatArray = npt.NDArray[np.float64]


@dataclass
class Sensitivity:
    """Sobol' indices of each assumption on the mean absolute rank change.

    Attributes:
        indices: one row per factor of the spec: factor, kind, first_order, total_order and their 95 %
            bootstrap intervals (first_order_low/high, total_order_low/high).
        variance: the variance of the output (0: no assumption moved any rank; indices are then 0).
        log: plain data: spec, base samples, seed, engine version, framework and input hashes.
    """

    indices: pd.DataFrame
    variance: float
    log: dict[str, Any]


def saltelli_matrices(
    widths: list[int], n: int, *, seed: int, sampling: str = "sobol"
) -> tuple[FloatArray, FloatArray, list[FloatArray]]:
    """Return A, B and, per factor i, A with factor i's columns taken from B.

    Args:
        widths: the number of design columns of each factor, in order.
        n: rows of each matrix.
        seed, sampling: as for chiso.scoring.design.sample_points (over 2 x the columns).
    """
    dims = sum(widths)
    both = sample_points(n, 2 * dims, seed=seed, sampling=sampling)
    a, b = both[:, :dims], both[:, dims : 2 * dims]
    mixed, start = [], 0
    for width in widths:
        ab = a.copy()
        ab[:, start : start + width] = b[:, start : start + width]
        mixed.append(ab)
        start += width
    return a, b, mixed


def sobol_indices(y_a: FloatArray, y_b: FloatArray, y_ab: FloatArray) -> tuple[FloatArray, FloatArray]:
    """First-order (Saltelli 2010) and total-order (Jansen 1999) indices from model outputs.

    Args:
        y_a: outputs on the rows of A (n,).
        y_b: outputs on the rows of B (n,).
        y_ab: outputs on A_B(i), one row per factor (factors, n).

    Returns:
        first, total: one index per factor; 0 where the output does not vary at all.
    """
    variance = float(np.var(np.concatenate([y_a, y_b])))
    if variance <= 0.0:
        zeros = np.zeros(y_ab.shape[0])
        return zeros, zeros.copy()
    first = np.mean(y_b[None, :] * (y_ab - y_a[None, :]), axis=1) / variance
    total = 0.5 * np.mean((y_a[None, :] - y_ab) ** 2, axis=1) / variance
    return first, total


def compute_sensitivity(
    run: Run,
    spec: UncertaintySpec,
    *,
    period: str | None = None,
    base_samples: int = 512,
    seed: int | None = None,
    bootstrap: int = 200,
) -> Sensitivity:
    """Measure each assumption's share of the rank changes (Sobol' first- and total-order indices).

    Args:
        run: the engine's run of the ranking.
        spec: the assumptions (each factor is one group).
        period: the ranking's period (default: the latest).
        base_samples: rows of A and B; the analysis runs base_samples x (factors + 2) replications.
        seed: the Sobol' scrambling seed (default: spec.seed).
        bootstrap: resamples for the 95 % intervals (0: none).

    Returns:
        The Sensitivity (indices per factor, output variance, log).
    """
    seed = spec.seed if seed is None else seed
    design = Design(run.framework, run.plan, spec)
    simulator = Simulator(run, period, design.varying)
    widths = [slot.width for slot in design.slots]
    a, b, mixed = saltelli_matrices(widths, base_samples, seed=seed, sampling=spec.sampling)
    y = simulate_rows(design, simulator, np.concatenate([a, b, *mixed]))
    n = base_samples
    y_a, y_b = y[:n], y[n : 2 * n]
    y_ab = y[2 * n :].reshape(len(mixed), n)
    first, total = sobol_indices(y_a, y_b, y_ab)
    low_high = _bootstrap(y_a, y_b, y_ab, bootstrap, seed)
    indices = pd.DataFrame(
        {
            "factor": design.names,
            "kind": [slot.kind for slot in design.slots],
            "first_order": first,
            "total_order": total,
            "first_order_low": low_high[0],
            "first_order_high": low_high[1],
            "total_order_low": low_high[2],
            "total_order_high": low_high[3],
        }
    )
    log = {
        "analysis": "sensitivity",
        "engine_version": ENGINE_VERSION,
        "framework": {"id": run.framework.id, "content_hash": run.framework.content_hash()},
        "input_hash": input_hash(run.inputs, run.prior, run.lineage),
        "period": simulator.period,
        "spec": spec.model_dump(mode="json"),
        "base_samples": n,
        "replications": int(y.size),
        "seed": seed,
        "estimators": {"first_order": "saltelli-2010", "total_order": "jansen-1999"},
    }
    return Sensitivity(indices, float(np.var(np.concatenate([y_a, y_b]))), log)


def _bootstrap(
    y_a: FloatArray, y_b: FloatArray, y_ab: FloatArray, resamples: int, seed: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """2.5th and 97.5th percentiles of the indices over resampled rows (NaN when not asked)."""
    d = y_ab.shape[0]
    if resamples <= 0:
        nan = np.full(d, np.nan)
        return nan, nan.copy(), nan.copy(), nan.copy()
    rng = np.random.default_rng(seed)
    firsts, totals = np.empty((resamples, d)), np.empty((resamples, d))
    for r in range(resamples):
        rows = rng.integers(0, y_a.size, y_a.size)
        firsts[r], totals[r] = sobol_indices(y_a[rows], y_b[rows], y_ab[:, rows])
    f_low, f_high = np.percentile(firsts, [2.5, 97.5], axis=0)
    t_low, t_high = np.percentile(totals, [2.5, 97.5], axis=0)
    return f_low, f_high, t_low, t_high


def compute_removal_impact(
    run: Run, *, period: str | None = None, level: Literal["indicators", "pillars"] = "indicators"
) -> pd.DataFrame:
    """Re-rank once without each indicator (or each pillar) and measure the change.

    The node is left out and its parent rescaled, as the engine does for a child without data.

    Args:
        run: the engine's run of the ranking.
        period: the ranking's period (default: the latest).
        level: `indicators` (every scored leaf) or `pillars` (every regular child of TOTAL).

    Returns:
        One row per node left out: indicator_code (the node's code, for either level),
        mean_rank_change (mean |rank change| over ranked agencies), max_rank_change, agencies_moved,
        band_changes (agencies whose band changes), sorted by mean_rank_change, largest first.
    """
    plan = run.plan
    parent_of = {c: n for n, kids in enumerate(plan.children) for c in kids}
    if level == "pillars":
        leaves = [(-1, ni) for ni in regular_children(plan, 0)]
    else:
        leaves = [
            (li, ni) for li, ni in enumerate(plan.node_of_leaf) if ni in regular_children(plan, parent_of[ni])
        ]
    parents = frozenset(parent_of[ni] for _, ni in leaves)
    simulator = Simulator(run, period, Varying(weights=parents))
    draws = Draws(size=len(leaves))
    for parent in parents:
        draws.weights[parent] = np.ones((len(leaves), len(simulator.regular[parent])))
    for row, (_, ni) in enumerate(leaves):
        parent = parent_of[ni]
        draws.weights[parent][row, simulator.regular[parent].index(ni)] = 0.0
    with threadpool_limits(limits=1, user_api="blas"):
        batch = simulator.run_batch(draws) if leaves else None
    if batch is None:
        return pd.DataFrame(
            columns=[
                "indicator_code",
                "mean_rank_change",
                "max_rank_change",
                "agencies_moved",
                "band_changes",
            ]
        )
    nominal_band = simulator.run_batch(Draws(size=1)).band[0]
    ranked = batch.rank > 0
    change = np.where(ranked, np.abs(batch.rank - simulator.nominal_rank[None, :]), 0)
    frame = pd.DataFrame(
        {
            "indicator_code": [plan.codes[ni] for _, ni in leaves],
            "mean_rank_change": change.sum(axis=1) / np.maximum(ranked.sum(axis=1), 1),
            "max_rank_change": change.max(axis=1, initial=0),
            "agencies_moved": (change > 0).sum(axis=1),
            "band_changes": (batch.band != nominal_band[None, :]).sum(axis=1),
        }
    )
    return frame.sort_values(["mean_rank_change", "indicator_code"], ascending=[False, True]).reset_index(
        drop=True
    )
