"""The live board under load (issue 16 item 1): served from the last computed board, recomputed by one
background thread, a waiting request holds no database slot, 304 for an unchanged board, gzip, and a
page script that polls only while the tab is visible."""

from __future__ import annotations

import gzip
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from chiso.config import get_settings
from chiso.flows import live
from chiso.monitoring.ingest import ingest_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "monitoring"))
from metric_data import dossiers  # noqa: E402


def _ingest(tmp_path: Path, name: str, *rows: dict[str, object]) -> None:
    path = tmp_path / f"{name}.parquet"
    pq.write_table(dossiers(*rows), path)
    ingest_files([path], data_dir=get_settings().data_dir)


def _recent(agency: str, dossier_id: str) -> dict[str, object]:
    now = live.local_now()
    received = max(now.replace(day=1, hour=0, minute=5), now - timedelta(hours=2))
    return {
        "dossier_id": dossier_id, "agency_code": agency, "received_at": received.isoformat(sep=" "),
        "due_at": (now + timedelta(days=3)).isoformat(sep=" "),
    }  # fmt: skip


def _codes(client: TestClient) -> set[str]:
    return {
        r["agency_code"] for r in client.get("/api/monitoring/live").json()["rows"] if r["total"] is not None
    }


def test_a_stale_board_is_served_at_once_and_recomputed_once_in_the_background(
    client: TestClient, tmp_path: Path
) -> None:
    _ingest(tmp_path, "first", _recent("WT.SNV", "S1"))
    assert _codes(client) == {"WT.SNV"}
    before = live.BOARDS.computations
    _ingest(tmp_path, "second", _recent("WT.SKHCN", "S2"))
    with ThreadPoolExecutor(max_workers=12) as pool:
        seen = list(pool.map(lambda _: _codes(client), range(12)))
    assert {"WT.SNV"} in seen  # the stale board answered while the new one was being computed
    deadline = time.monotonic() + 20
    while "WT.SKHCN" not in _codes(client):
        assert time.monotonic() < deadline, "the new records never reached the board"
        time.sleep(0.2)
    assert live.BOARDS.computations - before == 1  # 13+ requests, one recomputation


def test_a_request_waiting_for_the_first_board_holds_no_database_slot(
    client: TestClient, login: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one admission slot, /api/me answers while a board request waits for a slow first board."""
    monkeypatch.setenv("CHISO_DB_CONCURRENCY", "1")
    _ingest(tmp_path, "slow", _recent("WT.SNV", "W1"))
    real, release = live.build_board, threading.Event()

    def slow_board(*args: object, **kwargs: object) -> object:
        release.wait(20)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(live, "build_board", slow_board)
    waiting = threading.Thread(
        target=lambda: client.get("/monitoring/live?period=" + live.local_now().strftime("%Y-%m"))
    )
    login("secretariat")
    client.get("/api/me")  # the loop's gate exists (with one slot) before the board request takes it
    waiting.start()
    time.sleep(0.5)
    started = time.monotonic()
    me = client.get("/api/me")
    elapsed = time.monotonic() - started
    release.set()
    waiting.join(30)
    assert me.status_code == 200
    assert elapsed < 5, f"/api/me waited {elapsed:.1f} s behind a board computation"


def test_an_unchanged_board_costs_a_304_and_bodies_are_compressed(client: TestClient, tmp_path: Path) -> None:
    _ingest(tmp_path, "etag", _recent("WT.SNV", "E1"))
    first = client.get("/monitoring/live", headers={"HX-Request": "true"})
    tag = first.headers["etag"]
    assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
    again = client.get("/monitoring/live", headers={"HX-Request": "true", "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    sorted_other = client.get(
        "/monitoring/live?sort=total", headers={"HX-Request": "true", "If-None-Match": tag}
    )
    assert sorted_other.status_code == 200  # another rendering, another tag
    as_json = client.get("/monitoring/live", headers={"Accept": "application/json", "If-None-Match": tag})
    assert as_json.status_code == 200 and as_json.json()["rows"]

    raw = client.get("/monitoring/live", headers={"Accept-Encoding": "gzip"})
    assert raw.headers.get("content-encoding") == "gzip"
    assert gzip.compress(raw.content) and "WT.SNV" in raw.text


def test_the_page_polls_with_its_own_script_only_while_visible(client: TestClient) -> None:
    page = client.get("/monitoring/live")
    assert 'src="/static/live.js"' in page.text
    assert "every 2s" not in page.text and 'hx-trigger="live-tick"' in page.text
    script = client.get("/static/live.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "visibilityState" in script.text and "visibilitychange" in script.text


def test_pollers_of_an_unchanged_board_share_one_rendering(client: TestClient, tmp_path: Path) -> None:
    from chiso.web.pages import RENDERED

    _ingest(tmp_path, "shared", _recent("WT.SNV", "R1"))
    first = client.get("/monitoring/live?sort=total", headers={"HX-Request": "true"})
    key = ("/monitoring/live", "sort=total", first.headers["etag"].rsplit("-", 1)[0])
    assert RENDERED.get(key) is not None
    client.cookies.clear()  # another visitor: another tag (its own cookie), the same fragment
    second = client.get("/monitoring/live?sort=total", headers={"HX-Request": "true"})
    assert second.text == first.text and second.headers["etag"] != first.headers["etag"]


def test_a_revalidation_of_an_unchanged_board_needs_no_database_slot(
    client: TestClient, tmp_path: Path
) -> None:
    import asyncio

    from chiso.web import deps

    _ingest(tmp_path, "gate", _recent("WT.SNV", "G1"))
    first = client.get("/monitoring/live?group=department", headers={"HX-Request": "true"})
    loop = client.portal.call(asyncio.get_running_loop)  # type: ignore[union-attr]
    closed = client.portal.call(lambda: asyncio.Semaphore(0))  # type: ignore[union-attr]
    saved = deps._GATES.get(loop)
    deps._GATES[loop] = closed  # no request can take a database slot now
    answers: list[int] = []
    headers = {"HX-Request": "true", "If-None-Match": first.headers["etag"]}
    poll = threading.Thread(
        target=lambda: answers.append(
            client.get("/monitoring/live?group=department", headers=headers).status_code
        )
    )
    poll.start()
    poll.join(10)
    if saved is not None:
        deps._GATES[loop] = saved
    else:
        deps._GATES.pop(loop, None)
    client.portal.call(closed.release)  # type: ignore[union-attr]
    assert answers == [304]


def test_an_agency_without_dossiers_is_null_in_json_and_empty_in_csv(
    client: TestClient, tmp_path: Path
) -> None:
    _ingest(tmp_path, "nodata", _recent("WT.SNV", "N1"))
    rows = {r["agency_code"]: r for r in client.get("/api/monitoring/live").json()["rows"]}
    empty = rows["WT.SKHCN"]  # registered this month, no dossier
    assert (empty["total"], empty["rank"], empty["band"], empty["received"]) == (None, None, None, 0)
    assert set(empty["components"].values()) == {None} and rows["WT.SNV"]["rank"] == 1
    page = client.get("/monitoring/live").text
    assert "chưa có dữ liệu" in page
    header, *lines = client.get("/monitoring/live.csv").content.decode("utf-8-sig").splitlines()
    cells = dict(
        zip(header.split(","), next(line for line in lines if "WT.SKHCN" in line).split(","), strict=True)
    )
    assert cells["total"] == cells["rank"] == cells["band"] == cells["TIMELINESS_GROUP"] == ""
