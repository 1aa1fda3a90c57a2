"""The outbox: deliveries waiting to be sent, claimed by one worker at a time, retried with backoff.

Domain layer; imports chiso.store and chiso.accounts. The worker (chiso.flows.worker) commits after each
step: `claim_due` (the claim is a lease: a worker killed mid-send leaves rows whose lease expires and
another claim takes them again), then `mark_sent` or `mark_failed` per message. A row marked sent is
never claimed again; its idempotency key travels with the message (the e-mail's Message-ID, the webhook's
Idempotency-Key header) so a receiver can drop the one repeat an SMTP crash window can cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.errors import PermissionDenied
from chiso.store.models.followup import Delivery

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)


def backoff(attempts: int) -> timedelta:
    """Return the wait before the next try after `attempts` failed tries: 30 s, 1 min, 2 min, ... <= 6 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def claim_due(
    session: Session,
    *,
    worker_id: str,
    limit: int = 200,
    now: datetime | None = None,
    lease: timedelta = LEASE,
    channels: Sequence[str] = ("email", "webhook"),
) -> list[Delivery]:
    """Claim up to `limit` deliveries that are due (or whose previous worker's lease expired).

    The claim sets status "sending", the worker's id and a lease; the caller commits it before sending.
    On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent claims never take the same row.
    """
    moment = now or clock.now()
    due = or_(
        (Delivery.status == "pending") & (Delivery.next_attempt_at <= moment),
        (Delivery.status == "sending") & (Delivery.locked_until < moment),
    )
    stmt = (
        select(Delivery.id)
        .where(due, Delivery.channel.in_(list(channels)))
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(session.scalars(stmt))
    if not ids:
        return []
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), due)
        .values(
            status="sending", locked_by=worker_id, locked_until=moment + lease, attempts=Delivery.attempts + 1
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()
    stmt2 = (
        select(Delivery).where(Delivery.id.in_(ids), Delivery.locked_by == worker_id).order_by(Delivery.id)
    )
    return list(session.scalars(stmt2.execution_options(populate_existing=True)))


def mark_sent(
    session: Session, *, delivery_ids: Sequence[int], worker_id: str, now: datetime | None = None
) -> int:
    """Record deliveries as sent (only those this worker still holds); return how many."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(list(delivery_ids)), Delivery.locked_by == worker_id, Delivery.status == "sending"
        )
        .values(status="sent", sent_at=now or clock.now(), locked_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mark_failed(
    session: Session,
    *,
    delivery_id: int,
    worker_id: str,
    error: str,
    permanent: bool = False,
    now: datetime | None = None,
) -> str:
    """Record a failed try: retry later with backoff, or give up (permanent error or too many tries).

    Returns:
        The new status: "pending" (will retry) or "failed" (shown to the secretariat).
    """
    moment = now or clock.now()
    row = session.get(Delivery, delivery_id)
    if row is None or row.locked_by != worker_id or row.status != "sending":
        return row.status if row is not None else "missing"
    row.last_error = error[:2000]
    row.locked_until = None
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.status = "pending"
        row.next_attempt_at = moment + backoff(row.attempts)
    session.flush()
    return row.status


def retry_failed(session: Session, *, delivery_ids: Sequence[int], actor: Actor) -> int:
    """Queue failed deliveries again (secretariat, after fixing an address or the SMTP settings)."""
    if not is_system(actor) and actor.role != "secretariat":
        raise PermissionDenied("Chỉ văn phòng gửi lại được thư", "Only the secretariat can resend messages")
    rows = list(
        session.scalars(
            select(Delivery).where(Delivery.id.in_(list(delivery_ids)), Delivery.status == "failed")
        )
    )
    moment = clock.now()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = "pending", 0, moment
        record_change(
            session,
            action="delivery.retry",
            object_type="delivery",
            object_id=row.id,
            actor=actor,
            old="failed",
            new="pending",
            flush=False,
        )
    session.flush()
    return len(rows)


def delivery_counts(session: Session) -> dict[str, int]:
    """Return the number of deliveries per status."""
    rows = session.execute(select(Delivery.status, func.count(Delivery.id)).group_by(Delivery.status))
    return {status: int(n) for status, n in rows}


def list_deliveries(
    session: Session, *, actor: Actor, status: str | None = None, limit: int = 200
) -> list[Delivery]:
    """List deliveries, failed ones first then newest (secretariat: the outbox page).

    Raises:
        PermissionDenied: the actor is not the secretariat.
    """
    if not is_system(actor) and actor.role != "secretariat":
        raise PermissionDenied("Chỉ văn phòng xem được hộp thư đi", "Only the secretariat sees the outbox")
    stmt = select(Delivery)
    if status:
        stmt = stmt.where(Delivery.status == status)
    order = (Delivery.status != "failed", Delivery.created_at.desc(), Delivery.id.desc())
    return list(session.scalars(stmt.order_by(*order).limit(limit)))
