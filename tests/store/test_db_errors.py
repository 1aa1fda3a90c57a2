"""A wrong database URL, a read-only data dir or a locked SQLite file give one clear line, not a traceback."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chiso.cli import app
from chiso.store.db import get_engine

runner = CliRunner()


def _init(monkeypatch: pytest.MonkeyPatch, **env: str):  # type: ignore[no-untyped-def]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_engine.cache_clear()
    return runner.invoke(app, ["init"])


def _one_clear_line(output: str) -> str:
    assert "Traceback" not in output
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert lines, "expected an error message"
    return " ".join(lines)


def test_init_twice_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _init(monkeypatch, CHISO_DATA_DIR=str(tmp_path / "var"))
    second = _init(monkeypatch, CHISO_DATA_DIR=str(tmp_path / "var"))
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert (tmp_path / "var" / "chiso.db").exists()


def test_malformed_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _init(monkeypatch, CHISO_DATABASE_URL="not a url at all")
    assert result.exit_code == 1
    text = _one_clear_line(result.output)
    assert "Invalid database URL" in text and "không hợp lệ" in text


def test_unreachable_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _init(monkeypatch, CHISO_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.exit_code == 1
    text = _one_clear_line(result.output)
    assert "Cannot connect to the database" in text


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "ro"
    data.mkdir()
    data.chmod(0o500)
    try:
        result = _init(monkeypatch, CHISO_DATA_DIR=str(data))
    finally:
        data.chmod(0o700)
    assert result.exit_code == 1
    assert "read-only" in _one_clear_line(result.output)


def test_read_only_database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root ignores permission bits, so make SQLite itself refuse writes with a read-only URL."""
    db = tmp_path / "var" / "chiso.db"
    db.parent.mkdir()
    sqlite3.connect(db).close()
    result = _init(monkeypatch, CHISO_DATABASE_URL=f"sqlite:///file:{db}?mode=ro&uri=true")
    assert result.exit_code == 1
    assert "read-only" in _one_clear_line(result.output)


def test_locked_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "var" / "chiso.db"
    db.parent.mkdir()
    holder = sqlite3.connect(db, timeout=0)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("CREATE TABLE hold (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        monkeypatch.setenv("CHISO_SQLITE_BUSY_MS", "200")
        result = _init(monkeypatch, CHISO_DATA_DIR=str(db.parent))
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1
    assert "locked" in _one_clear_line(result.output)


def test_data_dir_that_cannot_be_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _init(monkeypatch, CHISO_DATA_DIR=str(blocker / "var"))
    assert result.exit_code == 1
    assert "Cannot create the data directory" in _one_clear_line(result.output)
