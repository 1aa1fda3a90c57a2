"""Benchmark: how long a chiso process takes to start (every CLI command, every `chiso serve`).

    .venv/bin/python benchmarks/startup.py                  # 5 runs of each, this checkout
    .venv/bin/python benchmarks/startup.py --tree ../old     # the same against another checkout (baseline)

Prints the medians of: importing chiso.cli (what every command pays before it does anything), `chiso
--help`, and `chiso serve` on a fresh demo copy until `/` answers 200 (with its worker's first pass
measured as the server's CPU 15 s after start). Baseline: the tree before scipy and WeasyPrint were
loaded on first use and before the worker resumed its evaluation state (3 December 2026).
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
from pathlib import Path

from chiso.web.launch import served


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "CHISO_DATABASE_URL"}
    env["PYTHONPATH"] = str(args.tree.resolve())
    work = Path(tempfile.mkdtemp(prefix="chiso-startup-"))
    template = work / "template"
    env["CHISO_DATA_DIR"] = str(template)
    for step in (["init"], ["demo"], ["worker", "--once"]):
        subprocess.run([sys.executable, "-m", "chiso", *step], env=env, check=True, capture_output=True)
    imports = [_timed([sys.executable, "-c", "import chiso.cli"], env) for _ in range(args.runs)]
    helps = [_timed([sys.executable, "-m", "chiso", "--help"], env) for _ in range(args.runs)]
    ups, cpus = [], []
    for i in range(args.runs):
        copy = work / f"copy{i}"
        shutil.copytree(template, copy)
        start = time.perf_counter()
        with served({**env, "CHISO_DATA_DIR": str(copy)}, work / f"serve{i}.log") as url:
            ups.append(time.perf_counter() - start)
            time.sleep(15)
            port = url.rsplit(":", 1)[1]
            pid = int(subprocess.run(["pgrep", "-f", f"chiso serve --port {port}"], capture_output=True,
                                     text=True).stdout.split()[0])  # fmt: skip
            cpus.append(_server_cpu(pid))
    print(f"tree {args.tree.resolve()}, {args.runs} runs, medians (min-max)")
    for name, values in (("import chiso.cli", imports), ("chiso --help", helps), ("serve: / answers", ups),
                         ("serve: CPU in its first 15 s", cpus)):  # fmt: skip
        print(f"  {name:30} {statistics.median(values):6.2f} s  ({min(values):.2f}-{max(values):.2f})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
