"""`chiso followup plans-import|plans-export`: the Excel round trip from the command line."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from chiso.cli import app
from chiso.followup.plans_excel import COLUMNS
from chiso.store import init_database, session_scope
from chiso.store.models.agencies import Agency
from chiso.units.text import fold


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    init_database(url)
    monkeypatch.setenv("CHISO_DATABASE_URL", url)
    with session_scope(url) as s:
        s.add(
            Agency(
                code="FU.C",
                name_vi="Sở Thử",
                name_ascii=fold("Sở Thử"),
                kind="department",
                province_code="48",
            )
        )
    return tmp_path


def test_import_then_export_the_plan(fresh: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(COLUMNS)
    book.active.append(
        [None, "FU.C", "project", "Nâng cấp Cổng DVC", None, "TT CNTT", "2026-03-01", "2026-11-30", 2500]
    )
    path = fresh / "ke-hoach.xlsx"
    book.save(path)
    runner = CliRunner()
    checked = runner.invoke(app, ["followup", "plans-import", str(path), "--dry-run"])
    assert checked.exit_code == 0 and "1" in checked.output
    done = runner.invoke(app, ["followup", "plans-import", str(path)])
    assert done.exit_code == 0, done.output
    assert "added 1" in done.output
    out = fresh / "ra.xlsx"
    assert runner.invoke(app, ["followup", "plans-export", str(out), "--agency", "FU.C"]).exit_code == 0
    rows = list(
        openpyxl.load_workbook(io.BytesIO(out.read_bytes())).worksheets[0].iter_rows(values_only=True)
    )
    assert rows[1][1:4] == ("FU.C", "project", "Nâng cấp Cổng DVC")


def test_a_bad_row_is_a_user_error_naming_the_cell(fresh: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(COLUMNS)
    book.active.append([None, "FU.C", "item", "Một", None, "", "2026-03-01", "sai ngày"])
    path = fresh / "sai.xlsx"
    book.save(path)
    result = CliRunner().invoke(app, ["followup", "plans-import", str(path)])
    assert result.exit_code == 1
    assert "sai.xlsx" in result.output and "due_on" in result.output
