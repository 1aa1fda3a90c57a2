"""Benchmark the scoring engine: 3,321 communes x 60 leaves x 6 periods, with groups and a previous period.

Target (issue 3): median of 5 runs <= 0.5 s for the full output at 1x; reports 10x and 100x agencies
and how time grows. Run: .venv/bin/python benchmarks/scoring.py [--scales 1,10,100] [--runs 5]

Growth is time per value row against the same run at 1x with the same number of periods: 100x runs
with 2 periods (6 need ~27 GB), so 1x and 10x are also run with 2 periods to compare like with like
(with fewer periods the previous-period table and per-run fixed costs weigh more per row). User and
system CPU seconds are printed apart: system time is the kernel paging in fresh memory.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import time
from typing import Any

import numpy as np
import pandas as pd

from chiso.frameworks import Framework, framework_from_dict
from chiso.scoring import score

COMMUNES = 3321
PERIODS = 6
PILLARS = 6
LEAVES_PER_PILLAR = 10
RULES: list[dict[str, Any]] = [
    {"type": "ratio"},
    {"type": "ratio", "target": 0.8},
    {"type": "capped_linear", "target": 0.5},
    {"type": "fraction"},
    {"type": "yes_no"},
    {"type": "step_bands", "value_max": None, "steps": [{"min": 1, "points": 1}, {"min": 5, "points": 2}]},
    {"type": "minmax"},
    {"type": "percentile"},
    {"type": "ratio", "zero_denominator": "exclude"},
    {"type": "capped_linear", "target": 0.9},
]


def make_framework() -> Framework:
    """Return a 60-leaf framework (6 pillars x 10 leaves, every family of rule, 100 points)."""
    nodes = []
    for p in range(PILLARS):
        children = []
        for i in range(LEAVES_PER_PILLAR):
            rule = RULES[i]
            children.append(
                {
                    "code": f"P{p}_L{i}",
                    "name_vi": f"Tiêu chí {p}.{i}",
                    "max_points": 2.0 if rule["type"] != "step_bands" else 2.0,
                    "missing": "exclude" if i == 3 else "zero",
                    "rule": rule,
                }
            )
        nodes.append({"code": f"P{p}", "name_vi": f"Trụ cột {p}", "children": children})
    bands = [
        {"code": "T", "label_vi": "Tốt", "min": 96},
        {"code": "K", "label_vi": "Khá", "min": 72, "max": 96},
        {"code": "Y", "label_vi": "Yếu", "max": 72},
    ]
    return framework_from_dict(
        {"id": "bench", "name_vi": "Benchmark", "max_points": 120, "bands": bands, "nodes": nodes}
    )


def make_values(framework: Framework, agencies: int, periods: list[str], seed: int) -> pd.DataFrame:
    """Return the long values table: every agency x period x leaf, with numerator/denominator on ratios.

    Code columns are categorical (as a reader of a large file or a Parquet dictionary column gives them).
    """
    rng = np.random.default_rng(seed)
    leaves = framework.leaves()
    n_l = len(leaves)
    codes = [f"X{i:07d}" for i in range(agencies)]
    n = agencies * len(periods) * n_l
    agency = np.tile(np.repeat(np.arange(agencies, dtype=np.int32), n_l), len(periods))
    period = np.repeat(np.arange(len(periods), dtype=np.int8), agencies * n_l)
    leaf_idx = np.tile(np.arange(n_l, dtype=np.int8), agencies * len(periods))
    kinds = np.array([leaf.rule.type if leaf.rule else "" for leaf in leaves], dtype=object)
    is_ratio = (kinds == "ratio")[leaf_idx]
    value = rng.random(n)
    value = np.where((kinds == "yes_no")[leaf_idx], np.round(value), value)
    value = np.where((kinds == "step_bands")[leaf_idx], np.floor(value * 10), value)
    denominator = np.where(is_ratio, rng.integers(0, 40, n), np.nan).astype(np.float64)
    numerator = np.where(is_ratio, np.floor(value * denominator), np.nan)
    value = np.where(is_ratio | (rng.random(n) < 0.02), np.nan, value)
    return pd.DataFrame(
        {
            "agency_code": pd.Categorical.from_codes(agency, categories=codes),
            "period": pd.Categorical.from_codes(period, categories=periods),
            "indicator_code": pd.Categorical.from_codes(leaf_idx, categories=[leaf.code for leaf in leaves]),
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
        }
    )


def make_groups(agencies: int) -> pd.DataFrame:
    """Return 34 peer groups (the provinces) over the agencies."""
    codes = [f"X{i:07d}" for i in range(agencies)]
    return pd.DataFrame({"agency_code": codes, "group": [f"G{i % 34:02d}" for i in range(agencies)]})


def run(scale: int, runs: int, periods_count: int = PERIODS) -> dict[str, float]:
    """Time `runs` full scorings at `scale` x 3,321 agencies and return median/min/max seconds."""
    framework = make_framework()
    agencies = COMMUNES * scale
    groups = make_groups(agencies)
    periods = [f"2025-{m:02d}" for m in range(1, periods_count + 1)]
    previous = score(framework, make_values(framework, agencies, ["2024-12"], seed=1), groups=groups).table
    values = make_values(framework, agencies, periods, seed=2)
    times, user, system = [], [], []
    load = os.getloadavg()[0]
    for _ in range(runs):
        gc.collect()
        before = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        result = score(framework, values, groups=groups, previous=previous)
        _ = (result.table, result.explanations, result.summary, result.band_counts, result.movers, result.log)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_SELF)
        user.append(after.ru_utime - before.ru_utime)
        system.append(after.ru_stime - before.ru_stime)
        del result
    return {
        "agencies": agencies,
        "rows_in": len(values),
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "user_s": statistics.median(user),
        "sys_s": statistics.median(system),
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--periods-at-100x",
        type=int,
        default=2,
        help="Periods at 100x (6 need ~27 GB; the full output alone is ~15 GB: more than is free here).",
    )
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    shapes = [(scale, PERIODS if scale < 100 else args.periods_at_100x) for scale in scales]
    if any(scale >= 100 for scale in scales) and args.periods_at_100x != PERIODS:  # like-with-like baselines
        shapes += [(scale, args.periods_at_100x) for scale in (1, 10) if scale in scales]
    shapes.sort(key=lambda shape: (-shape[1], shape[0]))  # each baseline before the runs it compares
    print(f"{os.cpu_count()} cores; wall-clock and CPU seconds per full scoring (load = 1-min load average)")
    print("growth = seconds per million value rows against 1x with the same periods (1.00 = linear)")
    print("scale  periods  agencies  value rows   median s   min s   max s  user s  sys s  growth  load")
    per_row: dict[tuple[int, int], float] = {}
    for scale, periods in shapes:
        runs = args.runs if scale < 100 else max(1, min(args.runs, 3))
        figures = run(scale, runs, periods)
        per_row[(scale, periods)] = figures["median_s"] / (figures["rows_in"] / 1e6)
        base = per_row.get((1, periods))
        growth = "" if base is None else f"{per_row[(scale, periods)] / base:6.2f}"
        print(
            f"{scale:>4}x  {periods:>7}  {figures['agencies']:>8,}  {figures['rows_in']:>10,}"
            f"  {figures['median_s']:>9.3f}  {figures['min_s']:>6.3f}  {figures['max_s']:>6.3f}"
            f"  {figures['user_s']:>6.2f}  {figures['sys_s']:>5.2f}  {growth:>6}  {figures['load']:>4.1f}"
            f"   (runs: {runs})",
            flush=True,
        )


if __name__ == "__main__":
    main()
