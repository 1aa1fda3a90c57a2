"""`chiso monitor ingest` and `chiso monitor token ...` through the real CLI on a temporary data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run_cli

from chiso.monitoring.records.store import read_records

CSV = (
    "dossier_id,agency_code,procedure_code,channel,received_at,status\n"
    "D1,A1,P1,online,2026-08-03T09:00:00+07:00,received\n"
    "D2,A1,P1,fax,2026-08-03,received\n"
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHISO_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "var"


def test_ingest_reports_counts_and_the_reject_file(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "hoso.csv"
    path.write_text(CSV, encoding="utf-8")
    code, out = run_cli("monitor", "ingest", str(path), "--rejects", str(tmp_path / "rej"))
    assert code == 0, out
    assert "stored 1" in out and "rejected 1" in out and "2026-08" in out
    assert (tmp_path / "rej").is_dir() and next((tmp_path / "rej").glob("*hoso.rejects.csv"))
    code, out = run_cli("monitor", "ingest", str(path), "--json")
    body = json.loads(out)
    assert code == 0 and (body["stored"], body["unchanged"], body["rejected"]) == (0, 1, 1)
    assert [r["dossier_id"] for r in read_records("dossiers", data_dir=data_dir).to_pylist()] == ["D1"]


def test_ingest_refuses_a_missing_file_or_kind_with_one_message(tmp_path: Path, data_dir: Path) -> None:
    code, out = run_cli("monitor", "ingest", str(tmp_path / "none.csv"))
    assert code == 1 and "File not found" in out and "Traceback" not in out
    path = tmp_path / "x.csv"
    path.write_text(CSV, encoding="utf-8")
    code, out = run_cli("monitor", "ingest", str(path), "--kind", "letters")
    assert code == 1 and "Unknown record kind" in out


def test_token_create_list_revoke(data_dir: Path) -> None:
    assert run_cli("init")[0] == 0
    code, out = run_cli("monitor", "token", "create", "Một cửa")
    assert code == 0 and "chiso_" in out
    code, out = run_cli("monitor", "token", "create", "Một cửa")
    assert code == 1 and "exists" in out
    assert "Một cửa" in run_cli("monitor", "token", "list")[1]
    code, out = run_cli("monitor", "token", "revoke", "Một cửa")
    assert code == 0 and "revoked" in run_cli("monitor", "token", "list")[1]
    assert run_cli("monitor", "token", "revoke", "khác")[0] == 1
