"""Accounts service: argon2 hashing, user creation rules, authentication, server-side sessions."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import (
    authenticate,
    create_user,
    deactivate_user,
    end_session,
    hash_password,
    purge_expired_sessions,
    resolve_session,
    start_session,
    verify_password,
)
from chiso.errors import Conflict, InvalidInput, PermissionDenied
from chiso.store.models.audit import AuditEntry
from chiso.store.models.users import WebSession
from chiso.units.agencies import create_agency


@settings(max_examples=8, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_hash_round_trip(password: str) -> None:
    hashed = hash_password(password)
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, password)
    assert not verify_password(hashed, password + "x")


def test_verify_never_raises_on_garbage() -> None:
    assert verify_password("not-a-hash", "pw") is False
    assert verify_password("", "pw") is False


def test_two_hashes_of_one_password_differ() -> None:
    first = hash_password("mật khẩu dài")
    assert first != hash_password("mật khẩu dài")
    assert "mật khẩu dài" not in first


def test_create_user_validates_every_field(db: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_user(db, username=" ", full_name="", password="short", role="king")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"username", "full_name", "password", "role"}


def test_reporter_needs_an_agency(db: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_user(db, username="acc_rep", full_name="Báo cáo", password="mat-khau-dai-1", role="reporter")
    assert [p.field for p in caught.value.problems] == ["agency_id"]
    agency = create_agency(
        db, actor=SYSTEM, code="ACC.SNV", name_vi="Sở Nội vụ", kind="department", province_code="48"
    )
    user = create_user(
        db,
        username="acc_rep",
        full_name="Báo cáo",
        password="mat-khau-dai-1",
        role="reporter",
        agency_id=agency.id,
    )
    assert user.agency_id == agency.id


def test_usernames_are_unique_case_insensitively(db: Session) -> None:
    create_user(db, username="Acc_Lead", full_name="Lãnh đạo", password="mat-khau-dai-1", role="leader")
    with pytest.raises(Conflict):
        create_user(db, username="acc_lead", full_name="Khác", password="mat-khau-dai-2", role="leader")


def test_authenticate(db: Session) -> None:
    user = create_user(
        db, username="acc_auth", full_name="Người A", password="đúng-mật-khẩu", role="assessor"
    )
    assert user.password_hash != "đúng-mật-khẩu"
    assert authenticate(db, username="ACC_AUTH", password="đúng-mật-khẩu").id == user.id
    for username, password in (("acc_auth", "sai"), ("acc_nobody", "đúng-mật-khẩu")):
        with pytest.raises(PermissionDenied) as caught:
            authenticate(db, username=username, password=password)
        assert caught.value.message_en == "Wrong username or password"
    user.is_active = False
    with pytest.raises(PermissionDenied):
        authenticate(db, username="acc_auth", password="đúng-mật-khẩu")


def test_sessions_store_only_the_token_hash_and_expire(db: Session) -> None:
    user = create_user(db, username="acc_sess", full_name="Người B", password="mat-khau-dai-1", role="leader")
    now = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    token, row = start_session(db, user=user, ttl=timedelta(hours=1), now=now)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert len(row.csrf_token) >= 32 and row.csrf_token != token
    found = resolve_session(db, token=token, now=now + timedelta(minutes=59))
    assert found is not None and found[1].id == user.id
    assert resolve_session(db, token=token + "x", now=now) is None
    assert resolve_session(db, token=None, now=now) is None
    assert resolve_session(db, token=token, now=now + timedelta(hours=1)) is None  # expired: deleted
    assert db.get(WebSession, row.token_hash) is None


def test_end_and_purge_sessions(db: Session) -> None:
    user = create_user(db, username="acc_end", full_name="Người C", password="mat-khau-dai-1", role="leader")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    token, _ = start_session(db, user=user, now=now)
    assert end_session(db, token=token) is True
    assert end_session(db, token=token) is False
    start_session(db, user=user, ttl=timedelta(minutes=5), now=now)
    keep, _ = start_session(db, user=user, ttl=timedelta(days=1), now=now)
    assert purge_expired_sessions(db, now=now + timedelta(hours=1)) >= 1
    left = db.scalars(select(WebSession).where(WebSession.user_id == user.id)).all()
    assert [r.token_hash for r in left] == [hashlib.sha256(keep.encode()).hexdigest()]


def test_logins_are_audited(db: Session) -> None:
    create_user(db, username="acc_audit", full_name="Người D", password="password-ok-7", role="leader")
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    authenticate(db, username="acc_audit", password="password-ok-7", now=now)
    with pytest.raises(PermissionDenied):
        authenticate(db, username="ACC_audit", password="wrong", now=now)
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == "acc_audit").order_by(AuditEntry.id)
    ).all()
    assert actions == ["user.login", "user.login_failed"]


def test_deactivating_a_user_ends_their_sessions(db: Session) -> None:
    user = create_user(
        db, username="acc_leaver", full_name="Người E", password="mat-khau-dai-1", role="leader"
    )
    tokens = [start_session(db, user=user)[0] for _ in range(2)]
    assert deactivate_user(db, user=user, actor=SYSTEM) == 2
    assert all(resolve_session(db, token=token) is None for token in tokens)
    assert db.scalars(select(WebSession).where(WebSession.user_id == user.id)).all() == []
    with pytest.raises(PermissionDenied):
        authenticate(db, username="acc_leaver", password="mat-khau-dai-1")
