"""kill -9 during `chiso backup`: no archive appears under the final name; the rerun writes a whole one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chiso.flows.backup import verify_backup

# kill -9 harness: real `chiso` processes killed at each named point (minutes in all): CI runs it.
pytestmark = pytest.mark.slow


def test_a_killed_backup_leaves_no_archive_and_can_be_rerun(chiso_cmd: Any, tmp_path: Path) -> None:
    chiso_cmd.ok("init")
    archive = tmp_path / "out" / "chiso.tar.gz"
    chiso_cmd.killed("backup", str(archive), fault="backup.written")
    assert not archive.exists()
    chiso_cmd.ok("backup", str(archive))
    manifest = verify_backup(archive, tmp_path / "check")
    assert manifest["database"]["kind"] == "sqlite"
