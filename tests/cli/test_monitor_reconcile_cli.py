"""`chiso monitor import-portal` / `reconcile` and `chiso computed ...` through the real CLI on SQLite."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cli_support import run_cli

from chiso.config import get_settings
from chiso.monitoring.ingest import ingest_records


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHISO_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    assert run_cli("init")[0] == 0
    rows = [
        {"dossier_id": f"D{i}", "agency_code": "=CMD|A", "procedure_code": "P", "channel": "direct",
         "received_at": "2026-02-03 09:00", "status": "received"}
        for i in range(3)
    ]  # fmt: skip
    ingest_records(rows, kind="dossiers", data_dir=get_settings().data_dir)
    return tmp_path


def _portal(tmp_path: Path, received: int) -> Path:
    path = tmp_path / "portal.json"
    units = [{"code": "=CMD|A", "received": received, "on_time": received}]
    path.write_text(json.dumps({"period": "2026-02", "indicator": "TIMELINESS", "units": units}), "utf-8")
    return path


def test_import_then_reconcile_writes_a_guarded_csv(cli_env: Path) -> None:
    code, out = run_cli("monitor", "import-portal", str(_portal(cli_env, 5)), "--json")
    assert code == 0 and json.loads(out)["new"] == 1
    code, out = run_cli("monitor", "import-portal", str(_portal(cli_env, 5)))
    assert code == 0 and "không đổi/unchanged 1" in out
    target = cli_env / "rec.csv"
    code, out = run_cli("monitor", "reconcile", "--differences", "--out", str(target))
    assert code == 0 and "missing_in_chiso" not in out and "chiso ít hồ sơ hơn Cổng" in out
    with target.open(encoding="utf-8-sig") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["agency_code"] == "'=CMD|A"  # the formula guard: text starting with = stays text
    assert (row["ours_denominator"], row["portal_denominator"], row["reason"]) == (
        "3.0",
        "5.0",
        "missing_in_chiso",
    )


def test_a_bad_portal_file_names_its_row_and_field(cli_env: Path) -> None:
    path = cli_env / "bad.json"
    path.write_text(json.dumps({"period": "2026-02", "units": [{"code": "A", "received": -1}]}), "utf-8")
    code, out = run_cli("monitor", "import-portal", str(path))
    assert code == 1 and "bad.json" in out and "denominator" in out and "Traceback" not in out


def test_computed_commands_say_what_is_wrong(cli_env: Path) -> None:
    code, out = run_cli("computed", "freeze", "NOPE", "--cutoff", "2026-02-30")
    assert code == 1 and "YYYY-MM-DD" in out
    code, out = run_cli("computed", "freeze", "NOPE", "--cutoff", "2026-02-01")
    assert code == 1 and "NOPE" in out
    code, out = run_cli("computed", "refresh", "--json")
    assert code == 0 and json.loads(out) == []
