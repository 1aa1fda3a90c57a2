"""The derived results beside the record store: built by the ingest, equal to computing from raw records."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from metric_data import generated_dossiers, moved_online

from chiso.monitoring import runner
from chiso.monitoring.cache import derived, jobs
from chiso.monitoring.cache.counts import DERIVED as COUNTS
from chiso.monitoring.cache.counts import KEEP_ENTRIES, sweep_dossier_counts
from chiso.monitoring.cache.flags import flag_target
from chiso.monitoring.compute import compute_metrics, connect, tables_from_files
from chiso.monitoring.generate import generate_dossiers, generate_procedures
from chiso.monitoring.ingest import ingest_files
from chiso.monitoring.periods import PeriodKind, parse_period, split_period
from chiso.monitoring.records.manifest import TRASH_AGE_S, load_manifest, records_dir
from chiso.monitoring.records.store import record_files

AGENCIES = ["A1", "A2", "A3"]


def uncached(data_dir: Path, period: str, by: PeriodKind | None) -> pd.DataFrame:
    """Compute from the raw records only (no flags, no counts)."""
    records = tables_from_files(
        connect(),
        dossiers=record_files("dossiers", data_dir=data_dir),
        procedures=record_files("procedures", data_dir=data_dir),
    )
    return compute_metrics(records, split_period(parse_period(period), by), data_dir=data_dir)


@pytest.fixture
def jobs_run(monkeypatch: pytest.MonkeyPatch) -> list[derived.PartJob]:
    """Record every derived job a computation runs."""
    seen: list[derived.PartJob] = []
    real = derived.run_jobs

    def spy(jobs: list[derived.PartJob], context: derived.JobContext, **kw: int) -> None:
        seen.extend(jobs)
        real(jobs, context, **kw)

    monkeypatch.setattr(derived, "run_jobs", spy)
    return seen


def ingest_table(tmp_path: Path, data_dir: Path, name: str, table: pa.Table) -> None:
    pq.write_table(table, tmp_path / name)
    ingest_files([tmp_path / name], data_dir=data_dir)


def test_the_ingest_leaves_every_file_ready_and_the_results_equal_the_raw_computation(
    tmp_path: Path, jobs_run: list[derived.PartJob]
) -> None:
    data_dir = tmp_path / "var"
    catalogue = generate_procedures(20, seed=3)
    first = generated_dossiers(
        AGENCIES, date(2026, 1, 1), date(2026, 3, 31), total=3_000, procedures=catalogue, seed=5
    )
    pq.write_table(catalogue, tmp_path / "procedures.parquet")
    pq.write_table(first, tmp_path / "first.parquet")
    ingest_files([tmp_path / "procedures.parquet", tmp_path / "first.parquet"], data_dir=data_dir)
    # a later version of some dossiers moves them online: the replaced files are rebuilt by the ingest
    ingest_table(tmp_path, data_dir, "later.parquet", moved_online(first.slice(0, 400)))

    root = records_dir(data_dir)
    for part in load_manifest(data_dir).parts("dossiers"):
        assert flag_target(root, part.path).exists()
        assert len(list((root / COUNTS / part.path.replace("/", "__")).glob("*.parquet"))) == 1
    jobs_run.clear()
    for month in ("2026-01", "2026-02", "2026-03"):
        cached = runner.compute_from_store(month, data_dir=data_dir)
        pd.testing.assert_frame_equal(cached, uncached(data_dir, month, None))
    by_month = runner.compute_from_store("2026-Q1", data_dir=data_dir, by="month")
    pd.testing.assert_frame_equal(by_month, uncached(data_dir, "2026-Q1", "month"))
    assert jobs_run == []  # nothing left to build from raw records


def test_a_new_catalogue_counts_every_dossier_file_again(
    tmp_path: Path, jobs_run: list[derived.PartJob]
) -> None:
    data_dir = tmp_path / "var"
    catalogue = generate_procedures(20, seed=3)
    dossiers = generated_dossiers(
        AGENCIES, date(2026, 1, 1), date(2026, 2, 28), total=2_000, procedures=catalogue, seed=7
    )
    ingest_table(tmp_path, data_dir, "procedures.parquet", catalogue)
    ingest_table(tmp_path, data_dir, "dossiers.parquet", dossiers)
    before = runner.compute_from_store("2026-Q1", data_dir=data_dir, by="month")
    # every procedure becomes eligible for full-online: the dossier counts of every file change
    column = catalogue.schema.get_field_index("full_online_eligible")
    eligible = catalogue.set_column(column, "full_online_eligible", pa.array([True] * catalogue.num_rows))
    ingest_table(tmp_path, data_dir, "procedures2.parquet", eligible)
    jobs_run.clear()
    after = runner.compute_from_store("2026-Q1", data_dir=data_dir, by="month")
    assert jobs_run == []
    pd.testing.assert_frame_equal(after, uncached(data_dir, "2026-Q1", "month"))
    rate = after[after["indicator_code"] == "ONLINE_FULL_DOSSIER_RATE"]
    was = before[before["indicator_code"] == "ONLINE_FULL_DOSSIER_RATE"]
    assert rate["denominator"].sum() == 2_000 > was["denominator"].sum()


def test_a_store_without_derived_results_builds_them_once(
    tmp_path: Path, jobs_run: list[derived.PartJob]
) -> None:
    data_dir = tmp_path / "var"
    batches = generate_dossiers(AGENCIES, date(2026, 1, 1), date(2026, 2, 28), total=1_000, seed=9)
    dossiers = pa.Table.from_batches(list(batches))
    ingest_table(tmp_path, data_dir, "dossiers.parquet", dossiers)
    derived_dir = records_dir(data_dir) / "_derived"
    for f in sorted(derived_dir.rglob("*"), reverse=True):
        f.unlink() if f.is_file() else f.rmdir()
    jobs_run.clear()
    first = runner.compute_from_store("2026-Q1", data_dir=data_dir, by="month")
    files = record_files("dossiers", data_dir=data_dir)
    assert len(jobs_run) == 2 * len(files)  # flags and counts of each file, in one pool
    jobs_run.clear()
    again = runner.compute_from_store("2026-Q1", data_dir=data_dir, by="month")
    assert jobs_run == []
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, uncached(data_dir, "2026-Q1", "month"))
    online = first[first["indicator_code"] == "ONLINE_SUBMISSION_RATE"]
    stored = pc.sum(pc.equal(dossiers.column("channel"), "online")).as_py()
    assert online["numerator"].sum() == stored


def test_the_sweep_keeps_recent_entries_of_live_files_and_drops_gone_ones(tmp_path: Path) -> None:
    root = tmp_path / "records"
    live = root / "dossiers" / "month=2026-01" / "part-1.parquet"
    live.parent.mkdir(parents=True)
    live.write_bytes(b"")
    folder = root / COUNTS
    old = time.time() - TRASH_AGE_S - 60
    entries = folder / "dossiers__month=2026-01__part-1.parquet"
    entries.mkdir(parents=True)
    for i in range(KEEP_ENTRIES + 2):
        (entries / f"{i}.parquet").write_bytes(b"")
        os.utime(entries / f"{i}.parquet", (old + i, old + i))
    gone_old = folder / "dossiers__month=2026-01__part-0.parquet"
    gone_new = folder / "dossiers__month=2026-01__part-2.parquet"  # staged by a running ingest
    for entry, stamp in ((gone_old, old), (gone_new, time.time())):
        entry.mkdir()
        (entry / "x.parquet").write_bytes(b"")
        os.utime(entry / "x.parquet", (stamp, stamp))
        os.utime(entry, (stamp, stamp))
    sweep_dossier_counts(root)
    kept = sorted(f.name for f in entries.glob("*.parquet"))
    assert kept == [f"{i}.parquet" for i in range(2, KEEP_ENTRIES + 2)]
    assert not gone_old.exists() and gone_new.exists()


def test_months_of_one_file_and_of_several_files_mix(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    first = generated_dossiers(AGENCIES, date(2026, 1, 1), date(2026, 2, 28), total=1_500, seed=11)
    ingest_table(tmp_path, data_dir, "first.parquet", first)
    more = generated_dossiers(AGENCIES, date(2026, 2, 1), date(2026, 2, 28), total=300, seed=12)
    ids = pa.array([f"MORE-{i}" for i in range(more.num_rows)])
    more = more.set_column(more.schema.get_field_index("dossier_id"), "dossier_id", ids)
    ingest_table(tmp_path, data_dir, "more.parquet", more)
    files = [record_files("dossiers", data_dir=data_dir, months=[m]) for m in ("2026-01", "2026-02")]
    assert [len(f) for f in files] == [1, 2]
    for period, by in (("2026-Q1", "month"), ("2026-Q1", None), ("2026-02", None)):
        cached = runner.compute_from_store(period, data_dir=data_dir, by=by)
        pd.testing.assert_frame_equal(cached, uncached(data_dir, period, by))


def test_the_records_go_in_when_the_derived_results_cannot_be_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(**kw: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(derived, "build_month_caches", full_disk)
    data_dir = tmp_path / "var"
    batches = generate_dossiers(AGENCIES, date(2026, 1, 1), date(2026, 1, 31), total=200, seed=13)
    ingest_table(tmp_path, data_dir, "dossiers.parquet", pa.Table.from_batches(list(batches)))
    files = record_files("dossiers", data_dir=data_dir)
    assert sum(pq.ParquetFile(f).metadata.num_rows for f in files) == 200
    assert not flag_target(records_dir(data_dir), load_manifest(data_dir).parts("dossiers")[0].path).exists()
    monkeypatch.undo()
    cached = runner.compute_from_store("2026-01", data_dir=data_dir)
    pd.testing.assert_frame_equal(cached, uncached(data_dir, "2026-01", None))


def test_a_store_that_cannot_be_written_computes_from_the_raw_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "var"
    batches = generate_dossiers(AGENCIES, date(2026, 1, 1), date(2026, 1, 31), total=300, seed=14)
    ingest_table(tmp_path, data_dir, "dossiers.parquet", pa.Table.from_batches(list(batches)))
    shutil.rmtree(records_dir(data_dir) / "_derived")

    def read_only(table: pa.Table, target: Path) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(jobs, "_write", read_only)
    cached = runner.compute_from_store("2026-01", data_dir=data_dir)
    pd.testing.assert_frame_equal(cached, uncached(data_dir, "2026-01", None))
    assert not (records_dir(data_dir) / "_derived").exists()
