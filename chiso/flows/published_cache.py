"""What is derived from a published revision, kept in memory once computed: a publication never changes
(the ORM refuses to edit one), so the reports' ranking, the engine's run of its frozen inputs and the
scorecard's group statistics are computed once per process and revision, not once per request.

Flows layer: reads the publication's key columns only (never its rows). Keyed by the database URL, the
publication's id, revision and time (a store rebuilt at the same path gives new keys). A small LRU: a
national ranking and its derived figures take tens of MB, a few periods of them fit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.store.models.assessment import AssessmentPeriod, Publication

T = TypeVar("T")
Key = tuple[str, int, int, str]
LIMIT = 24  # entries (a ranking, a run, intervals, stats per group...): a few periods
_ENTRIES: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_LOCK = threading.Lock()


def publication_key(session: Session, *, period_code: str) -> Key | None:
    """Return the key of a period's latest published revision (None: not published)."""
    found = session.execute(
        select(Publication.id, Publication.revision, Publication.published_at)
        .join(AssessmentPeriod, AssessmentPeriod.id == Publication.period_id)
        .where(AssessmentPeriod.code == period_code)
        .order_by(Publication.revision.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    url = str(session.get_bind().engine.url)
    return (url, int(found[0]), int(found[1]), found[2].isoformat())


def cached(key: Key, part: str | tuple[Any, ...], build: Callable[[], T]) -> T:
    """Return the part of a publication `build` computes, computing it once per key and part."""
    full = (key, part)
    with _LOCK:
        if full in _ENTRIES:
            _ENTRIES.move_to_end(full)
            return _ENTRIES[full]  # type: ignore[no-any-return]
    value = build()  # outside the lock: a cold build may take seconds; a duplicate build is harmless
    with _LOCK:
        _ENTRIES[full] = value
        while len(_ENTRIES) > LIMIT:
            _ENTRIES.popitem(last=False)
    return value


def clear() -> None:
    """Forget everything kept (tests, benchmarks timing a cold start)."""
    with _LOCK:
        _ENTRIES.clear()
