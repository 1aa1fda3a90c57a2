"""The history of live 766 scores: daily snapshots and closed months, written by a job, read by pages.

Flows layer: composes chiso.monitoring (the board's computation, the snapshot's columnar form) with
chiso.store (the `live_score_snapshots` table) and chiso.followup.lease (once a day). The national
portal keeps no history, so chiso keeps it: every day the month-to-date figures of every agency (kind
"day"), and each closed month once (kind "month"). Old days are dropped after
CHISO_LIVE_HISTORY_DAYS (default 400); months are kept.
"""

from __future__ import annotations

import os
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, SystemActor
from chiso.config import get_settings
from chiso.errors import PermissionDenied
from chiso.flows.live import agencies_on, build_board, local_now
from chiso.followup import lease
from chiso.monitoring.history import (
    Snapshot,
    pack_codes,
    pack_values,
    snapshot_of,
    unpack_codes,
    unpack_values,
)
from chiso.monitoring.live import compute_month_boards, shift_period
from chiso.monitoring.periods import bucket_of
from chiso.store.db import session_scope
from chiso.store.models.live_history import LiveScoreSnapshot

JOB = "live-history"
DEFAULT_RETENTION_DAYS = 400


def retention_days() -> int:
    """Return how many days of daily snapshots are kept (CHISO_LIVE_HISTORY_DAYS, default 400)."""
    return int(os.environ.get("CHISO_LIVE_HISTORY_DAYS", DEFAULT_RETENTION_DAYS))


@dataclass
class SnapshotReport:
    """What one snapshot run wrote."""

    days: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    agencies: int = 0
    pruned_days: int = 0


@dataclass(frozen=True)
class HistoryPoint:
    """One agency's figures for one month: a closed month, or the current month to date (`closed` False)."""

    month: str
    closed: bool
    figures: dict[str, float | None]


def _check_system(actor: Actor) -> None:
    if not isinstance(actor, SystemActor):
        raise PermissionDenied(
            "Chỉ tác vụ hệ thống ghi lịch sử điểm", "Only the system job writes the score history"
        )


def write_snapshot(session: Session, *, actor: Actor, kind: str, period: date, snapshot: Snapshot) -> None:
    """Store (or replace) the snapshot of one day or month; flushes."""
    _check_system(actor)
    row = session.scalar(
        select(LiveScoreSnapshot).where(LiveScoreSnapshot.kind == kind, LiveScoreSnapshot.period == period)
    )
    if row is None:
        row = LiveScoreSnapshot(kind=kind, period=period)
        session.add(row)
    row.taken_at = clock.now()
    row.agency_count = len(snapshot.agency_codes)
    row.metrics = ",".join(snapshot.metrics)
    row.agencies = pack_codes(snapshot.agency_codes)
    row.figures = pack_values(snapshot.values)
    session.flush()


_DECODED: OrderedDict[tuple[str, int, int, int, int], Snapshot] = OrderedDict()
_DECODED_LOCK = threading.Lock()
_DECODED_LIMIT = 64  # a national month is ~0.3 MB decoded: two years of months and some days


def read_snapshot(row: LiveScoreSnapshot) -> Snapshot:
    """Return the figures a stored row holds.

    Decoded snapshots are kept by their content's checksums (a rewritten row has new ones): a page
    showing 12 months of one agency of 4,300 would otherwise decompress 12 national snapshots each time.
    """
    blobs = (row.agencies, row.figures)
    key = (row.metrics, len(blobs[0]), zlib.crc32(blobs[0]), len(blobs[1]), zlib.crc32(blobs[1]))
    with _DECODED_LOCK:
        found = _DECODED.get(key)
        if found is not None:
            _DECODED.move_to_end(key)
            return found
    metrics = tuple(row.metrics.split(","))
    codes = unpack_codes(row.agencies)
    snapshot = Snapshot(codes, metrics, unpack_values(row.figures, metrics=len(metrics), agencies=len(codes)))
    with _DECODED_LOCK:
        _DECODED[key] = snapshot
        while len(_DECODED) > _DECODED_LIMIT:
            _DECODED.popitem(last=False)
    return snapshot


def prune_days(session: Session, *, actor: Actor, today: date, keep_days: int) -> int:
    """Delete the daily snapshots older than `keep_days` (months stay); return how many went."""
    _check_system(actor)
    cut = today - timedelta(days=keep_days)
    done = session.execute(
        delete(LiveScoreSnapshot).where(LiveScoreSnapshot.kind == "day", LiveScoreSnapshot.period < cut)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def _has(session: Session, kind: str, period: date) -> bool:
    found = select(LiveScoreSnapshot.id).where(
        LiveScoreSnapshot.kind == kind, LiveScoreSnapshot.period == period
    )
    return session.scalar(found) is not None


def snapshot_live_scores(
    *, actor: Actor, url: str | None = None, data_dir: Path | None = None, now: datetime | None = None
) -> SnapshotReport:
    """Write today's snapshot (month to date), last month's once closed, and drop days past retention.

    Each write is its own transaction. Args: `now` is the province's wall time (default: now).
    """
    _check_system(actor)
    moment = now or local_now()
    where = data_dir or get_settings().data_dir
    report = SnapshotReport()
    month = bucket_of(moment.date(), "month")
    today_snapshot = snapshot_of(build_board(month, data_dir=where, now=moment, url=url))
    with session_scope(url) as session:
        write_snapshot(session, actor=actor, kind="day", period=moment.date(), snapshot=today_snapshot)
        report.days.append(moment.date().isoformat())
        report.agencies = len(today_snapshot.agency_codes)
    closed = shift_period(month, 1)
    with session_scope(url) as session:
        missing = not _has(session, "month", closed.start)
    if missing:
        end = datetime.combine(closed.end, datetime.min.time()) - timedelta(seconds=1)
        board = build_board(closed, data_dir=where, now=end, url=url)
        with session_scope(url) as session:
            write_snapshot(
                session, actor=actor, kind="month", period=closed.start, snapshot=snapshot_of(board)
            )
            report.months.append(closed.label)
    with session_scope(url) as session:
        report.pruned_days = prune_days(session, actor=actor, today=moment.date(), keep_days=retention_days())
    return report


def snapshot_if_due(
    url: str | None = None, *, actor: Actor, now: datetime | None = None
) -> SnapshotReport | None:
    """Run `snapshot_live_scores` once a day (the worker calls this every pass); None when already done."""
    with session_scope(url) as session:
        due = lease.due_today(session, name=JOB, now=now or clock.now())
    return snapshot_live_scores(actor=actor, url=url) if due else None


def get_monthly_history(
    session: Session, *, agency_code: str, months: int = 12, until: date | None = None
) -> list[HistoryPoint]:
    """Return an agency's live figures per month, oldest first: closed months, then this month to date.

    Months without a snapshot are left out; an agency absent from a snapshot (or without dossiers that
    month) has None figures. Public figures (the live board is public): no actor needed.
    """
    last = bucket_of(until or clock.today(), "month")
    first = shift_period(last, months - 1).start
    rows = session.scalars(
        select(LiveScoreSnapshot)
        .where(
            LiveScoreSnapshot.kind == "month",
            LiveScoreSnapshot.period >= first,
            LiveScoreSnapshot.period <= last.start,
        )
        .order_by(LiveScoreSnapshot.period)
    )
    points = [HistoryPoint(r.period.strftime("%Y-%m"), True, read_snapshot(r).of(agency_code)) for r in rows]
    if not points or points[-1].month != last.label:
        latest = session.scalar(
            select(LiveScoreSnapshot)
            .where(
                LiveScoreSnapshot.kind == "day",
                LiveScoreSnapshot.period >= last.start,
                LiveScoreSnapshot.period < last.end,
            )
            .order_by(LiveScoreSnapshot.period.desc())
            .limit(1)
        )
        if latest is not None:
            points.append(HistoryPoint(last.label, False, read_snapshot(latest).of(agency_code)))
    return points


def fill_history(
    session: Session, *, actor: Actor, data_dir: Path, now: datetime, months: int = 13
) -> list[str]:
    """Write the `months` closed months before `now`'s month and today's snapshot, in one computation.

    The demo's history (bulk: one pass over the store, one scoring). Returns the months written.
    """
    _check_system(actor)
    current = bucket_of(now.date(), "month")
    first = shift_period(current, months)
    agencies = agencies_on(session, on=now.date())
    boards = compute_month_boards(data_dir=data_dir, first=first, last=current, now=now, agencies=agencies)
    for board in boards[:-1]:
        start = date.fromisoformat(board.period + "-01")
        write_snapshot(session, actor=actor, kind="month", period=start, snapshot=snapshot_of(board))
    write_snapshot(session, actor=actor, kind="day", period=now.date(), snapshot=snapshot_of(boards[-1]))
    return [b.period for b in boards[:-1]]
