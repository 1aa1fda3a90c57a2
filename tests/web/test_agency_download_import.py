"""Issue 10: the /agencies.csv and .xlsx downloads import back (`chiso agencies import --dry-run`) unchanged.

The download adds descriptive columns (parent_name, unit_name) for people; the importer accepts them
when they still name the row's parent and unit, and refuses a download whose names were edited.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chiso.cli import app

# A child agency with a parent and a legacy ward, so the download carries both descriptive columns.
CHILD = (
    "code,name_vi,kind,parent_code,unit_code,province_code,valid_to\n"
    "WT.DL.P1,Phòng Văn hóa thử nghiệm,other,WT.UBND.HC,20236,48,2025-07-01\n"
)
QUERY = "q=thu+nghiem"


def _dry_run(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["agencies", "import", str(path), "--dry-run", "--json"])
    return result.exit_code, result.output


@pytest.fixture
def with_child(client: TestClient, login: Callable[[str], str]) -> str:
    """Import WT.DL.P1 as the secretariat (removed with the seed's WT. rows); return the CSRF token."""
    csrf = login("secretariat")
    upload = {"file": ("wt-child.csv", CHILD.encode())}
    response = client.post("/api/agencies/import", headers={"X-CSRF-Token": csrf}, files=upload)
    assert response.status_code == 200, response.text
    return csrf


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_download_passes_a_dry_run_import(
    client: TestClient, with_child: str, tmp_path: Path, fmt: str
) -> None:
    download = client.get(f"/agencies.{fmt}?{QUERY}")
    assert download.status_code == 200
    path = tmp_path / f"co-quan-don-vi.{fmt}"
    path.write_bytes(download.content)
    shown = client.get(f"/api/agencies?{QUERY}&page_size=1000").json()["items"]
    child = next(item for item in shown if item["code"] == "WT.DL.P1")
    assert child["parent_name"] == "UBND quận Hải Châu thử nghiệm" and child["unit_name"]

    code, out = _dry_run(path)
    assert code == 0, out
    report = json.loads(out)
    assert report["dry_run"] and report["created"] == [] and report["updated"] == []
    assert report["unchanged"] == len(shown)

    web = client.post(
        "/api/agencies/import",
        headers={"X-CSRF-Token": with_child},
        data={"dry_run": "true"},
        files={"file": (path.name, download.content)},
    )
    assert web.status_code == 200, web.text
    assert web.json()["unchanged"] == len(shown) and web.json()["updated"] == []


def test_an_edited_name_in_the_download_is_refused_with_its_row(
    client: TestClient, with_child: str, tmp_path: Path
) -> None:
    rows = list(csv.reader(io.StringIO(client.get(f"/agencies.csv?{QUERY}").content.decode("utf-8-sig"))))
    header = rows[0]
    row_number = next(i for i, row in enumerate(rows) if row[0] == "WT.DL.P1") + 1
    rows[row_number - 1][header.index("parent_name")] = "UBND quận Thanh Khê"
    path = tmp_path / "edited.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    code, out = _dry_run(path)
    assert code == 1 and "Traceback" not in out
    assert f"row {row_number}" in out and "parent_name" in out and "UBND quận Thanh Khê" in out


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_cli_export_passes_a_dry_run_import(
    client: TestClient, with_child: str, tmp_path: Path, suffix: str
) -> None:
    """`chiso agencies export x.csv` then `chiso agencies import x.csv --dry-run`: nothing to change."""
    path = tmp_path / f"x.{suffix}"
    exported = CliRunner().invoke(app, ["agencies", "export", str(path)])
    assert exported.exit_code == 0, exported.output
    code, out = _dry_run(path)
    assert code == 0, out
    report = json.loads(out)
    assert (
        report["dry_run"] and report["created"] == [] and report["updated"] == [] and report["unchanged"] > 0
    )
