"""Benchmark: loading the administrative units and their lineage (target: a few seconds, demo < 60 s).

Measures, on a fresh SQLite database each run: the first load (14,149 units, 14,335 links) and a
second, no-op load; optionally on PostgreSQL when a URL is given. Prints the medians of several runs
and the ratio against the 60 s budget of the whole demo. The machine is shared: figures are noisy.

    .venv/bin/python benchmarks/units_load.py [--runs 5] [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from chiso.accounts.actors import SYSTEM
from chiso.store.db import get_engine, init_database, session_scope
from chiso.units.admin_load import load_admin_units

DEMO_BUDGET_S = 60.0


def _timed_loads(url: str) -> tuple[float, float]:
    start = time.perf_counter()
    with session_scope(url) as session:
        load_admin_units(session, actor=SYSTEM)
    first = time.perf_counter() - start
    start = time.perf_counter()
    with session_scope(url) as session:
        counts = load_admin_units(session, actor=SYSTEM)
    second = time.perf_counter() - start
    assert counts["units_inserted"] == counts["lineage_inserted"] == 0
    return first, second


def bench_sqlite(runs: int) -> tuple[list[float], list[float]]:
    firsts, seconds = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            init_database(url)
            first, second = _timed_loads(url)
            get_engine(url).dispose()
        firsts.append(first)
        seconds.append(second)
    return firsts, seconds


def bench_postgres(url: str, runs: int) -> tuple[list[float], list[float]]:
    firsts, seconds = [], []
    for _ in range(runs):
        with get_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        init_database(url)
        first, second = _timed_loads(url)
        firsts.append(first)
        seconds.append(second)
    return firsts, seconds


def _report(backend: str, firsts: list[float], seconds: list[float]) -> None:
    first, second = statistics.median(firsts), statistics.median(seconds)
    print(
        f"{backend:10} first load median {first:6.2f} s (min {min(firsts):.2f}, max {max(firsts):.2f}); "
        f"no-op reload median {second:6.2f} s; "
        f"first load = {first / DEMO_BUDGET_S:.1%} of the 60 s demo budget"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose public schema may be dropped")
    args = parser.parse_args()
    _report("sqlite", *bench_sqlite(args.runs))
    if args.postgres:
        _report("postgresql", *bench_postgres(args.postgres, args.runs))


if __name__ == "__main__":
    main()
