"""Benchmark: every 766 metric per agency x month over N synthetic dossiers and 3,300 agencies.

    .venv/bin/python benchmarks/monitoring.py --dossiers 100000000            # chiso (DuckDB) + floor
    .venv/bin/python benchmarks/monitoring.py --dossiers 10000000 --pandas    # + the plain-pandas baseline
    .venv/bin/python benchmarks/monitoring.py --dossiers 100000000 --incremental

Data is generated once with chiso.monitoring.generate (3,300 agencies, 300 procedures, one year,
petitions = 5% of dossiers) into benchmarks/data/monitoring-<N>/ (gitignored) and reused. Each
measurement runs in a fresh subprocess that reports its wall time, CPU time (user + system of all
its threads), peak RSS (resource.getrusage) and the 1-minute load average when it started; the
median of --runs runs is printed. Figures:

- chiso: `runner.compute_from_store(year, by="month")` = the Ibis definitions compiled for DuckDB,
  calendar joins, both aggregations (agency-month and agency-month-procedure), roll-up-ready cube,
  in the steady state of a maintained store: the per-part-file caches beside the store
  (chiso.monitoring.cache.flags procedure flags, chiso.monitoring.cache.counts dossier counts) exist,
  as `chiso monitor ingest` builds them for every file it adds before its manifest swap;
- chiso-again (--again): the warm computation a second time in the same process (the compiled query
  templates of `chiso.monitoring.cache.counts` are reused; a fresh process reads them from the store);
- chiso-cold (--cold): the same with those caches deleted before each run (the full computation
  from the raw records, as after a calendar, catalogue or metric change; it writes the caches);
- floor: a bare DuckDB scan of the same dossier columns aggregated per agency and month;
- pandas: the same definitions written in plain pandas/numpy (at 10M: pandas holds all in memory);
- incremental: ingest 100k new dossiers (one month) into the store and recompute the affected
  agency-months (the ingest builds the new part file's flags and counts, the recompute reads the
  month's cached ones; DuckDB connect and imports counted).

The machine has 2 cores shared with other work: figures are noisy, compare ratios.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
AGENCIES = [f"AG{i:04d}" for i in range(3300)]
YEAR = 2025


def data_dir(n: int) -> Path:
    return DATA / f"monitoring-{n}"


def ensure_data(n: int) -> Path:
    """Generate N dossiers (and N/20 petitions) for one year unless already there."""
    from chiso.monitoring.generate import write_synthetic_records
    from chiso.monitoring.records.store import record_files

    target = data_dir(n)
    files = record_files("dossiers", data_dir=target)
    if files:
        import pyarrow.parquet as pq

        have = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        if have >= n:
            return target
    started = time.perf_counter()
    write_synthetic_records(
        target, AGENCIES, date(YEAR, 1, 1), date(YEAR, 12, 31), dossiers=n, petitions=n // 20, seed=1
    )
    print(f"generated {n:,} dossiers in {time.perf_counter() - started:.0f} s -> {target}", flush=True)
    return target


# ---------------------------------------------------------------------------------------------
# the measured bodies (run in a child process)


def run_chiso(path: Path) -> int:
    from chiso.monitoring import runner

    values = runner.compute_from_store(str(YEAR), data_dir=path, by="month")
    return len(values)


def run_chiso_again(path: Path) -> int:
    """The warm computation a second time in the same process (a server's live board, a worker):
    the compiled query templates are reused (reports the second run's wall and CPU on stderr)."""
    from chiso.monitoring import runner

    runner.compute_from_store(str(YEAR), data_dir=path, by="month")
    started, cpu = time.perf_counter(), time.process_time()
    values = runner.compute_from_store(str(YEAR), data_dir=path, by="month")
    print(json.dumps({"again_s": time.perf_counter() - started, "again_cpu_s": time.process_time() - cpu}),
          file=sys.stderr)  # fmt: skip
    return len(values)


def run_floor(path: Path) -> int:
    import duckdb

    from chiso.monitoring.records.store import record_files

    files = [str(p) for p in record_files("dossiers", data_dir=path)]
    bools = ["full_online", "fee_required", "digitised", "e_result", "reused_data", "population_data",
             "synced_national", "e_certified_copy", "personal_storage_synced"]  # fmt: skip
    sql = f"""
        SELECT agency_code, date_trunc('month', received_at) AS month, count(*),
               max(procedure_code), max(channel), max(status), max(rating),
               sum(paused_days), sum(supplement_requests), sum(paid_online),
               max(due_at), max(finished_at), {", ".join(f"count_if({b})" for b in bools)}
        FROM read_parquet({files}) GROUP BY ALL
    """
    return len(duckdb.connect().execute(sql).fetchall())


def run_pandas(path: Path) -> int:
    """The same metric definitions in plain pandas/numpy (the baseline)."""
    import pyarrow.parquet as pq

    from chiso.monitoring.calendar import load_calendar
    from chiso.monitoring.records.store import record_files

    cal = load_calendar()
    w_of = np.cumsum(cal.working).astype(np.int64)

    def ordinal(ts: pd.Series) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        day = ts.to_numpy("datetime64[D]")
        idx = np.clip((day - cal.start).astype(np.int64), 0, len(w_of) - 1)
        return w_of[idx], cal.working[idx]

    d = pq.read_table(record_files("dossiers", data_dir=path)).to_pandas()
    d = d[(d["received_at"] >= datetime(YEAR, 1, 1)) & (d["received_at"] < datetime(YEAR + 1, 1, 1))]
    month = d["received_at"].dt.month.to_numpy()
    starts = [datetime(YEAR + m // 12, m % 12 + 1, 1) for m in range(1, 13)]
    ends = pd.to_datetime(starts) - pd.Timedelta(1, "us")
    cutoff = pd.Series(ends[month - 1], index=d.index)
    open_ = d["finished_at"].isna() | (d["finished_at"] > cutoff)
    end_at = d["finished_at"].where(~open_, cutoff)
    w_end, end_working = ordinal(end_at)
    w_due, _ = ordinal(d["due_at"].fillna(cutoff))
    paused = d["paused_days"].to_numpy()
    tod = lambda s: (s.dt.hour * 3600 + s.dt.minute * 60 + s.dt.second).to_numpy()  # noqa: E731
    shifted = w_due + paused
    due_tod = tod(d["due_at"].fillna(cutoff))
    by_days = (w_end < shifted) | ((w_end == shifted) & end_working & (tod(end_at) <= due_tod))
    within = np.where(paused > 0, by_days, (end_at <= d["due_at"]).to_numpy())
    on_time = (d["due_at"].isna().to_numpy() | within) & (d["supplement_requests"].to_numpy() <= 1)
    finished = (~open_).to_numpy() & (d["status"] == "finished").to_numpy()
    unhappy = (d["rating"] == "dissatisfied").to_numpy()
    late_or_unhappy = (~on_time).astype(np.int64) + unhappy.astype(np.int64)
    paid = d["fee_required"].to_numpy() & np.isin(d["paid_online"].to_numpy(), [1, 2])
    frame = pd.DataFrame(
        {
            "agency_code": d["agency_code"].to_numpy(), "month": month, "n": 1,
            "sync": d["synced_national"].to_numpy(), "on_time": on_time,
            "online": (d["channel"] == "online").to_numpy(), "finished": finished,
            "e_result": finished & d["e_result"].to_numpy(), "digitised": d["digitised"].to_numpy(),
            "copy": d["e_certified_copy"].to_numpy(), "reused": d["reused_data"].to_numpy(),
            "storage": finished & d["personal_storage_synced"].to_numpy(),
            "population": d["population_data"].to_numpy(), "ok": 1 - late_or_unhappy,
            "paid": paid, "fee": d["fee_required"].to_numpy(),
        }
    )  # fmt: skip
    coarse = frame.groupby(["agency_code", "month"], sort=False).sum()
    coarse["ok"] = coarse["ok"].clip(lower=0)
    procs = pd.DataFrame(
        {
            "agency_code": d["agency_code"].to_numpy(), "month": month,
            "procedure_code": d["procedure_code"].to_numpy(), "n": 1,
            "online": frame["online"].to_numpy(), "full": d["full_online"].to_numpy(),
            "paid": paid, "fee": frame["fee"].to_numpy(), "population": frame["population"].to_numpy(),
        }
    ).groupby(["agency_code", "month", "procedure_code"], sort=False).sum().reset_index()  # fmt: skip
    catalogue = pq.read_table(record_files("procedures", data_dir=path)).to_pandas()
    cat = catalogue.set_index("procedure_code")

    def day_ordinal(col: str, missing: str) -> np.ndarray[Any, Any]:
        return ordinal(cat[col].astype("datetime64[us]").fillna(pd.Timestamp(missing)))[0]

    a = day_ordinal("announced_on", "2000-01-01")
    e = day_ordinal("legal_basis_effective_on", "2000-01-01")
    p = day_ordinal("published_on", "2050-12-31")
    cat = cat.assign(on_time=(e - a) >= 5, published=(p - a) <= 5)
    procs = procs.join(cat, on="procedure_code", rsuffix="_cat")
    fine = pd.DataFrame(
        {
            "agency_code": procs["agency_code"], "month": procs["month"], "procedures": 1,
            "announced": procs["on_time"].fillna(False).astype(bool),
            "published": procs["published"].fillna(False).astype(bool),
            "content": procs["content_complete"].fillna(False).astype(bool),
            "eligible_full": np.where(procs["full_online_eligible"].fillna(False), procs["full"], 0),
            "eligible_n": np.where(procs["full_online_eligible"].fillna(False), procs["n"], 0),
            "online_proc": procs["online_available"].fillna(False).astype(bool) | (procs["online"] > 0),
            "population_proc": procs["population_data_connected"].fillna(False).astype(bool)
            | (procs["population"] > 0),
            "fee_bearing": procs["fee_bearing"].fillna(False).astype(bool),
            "fee_paid": procs["fee_bearing"].fillna(False).astype(bool) & (procs["paid"] > 0),
            "fee_covered": procs["fee_bearing"].fillna(False).astype(bool) & (procs["fee"] > 0),
        }
    ).groupby(["agency_code", "month"], sort=False).sum()  # fmt: skip
    pet = pq.read_table(record_files("petitions", data_dir=path)).to_pandas()
    pmonth = pet["received_at"].dt.month.to_numpy()
    pcut = pd.Series(ends[pmonth - 1], index=pet.index)
    pend = pet["handled_at"].where(pet["handled_at"].notna() & (pet["handled_at"] <= pcut), pcut)
    overdue = pet["overdue"].to_numpy() | (pet["due_at"].notna() & (pend > pet["due_at"])).to_numpy()
    petitions = pd.DataFrame(
        {
            "agency_code": pet["agency_code"].to_numpy(), "month": pmonth, "n": 1, "on_time": ~overdue,
            "happy": 1 - pet["dissatisfied"].to_numpy().astype(int) - overdue.astype(int)
            - pet["repeat"].to_numpy().astype(int),
            "procedure": (pet["category"] == "procedure").to_numpy(),
            "staff": (pet["category"] == "staff").to_numpy(),
        }
    ).groupby(["agency_code", "month"], sort=False).sum()  # fmt: skip
    petitions["happy"] = petitions["happy"].clip(lower=0)
    fine = fine.add_suffix("_p")
    petitions = petitions.add_suffix("_q")
    return len(coarse.join(fine, how="outer").join(petitions, how="outer"))


def run_incremental(path: Path) -> int:
    """Ingest 100k new dossiers of one month and recompute the agency-months they touched."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from chiso.monitoring import runner
    from chiso.monitoring.generate import generate_dossiers
    from chiso.monitoring.ingest import ingest_files

    seed = int(time.time())
    batches = generate_dossiers(AGENCIES, date(YEAR, 12, 1), date(YEAR, 12, 31), total=100_000, seed=seed)
    batch = pa.Table.from_batches(list(batches))
    stamp = int(time.time() * 1000)
    ids = pa.array([f"NEW{stamp}-{i:06d}" for i in range(batch.num_rows)])
    batch = batch.set_column(batch.schema.get_field_index("dossier_id"), "dossier_id", ids)
    src = path.parent / f"incremental-{stamp}.parquet"
    pq.write_table(batch, src)
    started, cpu = time.perf_counter(), time.process_time()  # process_time: every thread's CPU
    report = ingest_files([src], data_dir=path)
    ingest_s = time.perf_counter() - started
    values = runner.recompute_affected(report.affected.get("dossiers", set()), data_dir=path)
    total_s, work_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    src.unlink()
    timing = {"ingest_s": ingest_s, "recompute_s": total_s - ingest_s, "work_cpu_s": work_cpu_s}
    print(json.dumps(timing), file=sys.stderr)
    return len(values)


BODIES = {
    "chiso": run_chiso,
    "chiso-again": run_chiso_again,
    "floor": run_floor,
    "pandas": run_pandas,
    "incremental": run_incremental,
}


BODIES["chiso-cold"] = run_chiso  # the same computation, the derived caches wiped first (not timed)

# What each body imports, loaded before its clock starts and timed apart (`import_s`): a server or a
# worker has them loaded already, so the figure compares the computation with the scan, not the
# libraries' start-up (pandas and ibis take ~0.7 s to import, DuckDB alone ~0.1 s).
IMPORTS = {
    "chiso": ["chiso.monitoring.runner"],
    "chiso-cold": ["chiso.monitoring.runner"],
    "chiso-again": ["chiso.monitoring.runner"],
    "floor": ["duckdb", "chiso.monitoring.records.store"],
    "pandas": ["pandas", "numpy"],
    # the ingest and the board run in the server (or its worker): Ibis's SQL compilers and sqlglot's
    # DuckDB dialect are loaded there long before a push arrives (~0.35 s in a fresh process)
    "incremental": [
        "chiso.monitoring.runner",
        "chiso.monitoring.ingest",
        "ibis.backends.sql.compilers",
        "sqlglot.dialects.duckdb",
    ],
}


def child(name: str, path: Path) -> None:
    load = os.getloadavg()[0]
    import_started = time.perf_counter()
    for module in IMPORTS.get(name, []):
        importlib.import_module(module)
    import_s = time.perf_counter() - import_started
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    rows = BODIES[name](path)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    rss = usage.ru_maxrss / 1024
    result = {"name": name, "seconds": seconds, "cpu_s": cpu, "rss_mb": rss, "rows": rows, "load": load,
              "import_s": import_s}  # fmt: skip
    print(json.dumps(result))


def wipe_derived(path: Path) -> None:
    """Delete the per-file caches kept beside the store (procedure flags, dossier counts)."""
    import shutil

    shutil.rmtree(path / "records" / "_derived", ignore_errors=True)


def measure(name: str, path: Path, runs: int) -> dict[str, Any]:
    results = []
    for _ in range(runs):
        if name == "chiso-cold":
            wipe_derived(path)
        out = subprocess.run(
            [sys.executable, __file__, "--child", name, "--path", str(path)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        res = json.loads(out.stdout.strip().splitlines()[-1])
        if out.stderr.strip().startswith("{"):
            res.update(json.loads(out.stderr.strip().splitlines()[-1]))
        results.append(res)
        print(f"  {name}: {res['seconds']:.2f} s wall, {res['cpu_s']:.2f} s CPU, "
              f"peak RSS {res['rss_mb']:.0f} MB, load {res['load']:.1f}, "
              f"imports before the clock {res.get('import_s', 0):.2f} s", flush=True)  # fmt: skip
    if name == "chiso-again":  # the second computation of the process only
        for r in results:
            r["seconds"], r["cpu_s"] = r["again_s"], r["again_cpu_s"]
    if name == "incremental":  # the target counts ingest + recompute, not generating the batch
        for r in results:
            r["seconds"] = r["ingest_s"] + r["recompute_s"]
            r["cpu_s"] = r["work_cpu_s"]
            print(f"  incremental: ingest {r['ingest_s']:.2f} s + recompute {r['recompute_s']:.2f} s "
                  f"= {r['seconds']:.2f} s wall, {r['cpu_s']:.2f} s CPU", flush=True)  # fmt: skip
        print(
            f"  incremental: ingest median {statistics.median(r['ingest_s'] for r in results):.2f} s, "
            f"recompute median {statistics.median(r['recompute_s'] for r in results):.2f} s",
            flush=True,
        )
    return {
        "name": name,
        "median_s": statistics.median(r["seconds"] for r in results),
        "median_cpu_s": statistics.median(r["cpu_s"] for r in results),
        "max_rss_mb": max(r["rss_mb"] for r in results),
        "median_import_s": statistics.median(r.get("import_s", 0.0) for r in results),
        "runs": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dossiers", type=int, default=100_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pandas", action="store_true", help="also run the plain-pandas baseline")
    parser.add_argument("--incremental", action="store_true", help="also run the incremental target")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--cold", action="store_true", help="also run with the derived caches wiped")
    parser.add_argument("--again", action="store_true", help="also time a second warm run in one process")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.path)
        return
    path = ensure_data(args.dossiers)
    print(f"{args.dossiers:,} dossiers, {len(AGENCIES):,} agencies, 12 months; median of {args.runs}")
    figures = {}
    if args.cold:
        figures["chiso-cold"] = measure("chiso-cold", path, args.runs)
    figures["chiso"] = measure("chiso", path, args.runs)
    if args.again:
        figures["chiso-again"] = measure("chiso-again", path, args.runs)
    if not args.no_floor:
        figures["floor"] = measure("floor", path, args.runs)
    if args.pandas:
        figures["pandas"] = measure("pandas", path, args.runs)
    if args.incremental:
        figures["incremental"] = measure("incremental", path, args.runs)
    print()
    for name, fig in figures.items():
        print(f"{name:12s} median {fig['median_s']:7.2f} s wall {fig['median_cpu_s']:7.2f} s CPU   "
              f"peak RSS {fig['max_rss_mb']:6.0f} MB   imports {fig['median_import_s']:.2f} s")  # fmt: skip
    chiso = figures["chiso"]["median_s"]
    if "floor" in figures:
        print(f"chiso / floor  = {chiso / figures['floor']['median_s']:.2f}x wall, "
              f"{figures['chiso']['median_cpu_s'] / figures['floor']['median_cpu_s']:.2f}x CPU")  # fmt: skip
        with_imports = [figures[k]["median_s"] + figures[k]["median_import_s"] for k in ("chiso", "floor")]
        print(f"chiso / floor with a fresh process's imports = {with_imports[0] / with_imports[1]:.2f}x wall")
    if "pandas" in figures:
        print(f"pandas / chiso = {figures['pandas']['median_s'] / chiso:.2f}x (pandas slower by this factor)")
    summary = {
        k: {key: v[key] for key in ("median_s", "median_cpu_s", "max_rss_mb", "median_import_s")}
        for k, v in figures.items()
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
