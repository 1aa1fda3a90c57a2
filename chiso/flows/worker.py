"""The follow-up worker: one leader among the server processes sends the outbox and runs the scheduled jobs.

Flows layer: composes chiso.followup (outbox, senders, leases, requests) with the jobs of
chiso.flows.followup_jobs (rule evaluation, reminders, reports). Runs inside `chiso serve` (a thread,
unless CHISO_WORKER=0) and as `chiso worker`. Each step is its own transaction, committed before the
next: a claim is committed before anything is sent, each sent message is recorded as soon as the server
accepted it, so a worker killed at any point loses nothing (its claimed rows return when their lease
expires) and repeats at most the message in flight (same Message-ID / Idempotency-Key).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.flows import followup_jobs, indicator_jobs, indicator_reminders, live_history
from chiso.followup import lease, outbox
from chiso.followup.senders import PermanentFailure, SmtpSender, TemporaryFailure, send_webhook
from chiso.followup.settings import FollowupSettings, get_followup_settings
from chiso.store.db import get_engine, session_scope

log = logging.getLogger("chiso.worker")
LEADER = "worker"


def _seconds(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    claimed: int = 0
    sent: int = 0
    retry: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def new_worker_id() -> str:
    """Return an id naming this process (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _channels(settings: FollowupSettings) -> list[str]:
    return [c for c, on in (("email", settings.smtp is not None), ("webhook", settings.webhook_url)) if on]


def deliver_due(url: str | None = None, *, worker_id: str, limit: int = 200) -> DeliveryReport:
    """Claim due deliveries (one committed claim), send each and record each result as it happens."""
    settings = get_followup_settings()
    channels = _channels(settings)
    report = DeliveryReport()
    if not channels:
        return report
    lease_for = timedelta(seconds=_seconds("CHISO_DELIVERY_LEASE_S", outbox.LEASE.total_seconds()))
    with session_scope(url) as session:
        claimed = outbox.claim_due(
            session, worker_id=worker_id, limit=limit, lease=lease_for, channels=channels
        )
        batch = [(d.id, d.channel, d.recipient, d.idempotency_key, d.payload) for d in claimed]
    report.claimed = len(batch)
    if not batch:
        return report
    connection = get_engine(url).connect()
    _cheap_commits(connection)
    session = Session(bind=connection, expire_on_commit=False)
    try:
        with _smtp(settings) as smtp:
            for delivery_id, channel, recipient, key, payload in batch:
                try:
                    if channel == "email":
                        assert smtp is not None
                        smtp.send(key=key, to=recipient, payload=payload)
                    else:
                        assert settings.webhook_url is not None
                        send_webhook(
                            url=settings.webhook_url, secret=settings.webhook_secret, key=key, payload=payload
                        )
                except (TemporaryFailure, PermanentFailure) as exc:
                    permanent = isinstance(exc, PermanentFailure)
                    status = outbox.mark_failed(
                        session,
                        delivery_id=delivery_id,
                        worker_id=worker_id,
                        error=str(exc),
                        permanent=permanent,
                    )
                    report.failed += status == "failed"
                    report.retry += status == "pending"
                    report.errors.append(str(exc))
                else:
                    report.sent += outbox.mark_sent(session, delivery_ids=[delivery_id], worker_id=worker_id)
                session.commit()  # each result is kept the moment it is known
    finally:
        session.close()
        _cheap_commits(connection, undo=True)
        connection.close()
    return report


def _cheap_commits(connection: Connection, *, undo: bool = False) -> None:
    """On SQLite, commit each result without an fsync while sending (WAL, synchronous=NORMAL).

    A killed worker still loses no commit (WAL keeps it); only a power cut may take back the last few
    "sent" marks, and those messages go again with the same Message-ID. An fsync per message capped the
    rate near 80 per second. The send loop has a connection of its own, given back with FULL again.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA synchronous={'FULL' if undo else 'NORMAL'}")
        connection.commit()


class _NoSmtp:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _smtp(settings: FollowupSettings) -> SmtpSender | _NoSmtp:
    if settings.smtp is None:
        return _NoSmtp()
    return SmtpSender(settings.smtp, mail_from=settings.mail_from)


def drain(
    url: str | None = None, *, worker_id: str, limit: int = 200, max_passes: int = 1000
) -> DeliveryReport:
    """Send everything that is due now (several passes), e.g. after a burst of notifications."""
    total = DeliveryReport()
    for _ in range(max_passes):
        one = deliver_due(url, worker_id=worker_id, limit=limit)
        total.claimed += one.claimed
        total.sent += one.sent
        total.retry += one.retry
        total.failed += one.failed
        total.errors.extend(one.errors[:5])
        if one.claimed < limit:
            break
    return total


def run_pass(url: str | None = None, *, state: followup_jobs.JobState, worker_id: str) -> DeliveryReport:
    """One pass of the leader: the due jobs, then the outbox, the daily snapshot, compaction, reminders."""
    followup_jobs.run_due_jobs(url, state=state, now=clock.now())
    report = drain(url, worker_id=worker_id)
    live_history.snapshot_if_due(url, actor=SYSTEM)  # the live-score history's daily snapshot
    indicator_jobs.compact_if_due(url)  # the indicator cube's periodic compaction
    indicator_reminders.remind_if_due(url)  # departments late with indicator values, daily
    return report


def run_once(url: str | None = None, *, worker_id: str | None = None) -> DeliveryReport | None:
    """One pass as leader (`chiso worker --once`); None, doing nothing, while another process leads."""
    me = worker_id or new_worker_id()
    with session_scope(url) as session:
        if not lease.acquire(session, name=LEADER, holder=me, ttl=timedelta(minutes=10)):
            return None
    try:
        return run_pass(url, state=followup_jobs.resumed_state(url), worker_id=me)
    finally:
        with session_scope(url) as session:
            lease.release(session, name=LEADER, holder=me)


def run_worker(
    url: str | None = None,
    *,
    stop: threading.Event,
    worker_id: str | None = None,
    poll_s: float | None = None,
) -> None:
    """Loop until `stop` is set: while this process leads, run the due jobs and send the outbox.

    Leadership is a lease in the database (CHISO_LEADER_TTL_S, default 30 s) renewed every loop; when
    the leader dies another process takes over once its lease expired. Errors are logged, never fatal.
    """
    me = worker_id or new_worker_id()
    poll = poll_s if poll_s is not None else _seconds("CHISO_WORKER_POLL_S", 2.0)
    ttl = timedelta(seconds=_seconds("CHISO_LEADER_TTL_S", 30.0))
    state: followup_jobs.JobState | None = None  # resumed when this process first leads
    log.info("chiso worker %s started", me)
    try:
        while not stop.is_set():
            try:
                with session_scope(url) as session:
                    leading = lease.acquire(session, name=LEADER, holder=me, ttl=ttl)
                if leading:
                    if state is None:
                        state = followup_jobs.resumed_state(url)
                    run_pass(url, state=state, worker_id=me)
            except Exception:  # a bad pass must not stop the worker; the next pass tries again
                log.exception("worker pass failed")
                time.sleep(min(poll, 1.0))
            stop.wait(poll)
    finally:
        try:
            with session_scope(url) as session:
                lease.release(session, name=LEADER, holder=me)
        except Exception:
            log.exception("could not release the worker lease")
        log.info("chiso worker %s stopped", me)


def start_in_thread(url: str | None = None) -> tuple[threading.Thread, threading.Event] | None:
    """Start the worker in a daemon thread (inside `chiso serve`) unless CHISO_WORKER=0."""
    if not get_followup_settings().worker:
        return None
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, kwargs={"url": url, "stop": stop}, name="chiso-worker", daemon=True
    )
    thread.start()
    return thread, stop
