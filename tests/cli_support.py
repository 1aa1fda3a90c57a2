"""Running `chiso` in-process for the CLI tests: `run_cli` and a fresh, initialised data dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chiso.cli import app

runner = CliRunner()


def run_cli(*args: str) -> tuple[int, str]:
    """Run `chiso ARGS`; return its exit code and output."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away data dir with an initialised database and a wide terminal; yields the temp folder."""
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHISO_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    assert run_cli("init")[0] == 0
    return tmp_path
