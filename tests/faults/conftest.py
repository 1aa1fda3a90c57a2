"""The fault harness: run `chiso` in a subprocess that kills itself (SIGKILL) at a named point.

`chiso.faults.reach(name)` does nothing unless CHISO_FAULT_POINT=name; then the process dies as with
`kill -9`: no rollback, no `finally`, no cleanup. The tests check the store is whole afterwards (nothing
half-written, nothing acknowledged lost) and that rerunning the same command completes it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from chiso.faults import FAULT_ENV


@dataclass(frozen=True)
class Chiso:
    """Runs `python -m chiso` against one data dir, with or without a fault point."""

    data_dir: Path

    def env(self, fault: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("CHISO_DATABASE_URL", FAULT_ENV)}
        env["CHISO_DATA_DIR"] = str(self.data_dir)
        if fault:
            env[FAULT_ENV] = fault
        return env

    def run(
        self, *args: str, fault: str | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chiso", *args],
            env=self.env(fault),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, f"chiso {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def killed(self, *args: str, fault: str) -> None:
        """Run with the fault point set; assert the process died of SIGKILL there (not an error)."""
        done = self.run(*args, fault=fault)
        assert done.returncode == -signal.SIGKILL, (
            f"chiso {' '.join(args)} with {FAULT_ENV}={fault} ended with {done.returncode}, not kill -9:\n"
            f"{done.stdout}\n{done.stderr}"
        )


@pytest.fixture
def chiso_cmd(tmp_path: Path) -> Chiso:
    """A `chiso` command on a fresh data dir (no database yet)."""
    return Chiso(tmp_path / "var")
