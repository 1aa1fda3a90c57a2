"""`chiso indicators values template|import` through the real CLI against a temporary SQLite database."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from chiso import clock
from chiso.cli import app
from chiso.store import init_database, session_scope
from chiso.store.models.agencies import Agency
from chiso.store.models.indicators import Indicator, IndicatorValue

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'chiso.db'}"
    init_database(url)
    with session_scope(url) as s:
        s.add(
            Agency(
                code="CLI.SO", name_vi="Sở thử", name_ascii="so thu", kind="department", province_code="48"
            )
        )
        s.add(
            Indicator(
                code="CLI_PCT",
                name_vi="Tỷ lệ thử",
                value_type="percent",
                period_type="year",
                level="province",
                aggregation="none",
                source="entered",
                owner_agency_code="CLI.SO",
                outlier_sd=None,
                needs_approval=False,
                active=True,
                higher_is_better=True,
                updated_at=clock.now(),
            )
        )
    return tmp_path


def test_a_template_written_filled_and_imported(data_dir: Path) -> None:
    path = data_dir / "mau.xlsx"
    done = runner.invoke(
        app, ["indicators", "values", "template", "--agency", "CLI.SO", "--period", "2025", str(path)]
    )
    assert done.exit_code == 0, done.output
    book = load_workbook(io.BytesIO(path.read_bytes()))
    book.worksheets[0]["H5"] = 120
    book.save(path)
    refused = runner.invoke(app, ["indicators", "values", "import", str(path)])
    assert refused.exit_code == 1 and "mau.xlsx [CLI.SO 2025], dòng/row 5, cột/column H" in refused.output
    book.worksheets[0]["H5"] = 80
    book.save(path)
    checked = runner.invoke(app, ["indicators", "values", "import", "--dry-run", "--json", str(path)])
    assert checked.exit_code == 0 and json.loads(checked.output)["created"] == 1
    saved = runner.invoke(app, ["indicators", "values", "import", str(path)])
    assert saved.exit_code == 0 and "Đã lưu 1 giá trị" in saved.output
    with session_scope(f"sqlite:///{data_dir / 'chiso.db'}") as s:
        row = s.scalar(select(IndicatorValue).where(IndicatorValue.indicator_code == "CLI_PCT"))
        assert row is not None and (row.value, row.channel, row.entered_by) == (80, "excel", "system")
