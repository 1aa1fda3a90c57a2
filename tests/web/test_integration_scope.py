"""Integrator tokens scoped to record kinds and an agency subtree, and rate-limited (issue 16 item 13)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from chiso.accounts.tokens import RATES, RateLimited, RateLimiter, agency_subtree, create_token
from chiso.errors import InvalidInput
from chiso.store import session_scope
from chiso.store.models.agencies import Agency
from chiso.store.models.monitoring import IntegratorToken

DOSSIER = {
    "dossier_id": "SC-1", "agency_code": "WT.SNV", "procedure_code": "1.000001", "channel": "online",
    "received_at": "2026-08-03T09:00:00+07:00", "status": "received",
}  # fmt: skip


@pytest.fixture
def make_token(seed: Any) -> Iterator[Any]:
    """Return `make_token(**scope)`: a committed token (all removed afterwards)."""

    def _make(**scope: Any) -> str:
        with session_scope(seed.url) as s:
            _, secret = create_token(s, name=f"wt-scope-{len(made)}", **scope)
        made.append(secret)
        return secret

    made: list[str] = []
    with session_scope(seed.url) as s:
        s.execute(delete(IntegratorToken).where(IntegratorToken.name.like("wt-scope-%")))
    yield _make
    with session_scope(seed.url) as s:
        s.execute(delete(IntegratorToken).where(IntegratorToken.name.like("wt-scope-%")))


def post(client: TestClient, kind: str, records: list[dict[str, Any]], secret: str) -> Any:
    return client.post(
        f"/api/records/{kind}", json={"records": records}, headers={"Authorization": f"Bearer {secret}"}
    )


def _shape(body: dict[str, Any], status: int) -> None:
    assert (
        body["ok"] is False
        and body["status"] == status
        and body["error"]
        and isinstance(body["errors"], list)
    )


def test_a_token_outside_its_record_kinds_gets_403(client: TestClient, make_token: Any) -> None:
    secret = make_token(record_kinds=["petitions"])
    response = post(client, "dossiers", [DOSSIER], secret)
    assert response.status_code == 403
    _shape(response.json(), 403)
    assert "dossiers" in response.json()["error"]


def test_a_token_outside_its_agency_subtree_gets_403_and_stores_nothing(
    client: TestClient, make_token: Any, seed: Any
) -> None:
    with session_scope(seed.url) as s:
        snv = s.scalar(select(Agency).where(Agency.code == "WT.SNV"))
        assert snv is not None
        child = s.scalar(select(Agency).where(Agency.code == "WT.SNV.PHONG"))
        if child is None:
            s.add(Agency(code="WT.SNV.PHONG", name_vi="Phòng thử nghiệm", name_ascii="phong thu nghiem",
                         kind="other", province_code="48", parent_id=snv.id))  # fmt: skip
    secret = make_token(agency_root="WT.SNV")
    inside = post(
        client,
        "dossiers",
        [DOSSIER, {**DOSSIER, "dossier_id": "SC-2", "agency_code": "WT.SNV.PHONG"}],
        secret,
    )
    assert inside.status_code == 200, inside.text
    outside = post(client, "dossiers", [{**DOSSIER, "dossier_id": "SC-3", "agency_code": "WT.SKHCN"}], secret)
    assert outside.status_code == 403
    _shape(outside.json(), 403)
    assert "WT.SKHCN" in outside.json()["error"]
    with session_scope(seed.url) as s:
        s.execute(delete(Agency).where(Agency.code == "WT.SNV.PHONG"))


def test_a_token_past_its_rate_gets_429(client: TestClient, make_token: Any) -> None:
    secret = make_token(rate_per_minute=3)
    statuses = [
        post(client, "dossiers", [{**DOSSIER, "dossier_id": f"R-{i}"}], secret).status_code for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    last = post(client, "dossiers", [DOSSIER], secret)
    _shape(last.json(), 429)


def test_an_unknown_root_agency_or_rate_is_refused(seed: Any) -> None:
    with session_scope(seed.url) as s, pytest.raises(InvalidInput):
        create_token(s, name="wt-scope-bad", agency_root="WT.NOBODY")
    with session_scope(seed.url) as s, pytest.raises(InvalidInput):
        create_token(s, name="wt-scope-bad", rate_per_minute=0)


def test_the_subtree_holds_the_root_and_its_descendants_only(seed: Any) -> None:
    with session_scope(seed.url) as s:
        assert "WT.SNV" in agency_subtree(s, root="WT.SNV")
        assert "WT.SKHCN" not in agency_subtree(s, root="WT.SNV")


@settings(max_examples=30, deadline=None)
@given(limit=st.integers(min_value=1, max_value=20), extra=st.integers(min_value=1, max_value=5))
def test_the_limiter_admits_exactly_the_rate_in_a_minute_then_again_after_it(limit: int, extra: int) -> None:
    limiter = RateLimiter()
    token = IntegratorToken(id=1, name="t", token_hash="h", rate_per_minute=limit)
    for i in range(limit):
        limiter.admit(token, now=float(i) / 100)
    for _ in range(extra):
        with pytest.raises(RateLimited):
            limiter.admit(token, now=1.0)
    limiter.admit(token, now=61.0)
    assert RATES is not limiter
