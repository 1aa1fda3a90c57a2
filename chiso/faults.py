"""Named crash points for the fault tests; the bottom layer, imports nothing from chiso.

Code that writes calls `reach("name")` at the moments a crash would hurt most (files staged, rows
flushed, the commit not yet made). Nothing happens unless the environment variable CHISO_FAULT_POINT
holds that name: then the process kills itself with SIGKILL, as `kill -9` would, with no cleanup,
no `finally`, no rollback. tests/faults/ run `chiso` commands that way and check the store is whole.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "CHISO_FAULT_POINT"

# Every point the code reaches, for the tests and docs/operations.md.
POINTS = {
    "records.staged": "ingest: new Parquet files written to staging, nothing moved yet",
    "records.clustered": "ingest: a file written sorted to staging (a bulk load: its first month of several)",
    "records.moved": "ingest: files moved into place and fsynced, the manifest not yet swapped",
    "records.swapped": "ingest: manifest swapped, old files not yet retired nor staging cleaned",
    "agencies.import.applied": "agency import: every row flushed to the database, not committed",
    "publish.recorded": "publish: snapshot, publication and audit flushed, not committed",
    "backup.written": "backup: the archive written to a temporary file, not yet renamed",
    "indicators.cube.file": "indicator cube: one indicator's new file written in the new generation",
    "indicators.cube.written": "indicator cube: the new generation written and fsynced, manifest not swapped",
    "indicators.cube.swapped": "indicator cube: manifest swapped, the generation before last not yet swept",
}


def reach(point: str) -> None:
    """Kill this process with SIGKILL when CHISO_FAULT_POINT names `point`; otherwise do nothing."""
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)
