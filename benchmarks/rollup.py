"""Benchmark: roll the count cube of N agencies up their tree (chiso.monitoring.compute.rollup.roll_up_cube).

    .venv/bin/python benchmarks/rollup.py                                   # 50,000 agencies, median of 5
    .venv/bin/python benchmarks/rollup.py --agencies 5000 10000 50000 --runs 3

The tree is shaped like a country's administrative units: one root, 34 provinces, 30 districts per
province, and the rest communes spread evenly over the districts (a 4-level tree). Every agency has
counts for 12 months x 23 metrics (random, seeded). Each size is timed in the same process (the
function is pure), median of --runs runs: wall time, CPU time and the process's peak RSS so far.
Target (issue 16): linear in the number of agencies; 30,188 agencies took more than 12 minutes before.
Run under `flock /tmp/chiso-bench.lock` when others benchmark on the same machine.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np
import pandas as pd

from chiso.monitoring.compute.counts import CountCube
from chiso.monitoring.compute.rollup import roll_up_cube

PERIODS = [f"2025-{m:02d}" for m in range(1, 13)]
METRICS = [f"M{i:02d}" for i in range(23)]


def tree(n: int) -> pd.DataFrame:
    """Return agency_code, parent_code of n agencies: root, 34 provinces, 1,020 districts, communes."""
    codes = [f"AG{i:06d}" for i in range(n)]
    parents: list[str | None] = [None]
    provinces = range(1, min(n, 35))
    districts = range(35, min(n, 35 + 34 * 30))
    parents += [codes[0] for _ in provinces]
    parents += [codes[1 + (i - 35) % 34] for i in districts]
    parents += [codes[35 + (i % 1020)] for i in range(35 + 1020, n)]
    return pd.DataFrame({"agency_code": codes, "parent_code": parents[:n]})


def cube(codes: list[str]) -> CountCube:
    """Return a cube of random counts for every agency."""
    out = CountCube.zeros(codes, PERIODS, METRICS)
    rng = np.random.default_rng(1)
    out.denominator[:] = rng.integers(0, 1000, out.denominator.shape)
    out.numerator[:] = out.denominator // 2
    return out


def measure(n: int, runs: int) -> dict[str, float]:
    agencies = tree(n)
    counts = cube(list(agencies["agency_code"]))
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        rolled = roll_up_cube(counts, agencies)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        assert rolled.denominator[0].sum() == counts.denominator.sum()  # the root holds everything
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"agencies": n, "median_s": statistics.median(walls), "median_cpu_s": statistics.median(cpus),
            "runs": len(walls), "peak_rss_mb": rss}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agencies", type=int, nargs="+", default=[50_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for n in args.agencies:
        fig = measure(n, args.runs)
        print(f"{n:>7,} agencies: median {fig['median_s']:.3f} s wall, {fig['median_cpu_s']:.3f} s CPU "
              f"(runs {fig['runs']}), peak RSS {fig['peak_rss_mb']:.0f} MB", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
