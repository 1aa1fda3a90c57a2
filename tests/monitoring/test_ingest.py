"""Ingest into the Parquet store: latest state wins, re-ingest changes nothing, a crash changes nothing."""

from __future__ import annotations

import json
import os
import time
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chiso.errors import Conflict, InvalidInput
from chiso.monitoring.generate import generate_dossiers
from chiso.monitoring.ingest import ingest_files, ingest_records
from chiso.monitoring.records import store
from chiso.monitoring.records.schema import arrow_schema

HEADER = "dossier_id,agency_code,procedure_code,channel,received_at,finished_at,status"


def csv(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def snapshot(data_dir: Path) -> dict[str, list[dict[str, object]]]:
    out = {}
    for kind in ("dossiers", "procedures", "petitions"):
        rows = store.read_records(kind, data_dir=data_dir).to_pylist()
        out[kind] = sorted(rows, key=lambda r: str(next(iter(r.values()))))
    return out


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


@pytest.mark.parametrize(
    "received_at", ["0000-01-01T10:00:00", "9999-12-31T23:59:59+14:00", "1999-12-31T10:00"]
)
def test_one_bad_date_goes_to_the_rejects_and_the_other_rows_are_stored(
    tmp_path: Path, data_dir: Path, received_at: str
) -> None:
    path = csv(
        tmp_path,
        "dates.csv",
        f"D1,A1,P1,online,{received_at},,received",
        "D2,A1,P1,online,2026-08-03T09:00,,received",
    )
    report = ingest_files([path], data_dir=data_dir)
    assert (report.read, report.stored, report.rejected) == (2, 1, 1)
    (reject,) = report.rejects
    assert (reject.row, reject.column, reject.value) == (2, "received_at", received_at)
    row = {"agency_code": "A1", "procedure_code": "P1", "channel": "online", "status": "received"}
    api = ingest_records(
        [
            {**row, "dossier_id": "D3", "received_at": received_at},
            {**row, "dossier_id": "D4", "received_at": "2026-08-04"},
        ],
        kind="dossiers",
        data_dir=data_dir,
    )
    assert (api.read, api.stored, api.rejected) == (2, 1, 1)
    assert [(r.row, r.column) for r in api.rejects] == [(1, "received_at")]
    stored = store.read_records("dossiers", data_dir=data_dir).column("dossier_id").to_pylist()
    assert sorted(stored) == ["D2", "D4"]


def test_first_ingest_stores_good_rows_and_writes_rejects(tmp_path: Path, data_dir: Path) -> None:
    path = csv(
        tmp_path,
        "aug.csv",
        "D1,A1,P1,online,2026-08-03T09:00,,received",
        "D2,A2,P1,fax,2026-08-03T09:00,,received",
        "D3,A2,P2,direct,2026-09-01T10:00,2026-09-02T10:00,finished",
    )
    report = ingest_files([path], data_dir=data_dir)
    assert (report.read, report.stored, report.new, report.rejected) == (3, 2, 2, 1)
    assert report.affected == {"dossiers": {("A1", "2026-08"), ("A2", "2026-09")}}
    assert store.stored_months("dossiers", data_dir=data_dir) == ["2026-08", "2026-09"]
    (file_report,) = report.files
    assert file_report.reject_file is not None and file_report.reject_file.parent == data_dir / "rejects"
    assert "aug.csv,3,channel,fax" in file_report.reject_file.read_text(encoding="utf-8-sig")
    for path in store.record_files("dossiers", data_dir=data_dir):
        assert pq.read_schema(path).remove_metadata() == arrow_schema("dossiers")


def test_ingesting_the_same_file_twice_changes_nothing(tmp_path: Path, data_dir: Path) -> None:
    path = csv(
        tmp_path, "a.csv", "D1,A1,P1,online,2026-08-03,,received", "D2,A1,P1,online,2026-08-04,,received"
    )
    ingest_files([path], data_dir=data_dir)
    files = store.record_files("dossiers", data_dir=data_dir)
    manifest = (data_dir / "records" / "_manifest.json").read_text()
    again = ingest_files([path], data_dir=data_dir)
    assert (again.new, again.replaced, again.unchanged, again.stored) == (0, 0, 2, 0)
    assert again.affected == {"dossiers": set()}
    assert store.record_files("dossiers", data_dir=data_dir) == files
    assert (data_dir / "records" / "_manifest.json").read_text() == manifest


def test_latest_state_wins_across_files_within_a_file_and_across_months(
    tmp_path: Path, data_dir: Path
) -> None:
    first = csv(
        tmp_path, "1.csv", "D1,A1,P1,online,2026-08-03,,received", "D2,A1,P1,online,2026-08-03,,received"
    )
    ingest_files([first], data_dir=data_dir)
    second = csv(
        tmp_path,
        "2.csv",
        "D1,A1,P1,online,2026-08-03,,processing",
        "D1,A1,P1,online,2026-08-03,2026-08-05,finished",  # later row of the same file wins
        "D2,A9,P1,online,2026-09-01,,received",  # corrected: moves to September and to A9
    )
    report = ingest_files([second], data_dir=data_dir)
    assert (report.new, report.replaced, report.files[0].duplicates) == (0, 2, 1)
    assert report.affected["dossiers"] == {("A1", "2026-08"), ("A9", "2026-09")}
    rows = {r["dossier_id"]: r for r in store.read_records("dossiers", data_dir=data_dir).to_pylist()}
    assert len(rows) == 2
    assert rows["D1"]["status"] == "finished" and rows["D1"]["finished_at"] == datetime(2026, 8, 5)
    assert rows["D2"]["agency_code"] == "A9"
    assert store.read_records("dossiers", data_dir=data_dir, months=["2026-08"]).num_rows == 1


def test_several_kinds_and_formats_in_one_run(tmp_path: Path, data_dir: Path) -> None:
    petitions = tmp_path / "pakn.jsonl"
    petitions.write_text(
        json.dumps(
            {
                "petition_id": "K1",
                "agency_code": "A1",
                "received_at": "2026-08-01T08:00:00+07:00",
                "category": "staff",
                "overdue": True,
            }
        )
        + "\n",  # fmt: skip
        encoding="utf-8",
    )
    procs = tmp_path / "procs.parquet"
    pq.write_table(
        pa.table({"procedure_code": ["P1"], "name": ["Đăng ký khai sinh"], "fee_bearing": [True]}), procs
    )
    report = ingest_files([csv(tmp_path, "d.csv", "D1,A1,P1,online,2026-08-03,,received"), petitions, procs],
                          data_dir=data_dir)  # fmt: skip
    assert [f.kind for f in report.files] == ["dossiers", "petitions", "procedures"]
    assert report.affected["procedures"] == {(None, "all")}
    assert report.affected_months() == ["2026-08"]
    assert store.read_records("procedures", data_dir=data_dir).to_pylist()[0]["fee_bearing"] is True


def test_a_bad_file_anywhere_in_the_run_stores_nothing(tmp_path: Path, data_dir: Path) -> None:
    ingest_files([csv(tmp_path, "0.csv", "D0,A1,P1,online,2026-08-03,,received")], data_dir=data_dir)
    before = snapshot(data_dir)
    good = csv(tmp_path, "1.csv", "D1,A1,P1,online,2026-08-03,,received")
    bad = tmp_path / "2.csv"
    bad.write_text("dossier_id,agency_code\nD2,A1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="required columns"):
        ingest_files([good, bad], data_dir=data_dir)
    assert snapshot(data_dir) == before


@pytest.mark.parametrize("stage", ["staged", "moved"])
def test_a_crash_mid_ingest_leaves_the_store_as_it_was(tmp_path: Path, data_dir: Path, stage: str) -> None:
    ingest_files([csv(tmp_path, "0.csv", "D1,A1,P1,online,2026-08-03,,received")], data_dir=data_dir)
    before = snapshot(data_dir)
    files_before = store.record_files("dossiers", data_dir=data_dir)

    def crash(at: str) -> None:
        if at == stage:
            raise RuntimeError(f"power cut at {at}")

    update = csv(tmp_path, "1.csv", "D1,A1,P1,online,2026-08-03,2026-08-04,finished",
                 "D2,A1,P1,online,2026-09-03,,received")  # fmt: skip
    with pytest.raises(RuntimeError, match="power cut"):
        ingest_files([update], data_dir=data_dir, fault=crash)
    assert snapshot(data_dir) == before
    assert store.record_files("dossiers", data_dir=data_dir) == files_before
    # leftovers are invisible and swept later; the next ingest works and sees the old state
    report = ingest_files([update], data_dir=data_dir)
    assert (report.new, report.replaced) == (1, 1)
    assert store.sweep(data_dir, max_age_s=0) >= 0
    assert len(snapshot(data_dir)["dossiers"]) == 2


def test_part_files_and_their_folders_are_on_disk_before_the_manifest_names_them(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, Path]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}"))))
        real_fsync(fd)

    def replace(src: str | Path, dst: str | Path) -> None:
        real_replace(src, dst)
        events.append(("replace", Path(dst)))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    rows = ("D1,A1,P1,online,2026-08-03,,received", "D2,A1,P1,online,2026-09-03,,received")
    path = csv(tmp_path, "d.csv", *rows)
    ingest_files([path], data_dir=data_dir)
    root = (data_dir / "records").resolve()
    swap = events.index(("replace", data_dir / "records" / "_manifest.json"))
    synced_before = {p.resolve() for kind, p in events[:swap] if kind == "fsync"}
    parts = [p.resolve() for p in store.record_files("dossiers", data_dir=data_dir)]
    assert len(parts) == 2
    for part in parts:
        assert part in synced_before  # the data of the file
        assert {part.parent, part.parent.parent, root} <= synced_before  # month=..., dossiers/, records/
    assert root in {p.resolve() for kind, p in events[swap:] if kind == "fsync"}  # the manifest's rename


def test_small_files_are_compacted(tmp_path: Path, data_dir: Path) -> None:
    for i in range(store.COMPACT_FILES + 2):
        ingest_records(
            [
                {
                    "dossier_id": f"D{i}",
                    "agency_code": "A1",
                    "procedure_code": "P",
                    "channel": "online",
                    "received_at": "2026-08-03",
                    "status": "received",
                }
            ],  # fmt: skip
            kind="dossiers",
            data_dir=data_dir,
        )
    assert len(store.record_files("dossiers", data_dir=data_dir)) < store.COMPACT_FILES
    assert store.read_records("dossiers", data_dir=data_dir).num_rows == store.COMPACT_FILES + 2


def test_api_batches_return_rejects_without_writing_a_file(data_dir: Path) -> None:
    report = ingest_records([{"petition_id": "K1"}, "x"], kind="petitions", data_dir=data_dir)
    assert (report.read, report.rejected, report.stored) == (2, 2, 0)
    assert report.to_dict()["rejects"][0]["row"] == 1
    assert not (data_dir / "rejects").exists()


def test_bulk_load_refuses_overlapping_keys_unless_replacing(data_dir: Path) -> None:
    batches = list(generate_dossiers(["A1", "A2"], date(2026, 1, 1), date(2026, 2, 28), total=500))
    assert store.bulk_load("dossiers", batches, data_dir=data_dir) == 500
    with pytest.raises(Conflict):
        store.bulk_load("dossiers", batches, data_dir=data_dir)
    assert store.bulk_load("dossiers", batches, data_dir=data_dir, replace=True) == 500
    assert store.read_records("dossiers", data_dir=data_dir).num_rows == 500


def test_incremental_ingest_of_100k_new_dossiers_is_fast(tmp_path: Path, data_dir: Path) -> None:
    """The store holds 300k dossiers; 100k new ones arrive as Parquet. Target <= 2 s with the recompute."""
    codes = [f"A{i:03d}" for i in range(300)]
    store.bulk_load(
        "dossiers",
        generate_dossiers(codes, date(2026, 1, 1), date(2026, 7, 31), total=300_000, seed=1),
        data_dir=data_dir,
    )
    new = pa.Table.from_batches(list(generate_dossiers(codes, date(2026, 8, 1), date(2026, 8, 31),
                                                       total=100_000, seed=2)))  # fmt: skip
    path = tmp_path / "new.parquet"
    pq.write_table(new, path)
    started = time.perf_counter()
    report = ingest_files([path], data_dir=data_dir)
    elapsed = time.perf_counter() - started
    assert report.new == 100_000 and report.affected_months() == ["2026-08"]
    assert len(report.affected["dossiers"]) == 300
    assert elapsed < 6.0, elapsed  # about 0.5 s on an idle 2-core machine
