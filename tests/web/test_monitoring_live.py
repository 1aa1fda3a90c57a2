"""The live 766 board: page, htmx fragment, JSON twin, sorting, and new records on the next poll."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from chiso.config import get_settings
from chiso.flows.live import local_now as now_in_vietnam
from chiso.monitoring.ingest import ingest_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "monitoring"))
from metric_data import dossiers  # noqa: E402


def _ingest(tmp_path: Path, name: str, *rows: dict[str, object]) -> None:
    path = tmp_path / f"{name}.parquet"
    pq.write_table(dossiers(*rows), path)
    ingest_files([path], data_dir=get_settings().data_dir)


def _recent(agency: str, dossier_id: str, **extra: object) -> dict[str, object]:
    now = now_in_vietnam()
    received = max(now.replace(day=1, hour=0, minute=5), now - timedelta(hours=2))
    return {
        "dossier_id": dossier_id, "agency_code": agency, "received_at": received.isoformat(sep=" "),
        "due_at": (now + timedelta(days=3)).isoformat(sep=" "), **extra,
    }  # fmt: skip


def test_live_page_fragment_json_and_new_records(client: TestClient, tmp_path: Path) -> None:
    _ingest(tmp_path, "first", _recent("WT.SNV", "L1"), _recent("WT.SNV", "L2", channel="online"))
    page = client.get("/monitoring/live")
    assert page.status_code == 200
    assert 'hx-trigger="live-tick"' in page.text and 'id="board"' in page.text
    assert "WT.SNV" in page.text and "<polyline" in page.text
    assert 'rel="alternate"' in page.text and "/api/monitoring/live" in page.text

    fragment = client.get("/monitoring/live", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="board"') and "<html" not in fragment.text
    assert {"HX-Request", "Accept"} <= {v.strip() for v in fragment.headers["vary"].split(",")}

    data = client.get("/api/monitoring/live").json()
    snv = next(r for r in data["rows"] if r["agency_code"] == "WT.SNV")
    assert snv["received"] == 2 and snv["name"].startswith("Sở Nội vụ")
    assert snv["components"]["TIMELINESS_GROUP"] == 20.0  # both still open, due in 3 days
    assert len(snv["trend"]) == len(data["months"]) == 6

    started = time.monotonic()
    _ingest(tmp_path, "second", _recent("WT.SKHCN", "L3"))
    codes: list[str] = []
    while "WT.SKHCN" not in codes:  # a later poll shows them (the board is recomputed in the background)
        assert time.monotonic() - started < 15  # generous on a shared machine; the page polls every 2 s
        again = client.get("/api/monitoring/live?sort=agency_code&order=desc").json()
        codes = [r["agency_code"] for r in again["rows"]]
        time.sleep(0.2)
    assert codes == sorted(codes, reverse=True)


def test_unknown_sort_column_is_refused(client: TestClient) -> None:
    response = client.get("/api/monitoring/live?sort=password")
    assert response.status_code == 422
    assert response.json()["ok"] is False


def test_board_lists_only_agencies_that_exist_this_month(client: TestClient, tmp_path: Path) -> None:
    """WT.STTTT merged into WT.SKHCN in 2025 and WT.UBND.HC was abolished: neither is on today's board."""
    _ingest(tmp_path, "now", _recent("WT.SNV", "E1"), _recent("WT.SKHCN", "E2"))
    codes = {r["agency_code"] for r in client.get("/api/monitoring/live").json()["rows"]}
    assert {"WT.SNV", "WT.SKHCN"} <= codes
    assert not codes & {"WT.STTTT", "WT.UBND.HC", "WT.UBND.P1"}


def test_board_shows_the_group_and_downloads_as_csv_and_excel(client: TestClient, tmp_path: Path) -> None:
    _ingest(tmp_path, "dl", _recent("WT.SNV", "D1"), _recent("WT.SKHCN", "D2"))
    page = client.get("/monitoring/live")
    assert "Sở, ban, ngành" in page.text and "/monitoring/live.csv" in page.text
    rows = client.get("/api/monitoring/live").json()["rows"]
    keys = [(r["level"] or "", r["rank"]) for r in rows if r["rank"] is not None]
    assert keys == sorted(keys)  # ranks are within a level, so a level's ranking stays together

    csv = client.get("/monitoring/live.csv")
    assert csv.status_code == 200
    header, *lines = csv.content.decode("utf-8-sig").splitlines()
    assert header.split(",")[:4] == ["period", "level", "rank", "agency_code"]
    assert any("WT.SNV" in line for line in lines) and len(lines) == len(rows)
    xlsx = client.get("/monitoring/live.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_an_agency_live_card_embeds_from_allowed_origins_only(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(tmp_path, "card", _recent("WT.SNV", "C1"), _recent("WT.SNV", "C2", channel="online"))
    monkeypatch.setenv("CHISO_EMBED_ORIGINS", "https://portal.danang.gov.vn")
    card = client.get("/embed/agencies/WT.SNV/live")
    assert card.status_code == 200 and "Sở Nội vụ" in card.text
    row = next(r for r in client.get("/api/monitoring/live").json()["rows"] if r["agency_code"] == "WT.SNV")
    assert f"{row['total']:.2f}" in card.text  # the card shows the board's own figure
    assert card.text.count("<svg") == len(client.get("/api/monitoring/live").json()["groups"])
    policy = card.headers["content-security-policy"]
    assert policy.endswith("frame-ancestors https://portal.danang.gov.vn") and "script-src 'none'" in policy
    assert "x-frame-options" not in card.headers
    missing = client.get("/embed/agencies/NO.SUCH/live")
    assert missing.status_code == 404 and "NO.SUCH" in missing.text
