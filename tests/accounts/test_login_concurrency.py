"""Forty simultaneous logins against the real app and database: no attempt past the free ones is evaluated.

The probe of issue 16 saw 31 of 40 concurrent attempts evaluated (count-then-insert) and the right
password accepted at attempt 25. Threads post the real login form through the app, on SQLite and on
PostgreSQL when CHISO_TEST_POSTGRES_URL is set; the clock is frozen, so no delay runs out meanwhile.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from chiso import clock
from chiso.accounts.lockout import USERNAME_RULE, attempts_of
from chiso.accounts.service import create_user
from chiso.store import session_scope
from chiso.store.models.audit import AuditEntry
from chiso.store.models.logins import LoginThrottle
from chiso.store.models.users import User
from chiso.web.app import create_app

RIGHT = "dung-mat-khau-9x"
USERNAME = "lkc_owner"
ATTEMPTS = 40


def _cleanup(url: str) -> None:
    with session_scope(url) as s:
        s.execute(delete(AuditEntry).where(AuditEntry.object_id == USERNAME))
        s.execute(delete(LoginThrottle).where(LoginThrottle.key.in_([f"user:{USERNAME}", "addr:testclient"])))
        s.execute(delete(User).where(User.username == USERNAME))


@pytest.fixture
def client(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    _cleanup(store_url)
    with session_scope(store_url) as s:
        create_user(s, username=USERNAME, full_name="Chủ tài khoản", password=RIGHT, role="leader")
    monkeypatch.setenv("CHISO_DATABASE_URL", store_url)
    try:
        with TestClient(create_app(), raise_server_exceptions=False) as test_client:
            yield test_client
    finally:
        _cleanup(store_url)


def _form(client: TestClient, password: str) -> dict[str, str]:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return {"username": USERNAME, "password": password, "next": "/", "csrf_token": token.group(1)}


def test_forty_concurrent_attempts_evaluate_only_the_free_ones(client: TestClient, store_url: str) -> None:
    wrong = _form(client, "sai-mat-khau")
    # The right password sits at attempt 25, as in the probe; it must not be evaluated either.
    forms = [wrong] * ATTEMPTS
    forms[24] = {**wrong, "password": RIGHT}
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with clock.frozen(start), ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        codes = list(pool.map(lambda data: client.post("/login", data=data, follow_redirects=False), forms))
    statuses = Counter(r.status_code for r in codes)
    free = USERNAME_RULE.free_attempts
    with session_scope(store_url) as s:
        evaluated = s.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.object_id == USERNAME, AuditEntry.action.like("user.login%")
            )
        )
        counted = attempts_of(s, key=f"user:{USERNAME}")
    assert evaluated == counted == free, statuses
    assert statuses[429] == ATTEMPTS - free and statuses[401] + statuses[303] == free, statuses
    refused = next(r for r in codes if r.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Too many failed logins" in refused.text or "nhiều lần đăng nhập sai" in refused.text
    if statuses[303] == 0:  # the right one came after the free attempts: refused unread
        with clock.frozen(start):
            assert client.post("/login", data=forms[24], follow_redirects=False).status_code == 429
        # The owner waits at most the capped delay, then gets in.
        with clock.frozen(start + USERNAME_RULE.max_delay + timedelta(seconds=1)):
            assert client.post("/login", data=forms[24], follow_redirects=False).status_code == 303
