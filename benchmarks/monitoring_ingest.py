"""Benchmark: incremental ingest of 100k new dossiers into a large record store, and the recompute.

Target (issue 5): 100k new dossiers ingested and the affected agency-months recomputed <= 2 s.
Also measures the synthetic generator's throughput (what building the 100M store costs).

    .venv/bin/python benchmarks/monitoring_ingest.py [--existing 10000000] [--runs 3] [--agencies 3300]

Each run ingests a fresh batch of 100k dossiers for a new month (so every run adds, none replaces),
from Parquet and from CSV, then recomputes that month for the affected agencies with
`chiso.monitoring.runner.compute_from_store` when the metrics are installed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from chiso.monitoring.generate import generate_dossiers, generate_procedures
from chiso.monitoring.ingest import ingest_files
from chiso.monitoring.records.store import bulk_load, record_files

TARGET_S = 2.0


def _month(i: int) -> tuple[date, date]:
    y, m = 2027 + i // 12, i % 12 + 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - date.resolution) if m < 12 else date(y, 12, 31)
    return date(y, m, 1), last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing", type=int, default=10_000_000, help="dossiers already stored")
    parser.add_argument("--batch", type=int, default=100_000, help="new dossiers per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--agencies", type=int, default=3300)
    parser.add_argument("--keep", type=Path, default=None, help="keep the store in this folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chiso-ingest-bench-"))
    data_dir = args.keep or work / "var"
    codes = [f"A{i:05d}" for i in range(args.agencies)]
    procs = generate_procedures(seed=1)

    started = time.perf_counter()
    bulk_load("procedures", procs.to_batches(), data_dir=data_dir, replace=True)
    stored = bulk_load(
        "dossiers",
        generate_dossiers(codes, date(2026, 1, 1), date(2026, 12, 31), total=args.existing, procedures=procs),
        data_dir=data_dir,
        replace=True,
    )
    gen_s = time.perf_counter() - started
    print(
        f"generate + store {stored:,} dossiers: {gen_s:.1f} s ({stored / gen_s / 1e6:.2f} M rows/s, "
        f"{len(record_files('dossiers', data_dir=data_dir))} files)"
    )

    try:
        from chiso.monitoring.runner import compute_from_store
    except ImportError:  # the metrics half is not installed
        compute_from_store = None  # type: ignore[assignment]

    results: dict[str, list[float]] = {"parquet": [], "csv": [], "recompute": []}
    for run in range(args.runs):
        for fmt in ("parquet", "csv"):
            first, last = _month(2 * run + (fmt == "csv"))
            batch = pa.Table.from_batches(
                list(
                    generate_dossiers(codes, first, last, total=args.batch, seed=100 + run, procedures=procs)
                )
            )
            path = work / f"new-{run}.{fmt}"
            if fmt == "parquet":
                pq.write_table(batch, path)
            else:
                pacsv.write_csv(batch, path)
            t0 = time.perf_counter()
            report = ingest_files([path], data_dir=data_dir)
            results[fmt].append(time.perf_counter() - t0)
            assert report.new == args.batch, report.to_dict(max_rejects=3)
            if fmt == "parquet" and compute_from_store is not None:
                t1 = time.perf_counter()
                values = compute_from_store(first.strftime("%Y-%m"), data_dir=data_dir)
                results["recompute"].append(time.perf_counter() - t1)
                assert len(values), "no metrics computed"
            print(
                f"run {run + 1} {fmt}: ingest {results[fmt][-1]:.2f} s"
                + (
                    f", recompute {results['recompute'][-1]:.2f} s"
                    if fmt == "parquet" and results["recompute"]
                    else ""
                )
                + f", affected agency-months {sum(len(v) for v in report.affected.values())}"
            )

    print(f"\nmedians of {args.runs} runs, {args.batch:,} new dossiers into {stored:,} stored:")
    for name, values in results.items():
        if values:
            med = statistics.median(values)
            print(f"  {name:9s} {med:6.2f} s (min {min(values):.2f}, max {max(values):.2f})")
    if results["recompute"]:
        total = statistics.median(
            p + r for p, r in zip(results["parquet"], results["recompute"], strict=True)
        )
        print(f"  ingest (parquet) + recompute: {total:.2f} s = {total / TARGET_S:.2f} x the 2 s target")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
