"""Benchmark: a 1.5 KB dimension-bomb .xlsx through every upload reader (issue 16, item 2).

    .venv/bin/python benchmarks/xlsx_bomb.py            # every reader, median of 5 fresh processes
    .venv/bin/python benchmarks/xlsx_bomb.py --runs 3

The file is crafted by hand: its sheet declares `<dimension ref="A1:XFD1048576"/>` (17 billion
cells), holds a header and 10,000 rows of one cell (rows that repeat byte for byte deflate to
nothing) and puts one value in the sheet's very last cell XFD1048576. Before the fix, openpyxl
padded every row to the declared 16,384 columns (3.4 GB and 28 s for the agencies import at a
medium size, MemoryError at full size). Each reader runs in a fresh
subprocess so its peak RSS is its own; the figure is the peak RSS above the same process's RSS
after its imports (the libraries themselves are not the file's cost). Target: refused in < 1 s and
< 100 MB. Run under `flock /tmp/chiso-bench.lock` when others benchmark on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = 10_000
#: The agencies reader before the fix: openpyxl's read-only sheet, trusting the declared dimension,
#: each cell turned to text (under a 2 GB address-space limit and a time limit, to spare the machine).
BEFORE = r"""
import resource, sys, time
from openpyxl import load_workbook
resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
started = time.perf_counter()
book = load_workbook(sys.argv[1], read_only=True, data_only=True)
cells, lines = 0, []
try:
    for row in book.worksheets[0].iter_rows(values_only=True):
        lines.append(["" if v is None else str(v) for v in row])
        cells += len(row)
        if time.perf_counter() - started > float(sys.argv[2]):
            print(f"stopped after {time.perf_counter() - started:.0f} s, {cells:,} cells produced")
            break
    else:
        print(f"read in {time.perf_counter() - started:.1f} s, {cells:,} cells produced")
except MemoryError:
    print(f"MemoryError after {time.perf_counter() - started:.1f} s, {cells:,} cells")
"""
READERS = ("agencies", "template", "bulk", "targets")  # frameworks: tests/test_sheets.py, same reader

CHILD = r"""
import json, resource, sys, time
from chiso.errors import InvalidInput
from chiso.units.io import read_table
from chiso.assessment.bulk import _bulk_rows
from chiso.assessment.excel import read_workbook
from chiso.followup.targets_excel import read_targets
reader, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
read = {
    "agencies": lambda: read_table(path),
    "template": lambda: read_workbook(data, "bomb.xlsx", names=["Data"]),
    "bulk": lambda: list(_bulk_rows(data, "bomb.xlsx")),
    "targets": lambda: read_targets(data, filename="bomb.xlsx"),
}[reader]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    read()
    outcome = "read"
except InvalidInput as exc:
    outcome = "refused: " + exc.problems[0].message_en if exc.problems else str(exc)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "above_mb": (peak - base) / 1024,
                  "outcome": outcome}))
"""


def bomb() -> bytes:
    """Return the crafted workbook: declared A1:XFD1048576, 10,001 real rows, a value in XFD1048576."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from test_sheets import crafted

    rows = ['<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>']
    # Rows without a number repeat byte for byte, so 30,000 of them deflate to a few hundred bytes.
    rows += ['<row><c t="inlineStr"><is><t>S</t></is></c></row>'] * ROWS
    rows.append('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    return crafted("".join(rows), dimension="A1:XFD1048576")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--readers", nargs="*", default=list(READERS))
    parser.add_argument("--before", type=float, default=0, help="Also run the old reader for this many s.")
    args = parser.parse_args()
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "chiso-dimension-bomb.xlsx"
    path.write_bytes(bomb())
    print(f"file: {path.stat().st_size:,} bytes; load average {os.getloadavg()[0]:.1f}")
    if args.before:
        old = subprocess.run(
            [sys.executable, "-c", BEFORE, str(path), str(args.before)], capture_output=True, text=True
        )
        print(f"    before: {(old.stdout or old.stderr).strip().splitlines()[-1]}")
    for reader in args.readers:
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, reader, str(path), str(HERE.parent / "tests")],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        seconds = statistics.median(r["seconds"] for r in runs)
        above = statistics.median(r["above_mb"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        print(
            f"{reader:>10}: {seconds * 1000:7.1f} ms, +{above:5.1f} MB above imports "
            f"(process peak {peak:.0f} MB); {runs[0]['outcome'][:90]}"
        )


if __name__ == "__main__":
    main()
