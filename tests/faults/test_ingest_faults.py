"""kill -9 during `chiso monitor ingest`: before and after the manifest swap, the store is whole."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from chiso.faults import POINTS
from chiso.monitoring.ingest import ingest_files
from chiso.monitoring.records.manifest import load_manifest, records_dir
from chiso.monitoring.records.schema import KINDS
from chiso.monitoring.records.store import read_records

# kill -9 harness: real `chiso` processes killed at each named point (minutes in all): CI runs it.
pytestmark = pytest.mark.slow

HEADER = ["dossier_id", "agency_code", "procedure_code", "channel", "received_at", "status"]


def _write(path: Path, ids: range, status: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for n in ids:
            writer.writerow([f"HS-{n}", "F.SNV", "1.000001", "online", f"2026-0{1 + n % 3}-05T09:00", status])
    return path


def _stored(data_dir: Path) -> dict[str, str]:
    table = read_records("dossiers", data_dir=data_dir, columns=["dossier_id", "status"])
    ids = table.column("dossier_id").to_pylist()
    assert len(ids) == len(set(ids)), "a dossier is stored twice"
    return dict(zip(ids, table.column("status").to_pylist(), strict=True))


def _assert_whole(data_dir: Path) -> None:
    """Every file the manifest names is on disk and readable with the rows it claims."""
    manifest = load_manifest(data_dir)
    root = records_dir(data_dir)
    for kind in KINDS:
        for part in manifest.parts(kind):
            path = root / part.path
            assert path.is_file(), f"the manifest names a missing file {part.path}"
            assert pq.read_metadata(path).num_rows == part.rows


INGEST_POINTS = [p for p in POINTS if p.startswith("records.")]


@pytest.mark.parametrize("point", INGEST_POINTS)
def test_a_killed_ingest_leaves_the_store_whole_and_can_be_rerun(
    chiso_cmd: Any, tmp_path: Path, point: str
) -> None:
    first = _write(tmp_path / "first.csv", range(0, 30), "received")
    second = _write(tmp_path / "second.csv", range(20, 50), "finished")  # 10 updates, 20 new
    ingest_files([first], data_dir=chiso_cmd.data_dir, kind="dossiers")  # acknowledged: it returned
    acknowledged = _stored(chiso_cmd.data_dir)
    assert len(acknowledged) == 30

    chiso_cmd.killed("monitor", "ingest", str(second), "--kind", "dossiers", fault=point)
    _assert_whole(chiso_cmd.data_dir)
    after_crash = _stored(chiso_cmd.data_dir)
    expected = {**acknowledged, **{f"HS-{n}": "finished" for n in range(20, 50)}}
    if point == "records.swapped":  # the swap is the commit: the second file is in, whole
        assert after_crash == expected
    else:  # before the swap nothing of the second file shows, and nothing acknowledged is lost
        assert after_crash == acknowledged

    ingest_files([second], data_dir=chiso_cmd.data_dir, kind="dossiers")  # the rerun completes it
    _assert_whole(chiso_cmd.data_dir)
    assert _stored(chiso_cmd.data_dir) == expected
