"""kill -9 during an indicator cube compaction: the old generation stays readable; the rerun completes it.

Runs the compaction in a child process that kills itself (SIGKILL) at each named point of
chiso.faults, against a SQLite store file (the child needs committed rows; PostgreSQL adds nothing here:
the files are what a crash can break).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chiso import clock
from chiso.faults import FAULT_ENV, POINTS
from chiso.indicators.columnar import ColumnarCube, read_manifest
from chiso.indicators.compaction import compact
from chiso.indicators.cube import Rule, SqlCube
from chiso.store.db import init_database, session_scope
from chiso.store.models.indicators import IndicatorValue

RULES = {"A": Rule("A", "commune", "sum")}
REPO = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from pathlib import Path
from chiso.indicators.compaction import compact
from chiso.indicators.cube import Rule
from chiso.store.db import session_scope
with session_scope(sys.argv[1]) as s:
    compact(s, Path(sys.argv[2]), rules={"A": Rule("A", "commune", "sum")})
"""


def _value(unit: str, value: float, at: datetime) -> IndicatorValue:
    return IndicatorValue(
        indicator_code="A", unit_code=unit, period="2026-01", value=value, status="entered", channel="form",
        entered_by="test", entered_at=at,
    )  # fmt: skip


def _breakdown_from_files(folder: Path) -> dict[str, float | None]:
    return ColumnarCube(None, RULES, folder).breakdown(RULES["A"], "2026-01")


@pytest.mark.parametrize("point", [p for p in POINTS if p.startswith("indicators.cube.")])
def test_a_killed_compaction_leaves_the_old_files_readable(tmp_path: Path, point: str) -> None:
    url = f"sqlite:///{tmp_path / 'chiso.db'}"
    folder = tmp_path / "cube"
    init_database(url)
    with session_scope(url) as s:
        s.add_all(
            [
                _value("20194", 1.0, datetime(2026, 1, 5, tzinfo=UTC)),
                _value("20197", 2.0, datetime(2026, 1, 5, tzinfo=UTC)),
            ]
        )
    with session_scope(url) as s:
        first = compact(s, folder, rules=RULES)
    with session_scope(url) as s:
        s.add(_value("20200", 5.0, clock.now()))
    env = {**os.environ, FAULT_ENV: point, "PYTHONPATH": str(REPO)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(folder)], env=env, capture_output=True, text=True
    )
    assert child.returncode == -signal.SIGKILL, child.stderr

    manifest = read_manifest(folder)
    assert manifest is not None
    if point == "indicators.cube.swapped":
        assert manifest.generation != first.generation
        assert _breakdown_from_files(folder) == {"20194": 1.0, "20197": 2.0, "20200": 5.0}
    else:
        assert manifest.generation == first.generation
        assert _breakdown_from_files(folder) == {"20194": 1.0, "20197": 2.0}
    with session_scope(url) as s:  # with the overlay, the cube answers the SQL figures either way
        assert ColumnarCube(s, RULES, folder).series([RULES["A"]], ["2026-01"], "48") == SqlCube(
            s, RULES
        ).series([RULES["A"]], ["2026-01"], "48")
        compact(s, folder, rules=RULES)
    assert _breakdown_from_files(folder) == {"20194": 1.0, "20197": 2.0, "20200": 5.0}
    assert len([p for p in folder.iterdir() if p.is_dir()]) <= 2  # the unfinished generation is swept
