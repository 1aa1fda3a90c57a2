"""Login throttling: an atomic attempt counter per username and per client address; imports chiso.store.

Every attempt is counted *before* its password is checked, by one `UPDATE ... RETURNING` on the key's
row (the row lock on PostgreSQL, the write lock on SQLite, serialise concurrent claims), so forty
simultaneous guesses cannot all read "9 failures" and all be evaluated. A username gets a few free
attempts, then each further one waits twice as long as the last, capped at a few minutes: an attacker
can slow the owner down, never lock them out for long. A client address gets more free attempts and a
longer cap, so one machine guessing many usernames is stopped too. A success forgets the username's
count. The caller commits the claim at once (the login route does), so no lock is held while argon2 runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chiso import clock
from chiso.errors import PermissionDenied
from chiso.store.models.logins import LoginThrottle

# A key quiet for this long starts again from zero.
FORGET_AFTER = timedelta(minutes=15)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    """How one kind of key is throttled: attempts without delay, then 1 s, 2 s, 4 s ... up to `max_delay`."""

    prefix: str
    free_attempts: int
    max_delay: timedelta

    def delay_after(self, attempts: int) -> timedelta:
        """Return how long the key must wait after its `attempts`-th attempt (0 while attempts are free)."""
        if attempts < self.free_attempts:
            return timedelta(0)
        seconds = 2.0 ** min(attempts - self.free_attempts, 30)
        return min(self.max_delay, timedelta(seconds=seconds))


USERNAME_RULE = Rule("user", free_attempts=5, max_delay=timedelta(minutes=5))
# Generous: a whole office behind one NAT logs in at 8:00 and some mistype; successes give theirs back.
ADDRESS_RULE = Rule("addr", free_attempts=100, max_delay=timedelta(minutes=15))


class TooManyAttempts(PermissionDenied):
    """An attempt came before the key's delay had passed; it was not evaluated."""

    status = 429

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = max(1, math.ceil(retry_after.total_seconds()))
        super().__init__(
            f"Có nhiều lần đăng nhập sai; hãy thử lại sau {self.retry_after} giây",
            f"Too many failed logins; try again in {self.retry_after} seconds",
        )


def throttle_keys(*, username: str, address: str | None) -> list[tuple[Rule, str]]:
    """Return the (rule, key) pairs an attempt is counted under: the address first, then the username."""
    keys = [(USERNAME_RULE, f"user:{(username or '').strip().lower()[:150]}")]
    if address:
        keys.insert(0, (ADDRESS_RULE, f"addr:{address[:150]}"))
    return keys


def _ensure_row(session: Session, key: str, now: datetime) -> None:
    values = {"key": key, "attempts": 0, "next_allowed_at": _EPOCH, "updated_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(LoginThrottle).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(LoginThrottle).values(values).on_conflict_do_nothing())
    elif session.get(LoginThrottle, key) is None:  # other backends: good enough for a single writer
        session.add(LoginThrottle(**values))
        session.flush()


def _claim_one(session: Session, rule: Rule, key: str, now: datetime) -> None:
    _ensure_row(session, key, now)
    counted = session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.next_allowed_at <= now)
        .values(
            attempts=case(
                (LoginThrottle.updated_at < now - FORGET_AFTER, 1), else_=LoginThrottle.attempts + 1
            ),
            updated_at=now,
        )
        .returning(LoginThrottle.attempts)
        .execution_options(synchronize_session=False)
    ).scalar()
    if counted is None:
        wait_until = session.scalar(select(LoginThrottle.next_allowed_at).where(LoginThrottle.key == key))
        raise TooManyAttempts((wait_until or now) - now)
    delay = rule.delay_after(int(counted))
    if delay:
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(next_allowed_at=now + delay)
            .execution_options(synchronize_session=False)
        )


def claim_attempt(
    session: Session, *, username: str, address: str | None, now: datetime | None = None
) -> None:
    """Count one login attempt under its address and username, or refuse it before it is evaluated.

    Args:
        session: the SQLAlchemy session; commit it right after, before checking the password.
        username: the login name typed (case-insensitive; unknown names are counted too).
        address: the client's address, or None (the CLI).
        now: the current time (tests pass one).

    Raises:
        TooManyAttempts: the address or the username must wait; nothing was evaluated.
    """
    now = now or clock.now()
    for rule, key in throttle_keys(username=username, address=address):
        _claim_one(session, rule, key, now)
    session.flush()


def forget_failures(
    session: Session, *, username: str, address: str | None, now: datetime | None = None
) -> None:
    """After a successful login: clear the username's count and take this attempt off the address's."""
    now = now or clock.now()
    for rule, key in throttle_keys(username=username, address=address):
        if rule is USERNAME_RULE:
            values = {"attempts": 0, "next_allowed_at": now, "updated_at": now}
        else:
            values = {"attempts": case((LoginThrottle.attempts > 0, LoginThrottle.attempts - 1), else_=0)}
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(values)
            .execution_options(synchronize_session=False)
        )
    session.flush()


def attempts_of(session: Session, *, key: str) -> int:
    """Return the attempts counted under a key ("user:<name>" or "addr:<ip>"), 0 when none."""
    return int(session.scalar(select(LoginThrottle.attempts).where(LoginThrottle.key == key)) or 0)
