"""The indicator cube's compaction job and its CLI: nothing to do without values, then due every interval."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chiso.cli.indicator_cube import cube_app
from chiso.flows import indicator_jobs
from chiso.indicators.columnar import read_manifest
from chiso.store.db import init_database, session_scope
from chiso.store.models.indicators import IndicatorValue

runner = CliRunner()
EARLIER = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'chiso.db'}"
    monkeypatch.setenv("CHISO_DATABASE_URL", url)
    init_database(url)
    return url


def _enter(url: str, value: float) -> None:
    with session_scope(url) as s:
        s.add(
            IndicatorValue(
                indicator_code="DVC_HS_TONG", unit_code="20194", period="2026-01", value=value,
                status="entered", channel="form", entered_by="test", entered_at=EARLIER,
            )
        )  # fmt: skip


def test_the_job_compacts_once_there_are_values_and_then_every_interval(url: str, tmp_path: Path) -> None:
    folder = tmp_path / "cube"
    assert indicator_jobs.compact_cube(url, folder=folder) is None  # no values: dashboards read SQL
    _enter(url, 7.0)
    first = indicator_jobs.compact_if_due(url, folder=folder)
    assert first is not None and first.rows == 1 and read_manifest(folder) is not None
    assert indicator_jobs.compact_if_due(url, folder=folder) is None  # not due again within the interval


def test_the_cli_compacts_and_shows_the_status(url: str, tmp_path: Path) -> None:
    status = runner.invoke(cube_app, ["status", "--json"])
    assert status.exit_code == 0 and json.loads(status.stdout)["columnar"] is False
    _enter(url, 3.0)
    done = runner.invoke(cube_app, ["compact"])
    assert done.exit_code == 0, done.output
    assert "1 giá trị / values" in done.stdout
    again = runner.invoke(cube_app, ["compact", "--json"])
    assert json.loads(again.stdout)["changed"] is False
    status = json.loads(runner.invoke(cube_app, ["status", "--json"]).stdout)
    assert (status["columnar"], status["files"], status["rows"]) == (True, 1, 1)
    assert Path(status["folder"]) == tmp_path / "var" / "indicator_cube"
