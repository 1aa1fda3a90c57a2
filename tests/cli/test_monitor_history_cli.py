"""`chiso monitor history snapshot|show` and `chiso monitor token create --kinds --agency --rate` on a
temporary data dir (its own SQLite store), through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chiso.cli import app
from chiso.flows.live import local_now

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHISO_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    assert runner.invoke(app, ["init"]).exit_code == 0
    return tmp_path / "var"


def test_a_snapshot_then_an_agency_s_months(data_dir: Path, tmp_path: Path) -> None:
    today = local_now().strftime("%Y-%m-%d")
    csv = tmp_path / "d.csv"
    csv.write_text(
        f"dossier_id,agency_code,procedure_code,channel,received_at,status\nD1,A1,P1,online,{today},received\n"
    )
    assert runner.invoke(app, ["monitor", "ingest", str(csv)]).exit_code == 0
    done = runner.invoke(app, ["monitor", "history", "snapshot", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["days"] == [today] and report["agencies"] == 1 and len(report["months"]) == 1
    shown = runner.invoke(app, ["monitor", "history", "show", "A1", "--json"])
    points = json.loads(shown.output)
    assert points[-1]["month"] == today[:7] and points[-1]["closed"] is False
    assert (
        points[-1]["figures"]["RECEIVED"] == 1 and points[0]["figures"]["TOTAL"] is None
    )  # last month: no data


def test_a_scoped_token_is_created_and_a_bad_scope_is_one_clear_error(data_dir: Path) -> None:
    made = runner.invoke(
        app, ["monitor", "token", "create", "mot-cua", "--kinds", "dossiers", "--rate", "30"]
    )
    assert made.exit_code == 0 and "chiso_" in made.output
    bad = runner.invoke(app, ["monitor", "token", "create", "x", "--agency", "KHONG.CO"])
    assert bad.exit_code == 1 and "KHONG.CO" in bad.output and "Traceback" not in bad.output
