"""kill -9 while a bulk load sorts its months by agency: the store is whole, nothing half-written."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from chiso.monitoring.records.manifest import load_manifest, records_dir
from chiso.monitoring.records.store import read_records, sweep

pytestmark = pytest.mark.slow

LOAD = """
import sys
from datetime import date
from pathlib import Path
from chiso.monitoring.generate import generate_dossiers
from chiso.monitoring.records.store import bulk_load
agencies = [f"A{i:02d}" for i in range(30)]
batches = generate_dossiers(agencies, date(2026, 1, 1), date(2026, 3, 31), total=3000, seed=int(sys.argv[2]))
bulk_load("dossiers", batches, data_dir=Path(sys.argv[1]), replace=True)
"""


def _load(chiso_cmd: Any, seed: int, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LOAD, str(chiso_cmd.data_dir), str(seed)],
                          env=chiso_cmd.env(fault), capture_output=True, text=True, timeout=300)  # fmt: skip


def _live(data_dir: Path) -> dict[str, str]:
    table = read_records("dossiers", data_dir=data_dir, columns=["dossier_id", "procedure_code"])
    return dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))


def test_a_bulk_load_killed_while_sorting_its_months_leaves_the_store_as_it_was(chiso_cmd: Any) -> None:
    assert _load(chiso_cmd, seed=1).returncode == 0
    before, generation = _live(chiso_cmd.data_dir), load_manifest(chiso_cmd.data_dir).generation
    assert len(before) == 3000

    done = _load(chiso_cmd, seed=2, fault="records.clustered")  # dies after sorting its first month
    assert done.returncode == -signal.SIGKILL, done.stderr
    root = records_dir(chiso_cmd.data_dir)
    assert load_manifest(chiso_cmd.data_dir).generation == generation
    assert _live(chiso_cmd.data_dir) == before
    listed = {p.path for p in load_manifest(chiso_cmd.data_dir).parts("dossiers")}
    on_disk = {p.relative_to(root).as_posix() for p in (root / "dossiers").glob("month=*/*")}
    assert on_disk == listed, "a file of the killed load is in the live folders"
    left = [p.name for p in (root / "_staging").rglob("*") if p.is_file()]
    assert any(n.endswith(".parquet.unsorted") for n in left), left  # killed mid-rewrite, in staging only
    for part in load_manifest(chiso_cmd.data_dir).parts("dossiers"):
        assert pq.read_metadata(root / part.path).num_rows == part.rows

    assert sweep(chiso_cmd.data_dir, max_age_s=0) > 0  # the leftovers go with the next writer's sweep
    assert not list((root / "_staging").rglob("*.parquet*"))
    assert _load(chiso_cmd, seed=2).returncode == 0  # the rerun completes it
    after = _live(chiso_cmd.data_dir)
    assert len(after) == 3000 and after != before
