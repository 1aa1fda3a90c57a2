"""Benchmark: how long a chiso process takes to start (every CLI command, every `chiso serve`).

    .venv/bin/python benchmarks/startup.py --baseline ../old   # this checkout against another one

Runs the two trees in turn (one run of each, then again: a shared machine drifts) and prints the
medians of: importing chiso.cli (what every command pays before it does anything), `chiso --help`,
and `chiso serve` on a fresh copy of a settled demo until `/` answers 200, with the server's CPU 15 s
after start (its worker's first pass and the scorecard warm-up). Baseline: the tree before scipy and
WeasyPrint were loaded on first use and before the worker resumed its evaluation state (1ed33c2).
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


def _measure(tree: Path, work: Path, run: int) -> dict[str, float]:
    """One run of each figure for `tree`, on a copy of its own settled demo."""
    env = {k: v for k, v in os.environ.items() if k != "CHISO_DATABASE_URL"}
    env["PYTHONPATH"] = str(tree)
    template = work / tree.name / "template"
    env["CHISO_DATA_DIR"] = str(template)
    if not template.exists():
        for step in (["init"], ["demo"], ["worker", "--once"]):
            subprocess.run([sys.executable, "-m", "chiso", *step], env=env, check=True, capture_output=True)
    figures = {
        "import chiso.cli": _timed([sys.executable, "-c", "import chiso.cli"], env),
        "chiso --help": _timed([sys.executable, "-m", "chiso", "--help"], env),
    }
    copy = work / tree.name / f"copy{run}"
    shutil.copytree(template, copy)
    start = time.perf_counter()
    with served({**env, "CHISO_DATA_DIR": str(copy)}, copy / "serve.log") as url:
        figures["serve: / answers"] = time.perf_counter() - start
        time.sleep(15)
        port = url.rsplit(":", 1)[1]
        pid = int(subprocess.run(["pgrep", "-f", f"chiso serve --port {port}"], capture_output=True,
                                 text=True).stdout.split()[0])  # fmt: skip
        figures["serve: CPU in its first 15 s"] = _server_cpu(pid)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    trees = {"baseline": args.baseline.resolve(), "this tree": Path(__file__).resolve().parents[1]}
    work = Path(tempfile.mkdtemp(prefix="chiso-startup-"))
    os.chdir(work)  # `python -m` and `-c` put the working directory first on the path: not a checkout
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for run in range(args.runs):
        for name, tree in trees.items():
            runs[name].append(_measure(tree, work, run))
    print(f"{args.runs} runs each, alternating; medians (min-max)")
    for figure in runs["this tree"][0]:
        old = [r[figure] for r in runs["baseline"]]
        new = [r[figure] for r in runs["this tree"]]
        print(f"  {figure:30} baseline {statistics.median(old):6.2f} s ({min(old):.2f}-{max(old):.2f})"
              f"   this tree {statistics.median(new):6.2f} s ({min(new):.2f}-{max(new):.2f})"
              f"   ratio {statistics.median(new) / statistics.median(old):.2f}")  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
