"""The frameworks pages over HTTP: catalogue and twin, template, import with its dry run, the editor
checking in place, versions compared with their CSV; each refused to the roles without the action."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from chiso.accounts.actors import SYSTEM
from chiso.assessment import periods
from chiso.frameworks import load_framework
from chiso.frameworks.excel import read_framework_xlsx, template_framework, write_framework_xlsx
from chiso.store import session_scope
from chiso.store.models.assessment import AssessmentPeriod, PeriodGroup, Submission

FILE = "phu-luc-wt.xlsx"
GROUP_PERIOD = "2099"  # the seed's peer groups (tests/web/conftest.py)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path))
    return tmp_path


def _workbook(framework_id: str) -> bytes:
    buffer = io.BytesIO()
    write_framework_xlsx(template_framework().model_copy(update={"id": framework_id}), buffer)
    return buffer.getvalue()


def _import(client: TestClient, csrf: str, data: bytes, step: str = "check") -> object:
    return client.post(
        "/frameworks/import",
        files={"file": (FILE, data, "application/octet-stream")},
        data={"step": step},
        headers={"X-CSRF-Token": csrf},
        follow_redirects=False,
    )


def test_catalogue_template_and_twin(client: TestClient, login: Callable[[str], str]) -> None:
    login("leader")
    page = client.get("/frameworks")
    assert page.status_code == 200 and "danang-it@" in page.text and "Tải mẫu Excel" in page.text
    assert "Nhập từ Excel" not in page.text  # the leader views, never edits
    twin = client.get("/api/frameworks").json()
    assert {"danang-it", "qd766"} <= {f["id"] for f in twin["frameworks"]}
    template = client.get("/frameworks/template.xlsx")
    assert read_framework_xlsx(template.content).id == template_framework().id
    export = client.get("/frameworks/danang-it/export.xlsx")
    assert read_framework_xlsx(export.content).content_hash() == load_framework("danang-it").content_hash()
    assert client.get("/frameworks/danang-it/edit").status_code == 403
    login("reporter")
    assert client.get("/frameworks").status_code == 403


def test_import_dry_run_edit_and_compare(
    client: TestClient, login: Callable[[str], str], data_dir: Path
) -> None:
    csrf = login("secretariat")
    bad = _import(client, csrf, b"not a workbook at all")
    assert bad.status_code == 422 and ".xlsx" in bad.text
    checked = _import(client, csrf, _workbook("wt-web"))
    assert checked.status_code == 200 and "wt-web@2026.1" in checked.text
    assert not (data_dir / "frameworks").exists()  # the dry run wrote nothing
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', checked.text)
    assert sha and (data_dir / "uploads" / sha.group(1)[:2] / sha.group(1)).is_file()  # kept by its hash
    done = client.post(
        "/frameworks/import",
        data={"sha256": sha.group(1), "filename": FILE, "step": "import"},
        headers={"X-CSRF-Token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/frameworks/wt-web@2026.1")

    ref = "wt-web@2026.1"
    refused = client.post(
        f"/frameworks/{ref}/check", data={"c3:max_points": "12"}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 422
    assert 'value="12"' in refused.text and "field-error" in refused.text  # kept, the error in place
    body = {"c3:max_points": "12", "c6:max_points": "3"}
    ok = client.post(
        f"/frameworks/{ref}/check", data=body, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert ok.status_code == 200 and "fw-valid" in ok.text and "<html" not in ok.text
    saved = client.post(
        f"/frameworks/{ref}/edit", data=body, headers={"X-CSRF-Token": csrf}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith(f"/frameworks/{ref}?saved=")
    detail = client.get(f"/api/frameworks/{ref}").json()
    assert next(n for n in detail["nodes"] if n["code"] == "NTS_KE_HOACH")["max_points"] == 12
    assert detail["edit_saves_as"] is None and not detail["framework"]["frozen"]

    comparison = client.get("/api/frameworks/danang-it-2026/compare").json()
    assert (
        comparison["old"] == comparison["new"] == "danang-it-2026@" + load_framework("danang-it-2026").version
    )
    rows = list(
        csv.reader(io.StringIO(client.get("/frameworks/danang-it/compare.csv").text.lstrip("\ufeff")))
    )
    assert rows[0][:3] == ["old", "new", "kind"]


def test_a_visitor_sees_only_the_frameworks_of_published_periods(
    client: TestClient, login: Callable[[str], str], seed: Any
) -> None:
    csrf = login("secretariat")
    checked = _import(client, csrf, _workbook("wt-pub"))
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', checked.text)
    assert sha is not None
    client.post(
        "/frameworks/import",
        data={"sha256": sha.group(1), "filename": FILE, "step": "import"},
        headers={"X-CSRF-Token": csrf},
    )
    ref = "wt-pub@2026.1"
    client.cookies.clear()
    assert client.get(f"/frameworks/{ref}", follow_redirects=False).status_code == 404  # no period uses it
    with session_scope(seed.url) as s:
        period = periods.open_period(
            s, code="WT-PUB", name_vi="Kỳ thử công bố", province_code="48", period=GROUP_PERIOD,
            framework_id="wt-pub", group_codes=["SBN"], submission_deadline=datetime(2099, 3, 1, 17),
            review_deadline=datetime(2099, 4, 1, 17), actor=SYSTEM,
        )  # fmt: skip
        assert period.framework_id == ref
        period.status = "published"  # as publishing leaves it; publishing itself is tested elsewhere
    try:
        page = client.get(f"/frameworks/{ref}")
        assert page.status_code == 200 and "WT-PUB" in page.text and 'id="edit-link"' not in page.text
        assert client.get(f"/frameworks/{ref}/export.xlsx").status_code == 200
        assert (
            client.get("/frameworks", follow_redirects=False).status_code == 303
        )  # the catalogue: staff only
    finally:
        with session_scope(seed.url) as s:
            period_id = s.scalar(select(AssessmentPeriod.id).where(AssessmentPeriod.code == "WT-PUB"))
            s.execute(delete(Submission).where(Submission.period_id == period_id))
            s.execute(delete(PeriodGroup).where(PeriodGroup.period_id == period_id))
            s.execute(delete(AssessmentPeriod).where(AssessmentPeriod.id == period_id))
