"""The indicator cube's compaction as a worker job: the SQL values folded into the columnar files.

Flows layer: composes chiso.indicators (compaction, the cube's folder) with the store's session. The
worker's leader calls `compact_if_due` every pass; it compacts every CHISO_CUBE_COMPACT_S seconds
(default 600) once the province has indicator values, so the columnar cube never lags far behind
(entries newer than the last compaction are overlaid at read time anyway; the job keeps that overlay
small). Compaction rewrites only the indicators whose SQL values changed; with nothing new it only
moves the watermark.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from sqlalchemy import exists, select

from chiso.indicators.columnar import read_manifest
from chiso.indicators.compaction import CompactionReport, compact
from chiso.indicators.cube import cube_folder
from chiso.store.db import session_scope
from chiso.store.models.indicators import IndicatorValue

log = logging.getLogger(__name__)
_last: dict[str, float] = {}
_lock = threading.Lock()


def interval_s() -> float:
    """Return the seconds between two compactions (CHISO_CUBE_COMPACT_S, default 600)."""
    try:
        return max(float(os.environ.get("CHISO_CUBE_COMPACT_S", "600")), 1.0)
    except ValueError:
        return 600.0


def compact_cube(url: str | None = None, *, folder: Path | None = None) -> CompactionReport | None:
    """Compact now; None when the province has no indicator values and no cube yet."""
    where = folder if folder is not None else cube_folder()
    with session_scope(url) as session:
        if read_manifest(where) is None and not session.scalar(select(exists().select_from(IndicatorValue))):
            return None
        report = compact(session, where)
    log.info(
        "indicator cube %s: %d rewritten, %d kept, %d values",
        report.generation,
        report.rewritten,
        report.kept,
        report.rows,
    )
    return report


def compact_if_due(url: str | None = None, *, folder: Path | None = None) -> CompactionReport | None:
    """Compact when the last compaction in this process is older than `interval_s()`; else None."""
    where = folder if folder is not None else cube_folder()
    now = time.monotonic()
    with _lock:
        last = _last.get(str(where))
        if last is not None and now - last < interval_s():
            return None
        _last[str(where)] = now
    return compact_cube(url, folder=where)
