"""Rank intervals: how far each agency's rank could move when the ranking's assumptions vary; scoring layer.

Pure numpy. A Monte Carlo run of the fast path (chiso.scoring.simulate) over scrambled Sobol' points of
the uncertainty spec (chiso.frameworks.uncertainty): per agency the nominal rank (the engine's), the
mean and median rank, the 5th-95th percentile interval and the probability of each band. The spec,
seed, replications and engine version go into the log; `replay_rank_intervals` reproduces every interval.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from threadpoolctl import threadpool_limits

from chiso.errors import ScoringError
from chiso.frameworks import UncertaintySpec
from chiso.scoring.design import Design
from chiso.scoring.pipeline import Run
from chiso.scoring.publish import band_index
from chiso.scoring.runlog import ENGINE_VERSION, check_replayed, input_hash
from chiso.scoring.simulate import Batch, Simulator

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The percentiles of the rank interval (rank_low, rank_high).
INTERVAL = (5, 95)
#: Cells (replications x agencies) per batch: big enough for numpy, small enough to stay in cache.
BATCH_CELLS = 1 << 19
#: Threads running batches: the machines chiso targets have two cores.
WORKERS = 2


@dataclass
class RankIntervals:
    """The outcome of a Monte Carlo run over one period's ranking.

    Attributes:
        table: one row per ranked agency: period, agency_code, group, group_size, published, rank,
            band (the engine's nominal figures), mean_rank, median_rank, rank_low, rank_high (5th and
            95th percentiles, inverted CDF), firm (the interval is one rank wide), ranked_share (share
            of replications in which the agency had a rank).
        bands: one row per agency and band: probability (share of replications in that band).
        outcome: per replication, the mean absolute rank change against the nominal ranks.
        log: plain data: spec, seed, replications, sampling, engine version, framework and input hashes,
            output hash; `replay_rank_intervals(log, run)` reproduces the result.
    """

    table: pd.DataFrame
    bands: pd.DataFrame
    outcome: FloatArray
    log: dict[str, Any]


class Tally:
    """Rank and band histograms per agency (memory independent of the replications)."""

    def __init__(self, simulator: Simulator) -> None:
        self.n_agencies = simulator.n_agencies
        self.ranks = np.zeros((simulator.n_agencies, simulator.width + 1), dtype=np.int64)
        self.bands = np.zeros((simulator.n_agencies, len(simulator.bands) + 1), dtype=np.int64)

    def add(self, batch: Batch) -> None:
        """Count a batch's ranks (column 0: unranked) and bands (last column: none)."""
        agency = np.arange(self.n_agencies)[None, :]
        np.add.at(self.ranks.ravel(), (agency * self.ranks.shape[1] + batch.rank).ravel(), 1)
        n_b = self.bands.shape[1]
        band = np.where(batch.band < 0, n_b - 1, batch.band)
        np.add.at(self.bands.ravel(), (agency * n_b + band).ravel(), 1)

    def merge(self, other: Tally) -> None:
        self.ranks += other.ranks
        self.bands += other.bands


def mean_rank_change(rank: IntArray, nominal: IntArray) -> FloatArray:
    """Per replication, the mean over ranked agencies of |rank - nominal rank| (0 when none is ranked)."""
    ranked = rank > 0
    moved = np.where(ranked, np.abs(rank - nominal[None, :]), 0).sum(axis=1)
    return np.asarray(moved / np.maximum(ranked.sum(axis=1), 1), dtype=np.float64)


def simulate_rows(
    design: Design,
    simulator: Simulator,
    x: FloatArray,
    tally: Tally | None = None,
    *,
    workers: int | None = None,
) -> FloatArray:
    """Run the design rows in batches, count them into `tally`; return each row's mean rank change.

    Batches run in `workers` threads (numpy releases the GIL in its loops), each thread counting into
    its own histograms, added up at the end: whole numbers, so the result never depends on the
    number of workers or the order the batches finish in.
    """
    size = max(16, BATCH_CELLS // max(1, simulator.n_agencies, simulator.n_groups * simulator.width))
    local = threading.local()
    tallies: list[Tally] = []

    def one(start: int) -> FloatArray:
        batch = simulator.run_batch(design.decode(x[start : start + size]))
        if tally is not None:
            mine = getattr(local, "tally", None)
            if mine is None:
                mine = local.tally = Tally(simulator)
                tallies.append(mine)  # list.append is atomic
            mine.add(batch)
        return mean_rank_change(batch.rank, simulator.nominal_rank)

    # One BLAS thread: the products here are small and many; on two shared cores OpenBLAS's own
    # threads spun and made them 5x slower.
    threads = max(1, WORKERS if workers is None else workers)
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
        out = list(pool.map(one, range(0, x.shape[0], size)))
    if tally is not None:
        for part in tallies:
            tally.merge(part)
    return np.concatenate(out) if out else np.empty(0)


def compute_rank_intervals(
    run: Run,
    spec: UncertaintySpec,
    *,
    period: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
) -> RankIntervals:
    """Give every agency of one period a rank interval by varying the spec's assumptions.

    Args:
        run: the engine's run of the ranking (chiso.scoring.run_pipeline with the published inputs).
        spec: which assumptions vary and how (chiso.frameworks.load_uncertainty).
        period: the ranking's period (default: the latest of the run).
        replications: overrides spec.replications.
        seed: overrides spec.seed.

    Returns:
        The RankIntervals (table, bands, outcome, log).

    Raises:
        ScoringError: the period is not in the run, or a factor broke a rule's contract.
    """
    spec = spec.model_copy(
        update={k: v for k, v in {"replications": replications, "seed": seed}.items() if v is not None}
    )
    design = Design(run.framework, run.plan, spec)
    simulator = Simulator(run, period, design.varying)
    tally = Tally(simulator)
    x = design.sample(spec.replications, seed=spec.seed, sampling=spec.sampling)
    outcome = simulate_rows(design, simulator, x, tally)
    table, bands = _summarise(simulator, tally, spec.replications)
    log = {
        "analysis": "rank_intervals",
        "engine": "chiso.scoring",
        "engine_version": ENGINE_VERSION,
        "framework": {
            "id": run.framework.id,
            "version": run.framework.version,
            "content_hash": run.framework.content_hash(),
        },
        "input_hash": input_hash(run.inputs, run.prior, run.lineage),
        "period": simulator.period,
        "spec": spec.model_dump(mode="json"),
        "replications": spec.replications,
        "seed": spec.seed,
        "sampling": spec.sampling,
        "interval": list(INTERVAL),
        "output_hash": _hash(table, bands),
    }
    return RankIntervals(table, bands, outcome, log)


def replay_rank_intervals(log: dict[str, Any], run: Run) -> RankIntervals:
    """Re-run a logged Monte Carlo analysis on the same run and check it reproduces every interval.

    Raises:
        ScoringError: the framework or the inputs differ from the logged ones, or the intervals do.
    """
    if run.framework.content_hash() != log["framework"]["content_hash"]:
        raise ScoringError(
            "Khung chỉ số khác với khung trong nhật ký phân tích", "The framework differs from the logged one"
        )
    if input_hash(run.inputs, run.prior, run.lineage) != log["input_hash"]:
        raise ScoringError(
            "Dữ liệu đầu vào khác với lần phân tích đã ghi (mã băm khác)",
            "The inputs differ from the logged analysis (hash mismatch)",
        )
    spec = UncertaintySpec.model_validate(log["spec"])
    again = compute_rank_intervals(run, spec, period=log["period"])
    check_replayed(
        log,
        again.log["output_hash"],
        what_vi="Khoảng xếp hạng tính lại",
        what_en="The recomputed rank intervals differ from the logged ones",
    )
    return again


def percentile_ranks(counts: IntArray, percent: float) -> IntArray:
    """Per row of rank counts (column r = rank r, column 0 = unranked), the inverted-CDF percentile:
    the lowest rank whose cumulative count reaches `percent` of the ranked replications (0: none)."""
    ranked = counts[:, 1:]
    total = ranked.sum(axis=1)
    cumulative = np.cumsum(ranked, axis=1)
    reached = cumulative * 100.0 >= percent * total[:, None]
    out = np.argmax(reached, axis=1) + 1
    return np.where(total > 0, out, 0).astype(np.int64)


def _summarise(simulator: Simulator, tally: Tally, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts = tally.ranks
    ranked = counts[:, 1:].sum(axis=1)
    rank_values = np.arange(1, counts.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (counts[:, 1:] * rank_values).sum(axis=1) / ranked
    low = percentile_ranks(counts, INTERVAL[0])
    high = percentile_ranks(counts, INTERVAL[1])
    median = percentile_ranks(counts, 50)
    inputs = simulator.run.inputs
    agencies = [inputs.agencies[i] for i in simulator.agency_index]
    bands = simulator.bands
    nominal_band = [""] * simulator.n_agencies
    if bands:
        index = band_index(
            simulator.nominal_published,
            bands,
            max_points=float(simulator.plan.max_points[0]),
            percent=simulator.run.framework.band_basis == "percent",
        )
        nominal_band = [bands[i].label_vi if i >= 0 else "" for i in index]
    table = pd.DataFrame(
        {
            "period": simulator.period,
            "agency_code": agencies,
            "group": [simulator.groups[g] for g in simulator.gid],
            "group_size": simulator.group_size[simulator.gid],
            "published": simulator.nominal_published,
            "rank": simulator.nominal_rank,
            "band": nominal_band,
            "mean_rank": mean,
            "median_rank": median,
            "rank_low": low,
            "rank_high": high,
            "firm": (low == high) & (low > 0),
            "ranked_share": ranked / float(n),
        }
    )
    labels = [b.label_vi for b in bands] + ["-"]
    probability = tally.bands / float(n)
    band_table = pd.DataFrame(
        {
            "agency_code": np.repeat(agencies, len(labels)),
            "band": np.tile(labels, simulator.n_agencies),
            "probability": probability.ravel(),
        }
    )
    if bands:
        band_table = band_table[band_table["band"] != "-"].reset_index(drop=True)
    return table, band_table


def _hash(table: pd.DataFrame, bands: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for frame in (table, bands):
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()
