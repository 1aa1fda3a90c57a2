"""POST /api/records/{kind}: integrators push records with a bearer token; others are refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from chiso.accounts.tokens import create_token, revoke_token
from chiso.config import get_settings
from chiso.monitoring.records.store import read_records
from chiso.store import session_scope
from chiso.store.models.monitoring import IntegratorToken

DOSSIER = {
    "dossier_id": "HS-1",
    "agency_code": "WT.SNV",
    "procedure_code": "1.000001",
    "channel": "online",
    "received_at": "2026-08-03T09:00:00+07:00",
    "status": "received",
}


@pytest.fixture
def token(seed: Any) -> Iterator[str]:
    """Create a committed integrator token (removed afterwards)."""
    with session_scope(seed.url) as s:
        s.execute(delete(IntegratorToken).where(IntegratorToken.name.like("wt-int-%")))
        _, secret = create_token(s, name="wt-int-mot-cua")
    try:
        yield secret
    finally:
        with session_scope(seed.url) as s:
            s.execute(delete(IntegratorToken).where(IntegratorToken.name.like("wt-int-%")))


def post(client: TestClient, kind: str, records: object, secret: str | None) -> object:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.post(f"/api/records/{kind}", json={"records": records}, headers=headers)


def data_dir() -> Path:
    return get_settings().data_dir


def test_a_valid_token_stores_records_and_reports_rejects(client: TestClient, token: str) -> None:
    bad = {**DOSSIER, "dossier_id": "HS-2", "channel": "fax"}
    response = post(client, "dossiers", [DOSSIER, bad, 7], token)
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert (body["ok"], body["read"], body["stored"], body["rejected"]) == (True, 3, 1, 2)
    assert [(r["row"], r["column"]) for r in body["rejects"]] == [(2, "channel"), (3, None)]
    assert body["affected"] == {"dossiers": [["WT.SNV", "2026-08"]]}
    rows = read_records("dossiers", data_dir=data_dir()).to_pylist()
    assert [r["dossier_id"] for r in rows] == ["HS-1"]
    again = post(client, "dossiers", [DOSSIER], token).json()  # type: ignore[attr-defined]
    assert (again["stored"], again["unchanged"]) == (0, 1)


@pytest.mark.parametrize("secret", [None, "chiso_not-a-real-token"])
def test_no_token_or_a_wrong_one_is_refused_with_401(
    client: TestClient, token: str, secret: str | None
) -> None:
    response = post(client, "dossiers", [DOSSIER], secret)
    assert response.status_code == 401  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["ok"] is False and "token" in body["error"]
    assert read_records("dossiers", data_dir=data_dir()).num_rows == 0


def test_a_revoked_token_is_refused(client: TestClient, seed: Any, token: str) -> None:
    with session_scope(seed.url) as s:
        revoke_token(s, name="wt-int-mot-cua")
    assert post(client, "petitions", [], token).status_code == 401  # type: ignore[attr-defined]


def test_a_logged_in_person_without_a_token_gets_403(
    client: TestClient, login: Callable[[str], str], token: str
) -> None:
    csrf = login("secretariat")
    response = client.post(
        "/api/records/dossiers", json={"records": [DOSSIER]}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 403


def test_unknown_kind_is_404_and_a_body_without_records_is_an_empty_batch(
    client: TestClient, token: str
) -> None:
    assert post(client, "letters", [DOSSIER], token).status_code == 404  # type: ignore[attr-defined]
    response = client.post("/api/records/pakn", json={}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["read"] == 0
