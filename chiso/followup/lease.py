"""Leases in the SQL store: one leader among several server processes, and jobs that run once a day.

Domain layer; imports chiso.store. A lease is one row per name; taking it is one conditional UPDATE
(holder is me, or the lease expired), atomic on SQLite and PostgreSQL, so two processes never both hold
it. The holder renews it on every loop; a process that dies stops renewing and another takes over once
the lease expires.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chiso import clock
from chiso.store.models.followup import WorkerLease


def acquire(session: Session, *, name: str, holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the lease `name` for `holder` until now + ttl; return True when the holder has it."""
    moment = now or clock.now()
    if session.get(WorkerLease, name) is None:
        try:
            with session.begin_nested():
                session.add(WorkerLease(name=name, holder=None, expires_at=None))
        except IntegrityError:
            pass  # another process created it first
    result = session.execute(
        update(WorkerLease)
        .where(
            WorkerLease.name == name,
            or_(WorkerLease.holder == holder, WorkerLease.holder.is_(None), WorkerLease.expires_at < moment),
        )
        .values(holder=holder, expires_at=moment + ttl)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def release(session: Session, *, name: str, holder: str) -> None:
    """Give the lease up (a clean shutdown), so another process takes over at once."""
    session.execute(
        update(WorkerLease)
        .where(WorkerLease.name == name, WorkerLease.holder == holder)
        .values(holder=None, expires_at=None)
        .execution_options(synchronize_session=False)
    )


def holder_of(session: Session, *, name: str, now: datetime | None = None) -> str | None:
    """Return who holds the lease now (None when free or expired)."""
    row = session.get(WorkerLease, name, populate_existing=True)
    moment = now or clock.now()
    if row is None or row.holder is None or row.expires_at is None or row.expires_at < moment:
        return None
    return row.holder


def due_today(session: Session, *, name: str, now: datetime | None = None) -> bool:
    """Return True (and record the run) when job `name` has not run yet on today's date in the province."""
    moment = now or clock.now()
    row = _job(session, name)
    if (
        row.last_run_at is not None
        and clock.to_local(row.last_run_at).date() >= clock.to_local(moment).date()
    ):
        return False
    row.last_run_at = moment
    session.flush()
    return True


def mark_run(session: Session, *, name: str, at: datetime) -> None:
    """Record that job `name` completed a run that began `at` (read back with `last_run`)."""
    row = _job(session, name)
    row.last_run_at = at
    session.flush()


def last_run(session: Session, *, name: str) -> datetime | None:
    """Return when job `name` last ran (began), or None if never."""
    row = session.get(WorkerLease, name)
    return row.last_run_at if row is not None else None


def _job(session: Session, name: str) -> WorkerLease:
    """The row of job `name`, created (unsaved until the flush) on its first run."""
    row = session.get(WorkerLease, name)
    if row is None:
        row = WorkerLease(name=name)
        session.add(row)
    return row
