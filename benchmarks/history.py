"""Storage benchmark of the live-score history (issue 11): a year of daily snapshots of 4,300 agencies.

Target: <= 50 MB a year for 4,300 agencies. Writes 365 daily snapshots and 12 closed months into a fresh
SQLite database through the same flow the job uses (`chiso.flows.live_history.write_snapshot`), then
reports the database file's size (after VACUUM), the write time per snapshot and the time to read one
agency's 12 months. Figures drift day by day like real scores (a random walk around each agency's
level; 7% of agencies without dossiers on a day).

    .venv/bin/python benchmarks/history.py --agencies 4300 --days 365
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import text

from chiso.accounts.actors import SYSTEM
from chiso.flows.live_history import get_monthly_history, write_snapshot
from chiso.monitoring.history import METRICS, Snapshot
from chiso.store.db import get_engine, init_database, session_scope

MAX_POINTS = np.array([18, 20, 12, 22, 18, 10], dtype=float)


def day_figures(rng: np.random.Generator, level: np.ndarray, n: int) -> np.ndarray:
    """Return one day's (metric x agency) matrix: six groups, their total, a rank and dossiers received."""
    share = np.clip(level + rng.normal(0, 0.01, level.shape), 0, 1)
    groups = np.round(share * MAX_POINTS[:, None], 2)
    total = groups.sum(axis=0)
    rank = (-total).argsort().argsort() + 1.0
    received = rng.poisson(40, n).astype(float)
    figures = np.vstack([total, groups, rank, received])
    figures[:, rng.random(n) < 0.07] = np.nan  # no dossiers that day
    return figures


def main() -> None:
    """Write the snapshots, print the sizes and times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=4300)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    codes = tuple(f"48.{i:05d}" for i in range(args.agencies))
    level = rng.uniform(0.4, 0.95, (6, args.agencies))
    with tempfile.TemporaryDirectory(prefix="history-bench-") as tmp:
        path = Path(tmp) / "chiso.db"
        url = f"sqlite:///{path}"
        init_database(url)
        empty = path.stat().st_size
        first = date(2025, 1, 1)
        writes = []
        for n in range(args.days):
            level = np.clip(level + rng.normal(0, 0.002, level.shape), 0, 1)
            started = time.perf_counter()
            with session_scope(url) as s:
                snap = Snapshot(codes, METRICS, day_figures(rng, level, args.agencies))
                write_snapshot(s, actor=SYSTEM, kind="day", period=first + timedelta(days=n), snapshot=snap)
                day = first + timedelta(days=n)
                if (day + timedelta(days=1)).day == 1:  # a month closes: keep it too
                    write_snapshot(s, actor=SYSTEM, kind="month", period=day.replace(day=1), snapshot=snap)
            writes.append(time.perf_counter() - started)
        with get_engine(url).connect() as conn:
            conn.execute(text("VACUUM"))
        size = path.stat().st_size - empty
        reads = []
        for _ in range(5):
            started = time.perf_counter()
            with session_scope(url) as s:
                points = get_monthly_history(
                    s, agency_code=codes[1234], months=12, until=first + timedelta(days=args.days - 1)
                )
            reads.append(time.perf_counter() - started)
    print(f"{args.days} daily snapshots written; one agency read back: {len(points)} months")
    print(f"database growth: {size / 1024 / 1024:.1f} MB for {args.agencies} agencies x {args.days} days")
    write_ms = statistics.median(writes) * 1000
    print(f"per daily snapshot: {size / args.days / 1024:.1f} KB; write median {write_ms:.1f} ms")
    print(f"read one agency's 12 months: median {statistics.median(reads) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
