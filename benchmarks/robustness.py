"""Benchmark the robustness tools of issue 17: rank intervals, what-if and the improvement planner.

Targets: Monte Carlo 10,000 replications for 3,321 agencies x 60 criteria (4 pillars of 15) <= 15 s
and <= 2 GB, time linear in replications (1k, 10k, 100k measured); what-if <= 50 ms for one agency of
a 3,321-agency ranking; planner <= 1 s for 60 criteria. Each Monte Carlo size runs in a fresh
subprocess so its peak RSS is its own (the values, the engine's run and the analysis included).
Also: what publishing adds (chiso.flows.intervals.record_for_run: the framework's default spec,
1,000 replications, turned into the rows a publication stores).
Run: .venv/bin/python benchmarks/robustness.py [--replications 1000,10000,100000] [--groups 4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import pandas as pd
from scoring import RULES as SCORING_RULES
from scoring import make_values

from chiso.frameworks import Framework, UncertaintySpec, framework_from_dict, uncertainty_from_dict
from chiso.scoring import Run, run_pipeline, what_if

AGENCIES = 3321
PILLARS = 4
LEAVES_PER_PILLAR = 15
# The scoring benchmark's first six rule families, then assessors, an excluding ratio and a minmax.
RULES: list[dict[str, Any]] = [
    *SCORING_RULES[:6],
    {"type": "assessor", "require_comment": False},
    {"type": "ratio", "zero_denominator": "exclude"},
    {"type": "capped_linear", "target": 0.9},
    {"type": "assessor", "require_comment": False},
    {"type": "ratio", "target": 0.5},
    {"type": "fraction"},
    {"type": "minmax"},
    {"type": "capped_linear", "target": 0.7},
    {"type": "ratio"},
]
TARGETS = {"mc_10k_s": 15.0, "mc_10k_gb": 2.0, "what_if_ms": 50.0, "planner_s": 1.0}


def make_framework() -> Framework:
    """Return 60 criteria in 4 pillars of 15 (every planable rule, two assessor criteria per pillar)."""
    nodes = []
    for p in range(PILLARS):
        children = [
            {
                "code": f"P{p}_L{i:02d}",
                "name_vi": f"Tiêu chí {p}.{i}",
                "max_points": 2.0,
                "missing": "exclude" if i == 3 else "zero",
                "rule": RULES[i],
            }
            for i in range(LEAVES_PER_PILLAR)
        ]
        nodes.append({"code": f"P{p}", "name_vi": f"Trụ cột {p}", "children": children})
    bands = [
        {"code": "T", "label_vi": "Tốt", "min": 96},
        {"code": "K", "label_vi": "Khá", "min": 72, "max": 96},
        {"code": "Y", "label_vi": "Yếu", "max": 72},
    ]
    return framework_from_dict(
        {"id": "robust", "name_vi": "Benchmark", "max_points": 120, "bands": bands, "nodes": nodes}
    )


def make_run(groups: int) -> Run:
    framework = make_framework()
    codes = [f"X{i:07d}" for i in range(AGENCIES)]
    table = pd.DataFrame({"agency_code": codes, "group": [f"G{i % groups:02d}" for i in range(AGENCIES)]})
    return run_pipeline(framework, make_values(framework, AGENCIES, ["2025"], seed=2), groups=table)


def make_spec(framework: Framework, replications: int) -> UncertaintySpec:
    """Weights +-20 % everywhere, sum or geometric mean at the top, three fills for cells without data,
    assessors +-1 point (8 criteria), measured values +-5 % (4 ratio criteria)."""
    return uncertainty_from_dict(
        {
            "replications": replications,
            "seed": 1,
            "factors": [
                {"kind": "weights", "name": "weights", "spread": 0.2},
                {
                    "kind": "aggregation",
                    "name": "aggregation",
                    "nodes": ["TOTAL"],
                    "methods": ["sum", "geometric_mean"],
                },
                {"kind": "missing", "name": "missing", "policies": ["zero", "exclude", "group_mean"]},
                {"kind": "assessor", "name": "assessor", "points": 1.0},
                {
                    "kind": "measurement",
                    "name": "measurement",
                    "leaves": ["P0_L00", "P1_L01", "P2_L10", "P3_L14"],
                    "error": 0.05,
                    "relative": True,
                },
            ],
        },
        framework,
    )


def child_monte_carlo(replications: int, groups: int) -> None:
    """Run one Monte Carlo analysis and print its figures as JSON (in a fresh process)."""
    from chiso.scoring.uncertainty import compute_rank_intervals

    run = make_run(groups)
    spec = make_spec(run.framework, replications)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    result = compute_rank_intervals(run, spec)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "replications": replications,
                "seconds": seconds,
                "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                "peak_gb": after.ru_maxrss / 1024**2,
                "firm": int(result.table["firm"].sum()),
            }
        )
    )


def monte_carlo(replications: int, groups: int, runs: int) -> dict[str, float]:
    figures = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(replications), "--groups", str(groups)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(f["seconds"] for f in figures),
        "min": min(f["seconds"] for f in figures),
        "cpu": statistics.median(f["cpu"] for f in figures),
        "peak_gb": max(f["peak_gb"] for f in figures),
    }


def what_if_ms(run: Run, runs: int) -> tuple[float, float]:
    """Median ms of a what-if on one agency: a ratio and a rate changed; and a group-relative one."""
    from chiso.scoring import CriterionChange

    own, group = [], []
    for i in range(runs):
        agency = f"X{(i * 37) % AGENCIES:07d}"
        start = time.perf_counter()
        what_if(run, agency, {"P0_L00": CriterionChange(numerator=10, denominator=20), "P1_L02": 0.4})
        own.append(time.perf_counter() - start)
        start = time.perf_counter()
        what_if(run, agency, {"P2_L12": 0.9})
        group.append(time.perf_counter() - start)
    return statistics.median(own) * 1e3, statistics.median(group) * 1e3


def planner_ms(run: Run, runs: int) -> tuple[float, float]:
    """Median and worst ms of a plan to the next band for one agency (60 criteria, 58 planable)."""
    from chiso.scoring.planner import plan_improvements

    times = []
    for i in range(runs):
        agency = f"X{(i * 53) % AGENCIES:07d}"
        start = time.perf_counter()
        plan_improvements(run, agency, "next-band")
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, max(times) * 1e3


def publish_intervals_s(run: Run, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of the intervals a publication computes and stores (default spec)."""
    from chiso.flows.intervals import record_for_run

    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        record = record_for_run(run, framework_id="robust")  # no spec file: the default spec
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert len(record.rows) == AGENCIES, record.log
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", default="1000,10000,100000")
    parser.add_argument("--groups", type=int, default=4, help="Peer groups of the 3,321 agencies.")
    parser.add_argument("--runs", type=int, default=3, help="Runs per Monte Carlo size (100k: 1).")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_monte_carlo(args.child, args.groups)
        return
    load = os.getloadavg()[0]
    print(
        f"{os.cpu_count()} cores, load {load:.1f}; {AGENCIES:,} agencies x 60 criteria, {args.groups} groups"
    )
    print("replications  median s   min s   CPU s  peak GB  us per replication  ratio to target")
    for replications in [int(x) for x in args.replications.split(",")]:
        runs = args.runs if replications <= 10_000 else 1
        f = monte_carlo(replications, args.groups, runs)
        per = f["seconds"] / replications * 1e6
        ratio = ""
        if replications == 10_000:
            ratio = f"{f['seconds'] / TARGETS['mc_10k_s']:.2f} x 15 s, "
            ratio += f"{f['peak_gb'] / TARGETS['mc_10k_gb']:.2f} x 2 GB"
        print(
            f"{replications:>12,}  {f['seconds']:>8.2f}  {f['min']:>6.2f}  {f['cpu']:>6.2f}"
            f"  {f['peak_gb']:>7.2f}  {per:>18.0f}  {ratio}   (runs: {runs})",
            flush=True,
        )
    run = make_run(args.groups)
    own, group = what_if_ms(run, 50)
    print(
        f"what-if, one agency: {own:.2f} ms ({own / TARGETS['what_if_ms']:.2f} x 50 ms); "
        f"group-relative criterion (group re-scored): {group:.1f} ms ({group / TARGETS['what_if_ms']:.2f} x)"
    )
    wall, cpu = publish_intervals_s(run, 3)
    print(f"intervals at publish (default spec, 1,000 replications): {wall:.2f} s wall, {cpu:.2f} s CPU")
    median, worst = planner_ms(run, 20)
    print(
        f"planner, next band, 60 criteria: median {median:.0f} ms, worst {worst:.0f} ms "
        f"({median / 1e3 / TARGETS['planner_s']:.2f} x 1 s)"
    )


if __name__ == "__main__":
    main()
