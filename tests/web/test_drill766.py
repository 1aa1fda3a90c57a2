"""The live 766 drill-down: province -> group -> agency -> metric -> procedure -> the late dossiers."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from chiso.config import get_settings
from chiso.flows.drill766_cube import CUBES
from chiso.flows.live import local_now
from chiso.monitoring.ingest import ingest_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "monitoring"))
from metric_data import dossiers  # noqa: E402


def _last_month() -> date:
    first = local_now().date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


@pytest.fixture
def period(tmp_path: Path) -> str:
    """Ingest two dossiers of WT.SNV last month, procedure P1: one finished late, one on time."""
    CUBES.clear()
    m = _last_month()
    day = m.replace(day=3).isoformat()
    rows = [
        {"dossier_id": "LATE1", "agency_code": "WT.SNV", "procedure_code": "P1", "status": "finished",
         "received_at": f"{day} 09:00:00", "due_at": f"{m.replace(day=4).isoformat()} 17:00:00",
         "finished_at": f"{m.replace(day=10).isoformat()} 10:30:00"},
        {"dossier_id": "OK1", "agency_code": "WT.SNV", "procedure_code": "P1", "status": "finished",
         "received_at": f"{day} 09:00:00", "due_at": f"{m.replace(day=4).isoformat()} 17:00:00",
         "finished_at": f"{day} 15:00:00"},
    ]  # fmt: skip
    path = tmp_path / "d.parquet"
    pq.write_table(dossiers(*rows), path)
    ingest_files([path], data_dir=get_settings().data_dir)
    return m.strftime("%Y-%m")


def test_public_levels_province_group_agency(client: TestClient, period: str) -> None:
    root = client.get(f"/monitoring/drill?period={period}")
    assert root.status_code == 200
    assert "Toàn tỉnh" in root.text and f"/monitoring/drill/TIMELINESS_GROUP?period={period}" in root.text
    data = client.get(f"/api/monitoring/drill?period={period}").json()
    assert [c["code"] for c in data["children"]][:2] == ["TRANSPARENCY", "TIMELINESS_GROUP"]
    assert len(data["children"]) == 6 and data["level"] == "province"
    timeliness = next(c for c in data["children"] if c["code"] == "TIMELINESS_GROUP")
    assert timeliness["points"] == 10.0  # 1 of 2 on time: 20 x 1/2, the province = its only agency

    group = client.get(f"/api/monitoring/drill/TIMELINESS_GROUP?period={period}").json()
    snv = next(c for c in group["children"] if c["code"] == "WT.SNV")
    assert snv["points"] == 10.0 and snv["url"].startswith("/monitoring/drill/TIMELINESS_GROUP/WT.SNV?")
    no_data = [c for c in group["children"] if c["code"] != "WT.SNV"]
    assert all(c["points"] is None for c in no_data)  # no dossier: no data, never 0, and listed last

    agency = client.get(f"/api/monitoring/drill/TIMELINESS_GROUP/WT.SNV?period={period}").json()
    (metric,) = agency["children"]
    assert (metric["code"], metric["numerator"], metric["denominator"], metric["missed"]) == (
        "TIMELINESS",
        1,
        2,
        1,
    )
    assert [c["label_vi"] for c in agency["crumbs"]][0] == "Toàn tỉnh" and len(agency["crumbs"]) == 3

    table = client.get(f"/monitoring/drill.csv?period={period}&group=TIMELINESS_GROUP")
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert {r["code"]: r["points"] for r in rows}["WT.SNV"] == "10.0"


def test_the_late_dossier_needs_a_login_and_shows_local_times(
    client: TestClient, login: Callable[[str], str], period: str
) -> None:
    url = f"/monitoring/drill/TIMELINESS_GROUP/WT.SNV/TIMELINESS?period={period}"
    assert client.get(url, headers={"Accept": "application/json"}).status_code in (401, 403)
    login("leader")
    page = client.get(url)
    assert page.status_code == 200 and "LATE1" in page.text and "OK1" not in page.text
    data = client.get("/api" + url).json()
    (late,) = data["dossiers"]
    assert late["dossier_id"] == "LATE1" and late["counted"] is False
    assert late["due_at"].endswith("+07:00") and late["finished_at"].startswith(f"{period}-10T10:30:00")
    assert [(c["code"], c["missed"], c["denominator"]) for c in data["children"]] == [("P1", 1, 2)]
    every = client.get("/api" + url + "&show=all").json()
    assert sorted(d["dossier_id"] for d in every["dossiers"]) == ["LATE1", "OK1"]

    procedure = client.get(
        f"/api/monitoring/drill/TIMELINESS_GROUP/WT.SNV/TIMELINESS/P1?period={period}"
    ).json()
    assert procedure["level"] == "procedure" and procedure["value"] == 0.5 and len(procedure["crumbs"]) == 5
    download = client.get(
        f"/monitoring/drill-dossiers.csv?period={period}&group=TIMELINESS_GROUP&agency=WT.SNV&metric=TIMELINESS"
    )
    listed = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert {r["dossier_id"]: r["counted"] for r in listed} == {"LATE1": "0", "OK1": "1"}  # CSV booleans
    assert next(r for r in listed if r["dossier_id"] == "LATE1")["finished_at"] == f"{period}-10 10:30:00"


def test_unknown_group_agency_or_metric_is_not_found(client: TestClient, period: str) -> None:
    for path in ("/api/monitoring/drill/NOPE", "/api/monitoring/drill/TIMELINESS_GROUP/WT.NOPE",
                 "/api/monitoring/drill/PAYMENT/WT.SNV/TIMELINESS"):  # fmt: skip
        assert client.get(f"{path}?period={period}").status_code in (401, 403, 404), path


def test_the_serve_warm_up_builds_this_months_quarters_and_years_cubes(
    client: TestClient, period: str
) -> None:
    from chiso.flows.drill766_cube import get_cube, warm_current
    from chiso.monitoring.periods import bucket_of

    today = local_now().date()
    labels = warm_current()
    assert labels == [bucket_of(today, k).label for k in ("month", "quarter", "year")]
    kept = {key[2]: slot.cube for key, slot in CUBES._slots.items()}
    assert all(kept.get(label) is not None for label in labels), "each cube is kept"
    year = get_cube(labels[2])
    assert year is kept[labels[2]], "the first leader reads the warm cube"
