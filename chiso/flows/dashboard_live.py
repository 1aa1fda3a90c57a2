"""The live 766 part of the leader's dashboard: province figures per month, bands, trends and movers.

Flows layer: reads the live board (chiso.flows.live) and the stored live-score snapshots
(chiso.flows.live_history); nothing of the index is computed again - only means, counts and
differences of stored figures. Decoded snapshots are kept per (row, taken_at), so a page reads the
blobs of a month once; the lock guards the dict only and is never held while decoding.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.flows.dashboard_models import BandShare, LevelTrend, MonthPoint, Mover
from chiso.flows.live_history import read_snapshot
from chiso.frameworks import load_framework
from chiso.monitoring.history import Snapshot, snapshot_of
from chiso.monitoring.live import GROUP_CODES, LiveBoard, shift_period
from chiso.monitoring.periods import parse_period
from chiso.store.models.live_history import LiveScoreSnapshot

FIGURES = ("TOTAL", *GROUP_CODES)
KEPT = 64  # decoded snapshots kept (2 years of months and then some)
FALLERS = 10  # agencies listed as falling fastest
_DECODED: OrderedDict[tuple[int, datetime], Snapshot] = OrderedDict()
_GUARD = threading.Lock()


@lru_cache(maxsize=1)
def band_labels() -> tuple[str, ...]:
    """Return the 766 bands' Vietnamese labels, best first (the framework's own list)."""
    bands = load_framework("qd766").bands
    return tuple(b.label_vi for b in sorted(bands, key=lambda b: -(b.min if b.min is not None else -1e9)))


def month_label(start: date) -> str:
    """Return YYYY-MM of a month's first day."""
    return start.strftime("%Y-%m")


def months_before(month: str, n: int) -> str:
    """Return the month `n` months before `month` (YYYY-MM)."""
    return shift_period(parse_period(month), n).label


def month_snapshots(session: Session, *, first: str, last: str) -> dict[str, Snapshot]:
    """Return the stored closed-month snapshots from `first` to `last` (YYYY-MM), by month."""
    start, end = parse_period(first).start, parse_period(last).start
    heads = session.execute(
        select(LiveScoreSnapshot.id, LiveScoreSnapshot.period, LiveScoreSnapshot.taken_at).where(
            LiveScoreSnapshot.kind == "month",
            LiveScoreSnapshot.period >= start,
            LiveScoreSnapshot.period <= end,
        )
    ).all()
    out: dict[str, Snapshot] = {}
    missing: dict[int, tuple[int, datetime]] = {}
    with _GUARD:
        for row_id, period, taken in heads:
            found = _DECODED.get((row_id, taken))
            if found is None:
                missing[row_id] = (row_id, taken)
            else:
                _DECODED.move_to_end((row_id, taken))
                out[month_label(period)] = found
    if missing:
        rows = session.scalars(select(LiveScoreSnapshot).where(LiveScoreSnapshot.id.in_(list(missing))))
        decoded = {(r.id, r.taken_at, month_label(r.period)): read_snapshot(r) for r in rows}
        with _GUARD:
            for (row_id, taken, label), snap in decoded.items():
                _DECODED[(row_id, taken)] = snap
                out[label] = snap
            while len(_DECODED) > KEPT:
                _DECODED.popitem(last=False)
    return out


def aligned(snapshot: Snapshot | None, codes: list[str]) -> np.ndarray:
    """Return the snapshot's FIGURES (rows) for `codes` (columns), NaN where an agency is absent."""
    out = np.full((len(FIGURES), len(codes)), np.nan)
    if snapshot is None:
        return out
    where = {c: j for j, c in enumerate(snapshot.agency_codes)}
    rows = [snapshot.metrics.index(m) if m in snapshot.metrics else -1 for m in FIGURES]
    cols = np.array([where.get(c, -1) for c in codes], dtype=np.int64)
    present = cols >= 0
    for i, r in enumerate(rows):
        if r >= 0:
            out[i, present] = snapshot.values[r, cols[present]]
    return out


def _mean(values: np.ndarray) -> float | None:
    known = values[~np.isnan(values)]
    return round(float(known.mean()), 2) if known.size else None


def province_point(matrix: np.ndarray, levels: list[str | None], *, month: str, closed: bool) -> MonthPoint:
    """Return the province's figures of a month from its aligned matrix.

    As the leader brief does (`chiso.flows.reports.index766_month`): the province's own row when the
    agencies roll up to it, else the plain mean of the agencies with data (no data is not zero).
    """
    own = [j for j, lv in enumerate(levels) if lv == "province"]
    if own:
        column = matrix[:, own[0]]
        figures = [None if np.isnan(v) else round(float(v), 2) for v in column]
    else:
        figures = [_mean(matrix[i]) for i in range(len(FIGURES))]
    return MonthPoint(
        month=month, closed=closed, total=figures[0], groups=dict(zip(GROUP_CODES, figures[1:], strict=True))
    )


def band_shares(board: LiveBoard) -> list[BandShare]:
    """Return, per kind of agency, how many agencies fall in each band (shares of those with data)."""
    labels = band_labels()
    by_level: dict[str, list[str | None]] = {}
    for row in board.rows:
        if row.level != "province":
            by_level.setdefault(row.level or "", []).append(row.band)
    out = []
    for level, bands in sorted(by_level.items()):
        counts = {b: sum(1 for x in bands if x == b) for b in labels}
        known = sum(counts.values())
        out.append(
            BandShare(
                level=level,
                agencies=len(bands),
                counts=counts,
                shares={b: round(100.0 * n / known, 1) if known else None for b, n in counts.items()},
                no_data=len(bands) - known,
            )
        )
    return out


def level_trends(matrices: list[np.ndarray], levels: list[str | None]) -> list[LevelTrend]:
    """Return the mean total per kind of agency per month, most improved first."""
    kinds = sorted({lv for lv in levels if lv and lv != "province"})
    index = np.array([kinds.index(lv) if lv in kinds else -1 for lv in levels], dtype=np.int64)
    out = []
    for k, kind in enumerate(kinds):
        mine = index == k
        values = [_mean(m[0, mine]) for m in matrices]
        known = [v for v in values if v is not None]
        change = round(known[-1] - known[0], 2) if len(known) >= 2 else None
        out.append(LevelTrend(level=kind, values=values, change=change))
    return sorted(out, key=lambda t: (t.change is None, -(t.change or 0.0)))


def movers(
    board: LiveBoard, now: np.ndarray, before: np.ndarray, first: np.ndarray, *, sort: str, top: int | None
) -> tuple[list[Mover], list[Mover]]:
    """Return the agencies by change of their total over the window (`improvement`: risers first, those
    without a change last), and the agencies whose total fell since last month, the largest fall first.

    Vectorised: only the agencies listed become objects (`top` None: all of them, for the download).
    """
    keep = np.array([r.level != "province" for r in board.rows], dtype=bool)
    window, month = now[0] - first[0], now[0] - before[0]
    key = np.where(np.isnan(window) | ~keep, np.inf, -window if sort == "improvement" else window)
    order = [int(j) for j in np.argsort(key, kind="stable") if keep[j]]
    chosen = order if top is None else order[:top]
    falls = np.where(keep & (month < 0), month, np.inf)
    falling = [int(j) for j in np.argsort(falls, kind="stable")[:FALLERS] if np.isfinite(falls[j])]

    def mover(j: int) -> Mover:
        row = board.rows[j]
        return Mover(
            agency_code=row.agency_code,
            name=row.name,
            level=row.level,
            total=row.total,
            last_month=_num(before[0, j]),
            change_month=_num(month[j]),
            first=_num(first[0, j]),
            change_window=_num(window[j]),
        )

    return [mover(j) for j in chosen], [mover(j) for j in falling]


def _num(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 2)


@dataclass(frozen=True)
class History:
    """The live history around a board: aligned matrices (agencies in the board's order) and what the
    dashboard reads from them - the province's months, last month, a year ago, the kinds' trends."""

    months: list[str]
    matrices: list[np.ndarray]
    levels: list[str | None]
    last_month: np.ndarray
    trend: list[MonthPoint]
    before: MonthPoint
    year_ago: MonthPoint
    level_trends: list[LevelTrend]


_ALIGNED: OrderedDict[tuple[object, ...], History] = OrderedDict()


def live_history(session: Session, board: LiveBoard, *, months: int, current: str) -> History:
    """Return the board's history over `months` months (`current`: this month, still open).

    Kept per (board version, snapshots read): the same board and history give the same figures, so
    only a new board or a new snapshot aligns again.
    """
    first = months_before(board.period, months - 1)
    year_ago = months_before(board.period, 12)
    stored = month_snapshots(session, first=min(first, year_ago), last=months_before(board.period, 1))
    key = (
        current,
        board.version,
        board.sort,
        board.order,
        len(board.rows),
        months,
        *sorted((lb, id(sn)) for lb, sn in stored.items()),
    )
    with _GUARD:
        kept = _ALIGNED.get(key)
    if kept is not None:
        return kept
    found = _align(board, stored, months=months, current=current)
    with _GUARD:
        _ALIGNED[key] = found
        while len(_ALIGNED) > 4:
            _ALIGNED.popitem(last=False)
    return found


def _align(board: LiveBoard, stored: dict[str, Snapshot], *, months: int, current: str) -> History:
    codes = [r.agency_code for r in board.rows]
    levels = [r.level for r in board.rows]
    last_label, year_label = months_before(board.period, 1), months_before(board.period, 12)
    labels = [months_before(board.period, n) for n in range(months - 1, 0, -1)]
    shown = [lb for lb in labels if lb in stored]
    matrices = [aligned(stored[lb], codes) for lb in shown] + [aligned(snapshot_of(board), codes)]
    last, old = aligned(stored.get(last_label), codes), aligned(stored.get(year_label), codes)
    shown.append(board.period)
    return History(
        months=shown,
        matrices=matrices,
        levels=levels,
        last_month=last,
        trend=[
            province_point(m, levels, month=lb, closed=lb != current)
            for lb, m in zip(shown, matrices, strict=True)
        ],
        before=province_point(last, levels, month=last_label, closed=True),
        year_ago=province_point(old, levels, month=year_label, closed=True),
        level_trends=level_trends(matrices, levels),
    )
