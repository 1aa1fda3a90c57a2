"""`chiso monitor drilldown`: the procedures and dossiers behind an agency's figures, from the store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from chiso.cli import app
from chiso.config import get_settings
from chiso.monitoring.ingest import ingest_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "monitoring"))
from metric_data import dossiers  # noqa: E402


@pytest.fixture
def store(tmp_path: Path) -> Path:
    src = tmp_path / "d.parquet"
    pq.write_table(
        dossiers(
            {"dossier_id": "D1", "agency_code": "C1", "procedure_code": "P1", "synced_national": True},
            {"dossier_id": "D2", "agency_code": "C1", "procedure_code": "P1"},
            {"dossier_id": "D3", "agency_code": "C1", "procedure_code": "P2", "synced_national": True},
            {"dossier_id": "D4", "agency_code": "C2", "procedure_code": "P1"},
        ),
        src,
    )
    ingest_files([src], data_dir=get_settings().data_dir)
    return tmp_path


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, ["monitor", "drilldown", "--period", "2026-08", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_per_procedure_then_the_dossiers_of_one(store: Path) -> None:
    rows = json.loads(_run("--agency", "C1", "--metric", "DOSSIER_SYNC", "--format", "json"))
    assert [(r["procedure_code"], r["numerator"], r["denominator"]) for r in rows] == [
        ("P1", 1, 2),
        ("P2", 1, 1),
    ]
    listed = json.loads(
        _run("--agency", "C1", "--metric", "DOSSIER_SYNC", "--procedure", "P1", "--format", "json")
    )
    assert [(r["dossier_id"], r["in_numerator"]) for r in listed] == [("D1", True), ("D2", False)]
    out = store / "all.csv"
    _run("--agency", "C1", "--out", str(out))
    assert "TIMELINESS" in out.read_text(encoding="utf-8-sig")


def test_a_procedure_metric_is_refused_in_both_languages(store: Path) -> None:
    result = CliRunner().invoke(
        app, ["monitor", "drilldown", "--period", "2026-08", "--agency", "C1", "--metric", "PUBLISH_ON_TIME"]
    )
    assert result.exit_code == 1
    assert "không tính trên hồ sơ" in result.output and "not counted over dossiers" in result.output
