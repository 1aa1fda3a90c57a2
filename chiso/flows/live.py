"""The live 766 board as the web serves it: the last computed board, refreshed in the background.

Flows layer: composes chiso.units (the agencies and their names, read in its own session) with
chiso.monitoring.live (one board's computation). Stale-while-revalidate: a request gets the last
computed board at once, and when that board is stale (the record store's manifest changed, or it is
older than `MAX_AGE_S` because open dossiers age with the clock) one background thread recomputes it;
only one recomputation runs at a time, in the whole process. A request that finds no board yet waits
for the first one on the event loop (`wait_for_board`), before it takes a database admission slot.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from chiso import clock
from chiso.config import get_settings
from chiso.errors import ChisoError, NotFound
from chiso.monitoring.live import (
    LiveBoard,
    LiveRow,
    compute_live_board,
    filter_board,
    pick_period,
    sort_board,
)
from chiso.monitoring.periods import Period
from chiso.monitoring.records.manifest import MANIFEST, records_dir
from chiso.store.db import session_scope
from chiso.units.agencies import search_agencies

log = logging.getLogger("chiso.live")
MAX_AGE_S = 60.0
MAX_BOARDS = 16  # boards kept (periods x data dirs); the least recently asked goes first
FIRST_BOARD_TIMEOUT_S = 120.0
RETRY_AFTER_S = 10.0


class BoardUnavailable(ChisoError):
    """The first board of a period could not be computed in time (the page asks again)."""

    status = 503


def local_now() -> datetime:
    """Return the province's wall time without a zone (as the records store it)."""
    return clock.local_now().replace(tzinfo=None, microsecond=0)


def manifest_stamp(data_dir: Path) -> float:
    """Return the record store manifest's modification time (an ingest swaps it), 0 when there is none."""
    try:
        return (records_dir(data_dir) / MANIFEST).stat().st_mtime_ns / 1e9
    except OSError:
        return 0.0


def agencies_on(session: Session, *, on: date) -> pd.DataFrame | None:
    """Return the agencies valid on `on` (code, name, parent, level) as the board's computation takes them."""
    rows = search_agencies(session, on=on)
    if not rows:
        return None
    return pd.DataFrame(
        {
            "agency_code": [a.code for a in rows],
            "name": [a.name_vi for a in rows],
            "parent_code": [a.parent.code if a.parent is not None else None for a in rows],
            "level": [a.kind for a in rows],
        }
    )


def agency_table(*, on: date, url: str | None = None) -> pd.DataFrame | None:
    """Return `agencies_on`, read in a session of its own (the background thread has no request's)."""
    with session_scope(url) as session:
        return agencies_on(session, on=on)


def build_board(period: Period, *, data_dir: Path, now: datetime, url: str | None = None) -> LiveBoard:
    """Compute one board now (agencies valid at the period's end, or today for the current period)."""
    on = min(period.last_day, now.date())
    return compute_live_board(
        data_dir=data_dir, now=now, period=period, agencies=agency_table(on=on, url=url)
    )


@dataclass
class _Slot:
    board: LiveBoard | None = None
    stamp: float = -1.0
    computed_at: float = 0.0
    pending: Future[LiveBoard] | None = None
    errors: int = field(default=0)
    retry_at: float = 0.0  # after a failed computation, not before this (monotonic seconds)


class BoardCache:
    """The last board per (data dir, database, period), recomputed by one background thread."""

    def __init__(self, max_age_s: float = MAX_AGE_S) -> None:
        self.max_age_s = max_age_s
        self._slots: OrderedDict[tuple[str, str, str], _Slot] = OrderedDict()
        self._lock = threading.Lock()  # guards the dict only, never held during a computation
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chiso-live")
        self.computations = 0

    def _slot(self, key: tuple[str, str, str]) -> _Slot:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot()
            while len(self._slots) > MAX_BOARDS:
                self._slots.popitem(last=False)
        self._slots.move_to_end(key)
        return slot

    def _compute(
        self, slot: _Slot, period: Period, data_dir: Path, url: str | None, stamp: float
    ) -> LiveBoard:
        try:
            fresh = build_board(period, data_dir=data_dir, now=local_now(), url=url)
        except Exception:
            with self._lock:
                slot.pending, slot.errors = None, slot.errors + 1
                slot.retry_at = (
                    time.monotonic() + RETRY_AFTER_S
                )  # a broken store is not recomputed every poll
            log.exception("the live board of %s could not be computed", period.label)
            raise
        with self._lock:
            self.computations += 1
            if slot.board is not None and slot.board.version == fresh.version:
                fresh = slot.board  # same figures: keep the board (and its ETag) as it was
            slot.board, slot.stamp, slot.computed_at, slot.pending = fresh, stamp, time.monotonic(), None
        return fresh

    def peek(
        self, period: Period, *, data_dir: Path, url: str | None = None
    ) -> tuple[LiveBoard | None, Future[LiveBoard] | None]:
        """Return the last board of `period` (None before the first) and the running refresh, if any.

        Starts a background refresh when the board is missing or stale and none is running.
        """
        stamp = manifest_stamp(data_dir)
        key = (str(data_dir), url or "", period.label)
        with self._lock:
            slot = self._slot(key)
            stale = (
                slot.board is None
                or slot.stamp != stamp
                or time.monotonic() - slot.computed_at > self.max_age_s
            )
            if stale and slot.pending is None and time.monotonic() >= slot.retry_at:
                slot.pending = self._executor.submit(self._compute, slot, period, data_dir, url, stamp)
            return slot.board, slot.pending

    def cached(self, period: Period, *, data_dir: Path, url: str | None = None) -> LiveBoard | None:
        """Return the last board of `period` if one was computed, never starting a computation."""
        with self._lock:
            slot = self._slots.get((str(data_dir), url or "", period.label))
            return None if slot is None else slot.board

    def clear(self) -> None:
        """Forget every board (tests)."""
        with self._lock:
            self._slots.clear()


BOARDS = BoardCache()


def _where(url: str | None) -> tuple[Path, str | None]:
    settings = get_settings()
    return settings.data_dir, url or settings.database_url


async def wait_for_board(
    period_text: str | None, *, url: str | None = None, timeout_s: float = FIRST_BOARD_TIMEOUT_S
) -> None:
    """Wait on the event loop (holding no thread and no database slot) until `period`'s board exists.

    Raises:
        InvalidInput: the period is not a month, quarter or year that has started.
        BoardUnavailable: the first computation failed or took longer than `timeout_s`.
    """
    period = pick_period(period_text, now=local_now())
    data_dir, db = _where(url)
    board, pending = BOARDS.peek(period, data_dir=data_dir, url=db)
    if board is not None or pending is None:
        return
    try:
        await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(pending)), timeout_s)
    except (TimeoutError, Exception) as exc:
        raise BoardUnavailable(
            "Bảng giám sát đang được tính, hãy thử lại sau ít giây",
            "The live board is being computed; try again in a few seconds",
        ) from exc


def peek_live_board(period_text: str | None = None, *, url: str | None = None) -> LiveBoard | None:
    """Return the last computed board of a period as it is (unfiltered), or None; never waits.

    Starts a background refresh when the board is stale, as any request would.
    """
    try:
        period = pick_period(period_text, now=local_now())
    except ChisoError:
        return None
    data_dir, db = _where(url)
    return BOARDS.peek(period, data_dir=data_dir, url=db)[0]


def cached_live_board(period_text: str) -> LiveBoard | None:
    """Return a period's board if one was computed (fresh or not), else None; never computes."""
    try:
        period = pick_period(period_text, now=local_now())
    except ChisoError:
        return None
    data_dir, db = _where(None)
    return BOARDS.cached(period, data_dir=data_dir, url=db)


def get_live_board(
    period_text: str | None = None,
    *,
    sort: str = "rank",
    order: str = "asc",
    group: str | None = None,
    search: str | None = None,
    url: str | None = None,
) -> LiveBoard:
    """Return the last computed board of a period (default this month), filtered and sorted.

    Never computes in the caller's thread once a board exists: a stale board is returned while one
    background thread recomputes it. The very first call for a period waits for its computation.

    Raises:
        InvalidInput: an unknown period, sort column or order.
        BoardUnavailable: the first computation failed.
    """
    period = pick_period(period_text, now=local_now())
    data_dir, db = _where(url)
    board, pending = BOARDS.peek(period, data_dir=data_dir, url=db)
    if board is None:
        if pending is None:
            raise BoardUnavailable("Chưa tính được bảng giám sát", "The live board could not be computed")
        try:
            board = pending.result(timeout=FIRST_BOARD_TIMEOUT_S)
        except Exception as exc:
            raise BoardUnavailable(
                "Chưa tính được bảng giám sát", "The live board could not be computed"
            ) from exc
    return sort_board(filter_board(board, group=group, search=search), sort=sort, order=order)


def live_card(agency_code: str, period_text: str | None = None) -> tuple[LiveBoard, LiveRow, int]:
    """Return a period's board, one agency's row on it (its live 766 card) and how many of its level rank.

    Raises:
        NotFound: the agency is not on the period's board (unknown, or not existing in the period).
    """
    board = get_live_board(period_text)
    row = next((r for r in board.rows if r.agency_code == agency_code), None)
    if row is None:
        raise NotFound(
            f"Không có cơ quan {agency_code} trên bảng giám sát kỳ {board.period}",
            f"No agency {agency_code} on the live board of {board.period}",
        )
    ranked = sum(1 for r in board.rows if r.level == row.level and r.rank is not None)
    return board, row, ranked
