"""Benchmark: `create_backup` and `restore_backup` of an instance (chiso.flows.backup).

    CHISO_DATA_DIR=var .venv/bin/python benchmarks/backup.py            # the instance in var/, 5 runs each
    .venv/bin/python benchmarks/backup.py --demo                         # build the demo in a temp dir first

The restores run on a copy of the data dir, never on the instance itself. Prints the data dir's size,
the archive's size and the medians (wall and CPU time) of --runs backups and restores.
Run under `flock /tmp/chiso-bench.lock` when others benchmark on the same machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--demo", action="store_true", help="Build the demo province in a temp dir first.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chiso-backup-bench-"))
    if args.demo:
        os.environ["CHISO_DATA_DIR"] = str(work / "var")
        for command in (["init"], ["demo"]):
            subprocess.run([sys.executable, "-m", "chiso", *command], check=True, capture_output=True)

    from chiso.config import get_settings
    from chiso.flows.backup import create_backup, restore_backup

    settings = get_settings()
    kept = [
        p
        for p in settings.data_dir.rglob("*")
        if p.is_file() and not p.relative_to(settings.data_dir).parts[0].startswith(".")
    ]
    size = sum(p.stat().st_size for p in kept)
    archive = work / "chiso.tar.gz"
    wall, cpu = _timed(lambda: create_backup(archive, settings=settings), args.runs)
    print(f"data dir {size / 1e6:.1f} MB -> archive {archive.stat().st_size / 1e6:.1f} MB")
    print(f"backup: median wall {wall:.2f} s, CPU {cpu:.2f} s ({args.runs} runs)")
    copy = work / "restore-target"
    shutil.copytree(settings.data_dir, copy)
    os.environ["CHISO_DATA_DIR"] = str(copy)
    target = get_settings()
    wall, cpu = _timed(lambda: restore_backup(archive, settings=target, replace=True), args.runs)
    print(f"restore: median wall {wall:.2f} s, CPU {cpu:.2f} s; load average {os.getloadavg()[0]:.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
