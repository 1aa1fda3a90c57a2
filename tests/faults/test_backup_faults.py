"""kill -9 during `chiso backup`: no archive appears under the final name; the rerun writes a whole one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chiso.flows.backup import verify_backup


def test_a_killed_backup_leaves_no_archive_and_can_be_rerun(chiso_cmd: Any, tmp_path: Path) -> None:
    chiso_cmd.ok("init")
    archive = tmp_path / "out" / "chiso.tar.gz"
    chiso_cmd.killed("backup", str(archive), fault="backup.written")
    assert not archive.exists()
    chiso_cmd.ok("backup", str(archive))
    manifest = verify_backup(archive, tmp_path / "check")
    assert manifest["database"]["kind"] == "sqlite"
