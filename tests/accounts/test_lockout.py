"""Login throttling: free attempts, then a doubling delay per username (capped) and per client address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.accounts.lockout import (
    ADDRESS_RULE,
    USERNAME_RULE,
    TooManyAttempts,
    attempts_of,
    claim_attempt,
)
from chiso.accounts.service import authenticate, create_user
from chiso.errors import PermissionDenied
from chiso.store.models.audit import AuditEntry

RIGHT = "dung-mat-khau-9x"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _evaluated(db: Session, username: str) -> int:
    return int(
        db.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action.like("user.login%"), AuditEntry.object_id == username
            )
        )
        or 0
    )


def _fail(db: Session, username: str, now: datetime, address: str | None = None) -> None:
    with pytest.raises(PermissionDenied) as caught:
        authenticate(db, username=username, password="sai-mat-khau", address=address, now=now)
    assert not isinstance(caught.value, TooManyAttempts)


def test_free_attempts_then_the_owner_waits_not_long(db: Session) -> None:
    create_user(db, username="lk_owner", full_name="Chủ tài khoản", password=RIGHT, role="leader")
    for _ in range(USERNAME_RULE.free_attempts):
        _fail(db, "lk_owner", T0)
    with pytest.raises(TooManyAttempts) as caught:  # even the right password is not checked now
        authenticate(db, username="lk_owner", password=RIGHT, now=T0)
    assert caught.value.status == 429 and caught.value.retry_after == 1
    assert "giây" in caught.value.message_vi and "seconds" in caught.value.message_en
    assert _evaluated(db, "lk_owner") == USERNAME_RULE.free_attempts
    # An attacker keeps guessing whenever the delay allows: the delay doubles but stays capped.
    now = T0
    for _ in range(20):
        now += USERNAME_RULE.delay_after(attempts_of(db, key="user:lk_owner"))
        _fail(db, "lk_owner", now)
    assert USERNAME_RULE.delay_after(attempts_of(db, key="user:lk_owner")) == USERNAME_RULE.max_delay
    assert USERNAME_RULE.max_delay <= timedelta(minutes=5)
    # The owner gets in as soon as the (capped) delay has passed, and that clears the count.
    assert authenticate(db, username="lk_owner", password=RIGHT, now=now + USERNAME_RULE.max_delay).id
    assert attempts_of(db, key="user:lk_owner") == 0


def test_an_address_guessing_many_usernames_is_stopped(db: Session) -> None:
    create_user(db, username="lk_victim", full_name="Nạn nhân", password=RIGHT, role="assessor")
    _fail(db, "lk_guess", T0, address="203.0.113.9")
    for n in range(1, ADDRESS_RULE.free_attempts):  # counted the same way, without argon2's 0.1 s each
        claim_attempt(db, username=f"lk_guess{n}", address="203.0.113.9", now=T0)
    with pytest.raises(TooManyAttempts):
        authenticate(db, username="lk_victim", password=RIGHT, address="203.0.113.9", now=T0)
    assert attempts_of(db, key="user:lk_victim") == 0  # refused by address: the username is not charged
    # The owner, from their own address, is not affected.
    assert authenticate(db, username="lk_victim", password=RIGHT, address="198.51.100.7", now=T0).id


def test_a_quiet_key_is_forgotten(db: Session) -> None:
    for _ in range(3):
        claim_attempt(db, username="lk_quiet", address=None, now=T0)
    claim_attempt(db, username="lk_quiet", address=None, now=T0 + timedelta(minutes=16))
    assert attempts_of(db, key="user:lk_quiet") == 1


@given(st.integers(min_value=0, max_value=10_000))
def test_delay_is_monotone_and_capped(attempts: int) -> None:
    for rule in (USERNAME_RULE, ADDRESS_RULE):
        delay = rule.delay_after(attempts)
        assert timedelta(0) <= delay <= rule.max_delay
        assert delay <= rule.delay_after(attempts + 1)
        assert (delay == timedelta(0)) == (attempts < rule.free_attempts)
