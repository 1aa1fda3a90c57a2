"""`chiso monitor compute`: the record store -> the long value table, with custom metrics and roll-up."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from chiso.cli import app
from chiso.config import get_settings
from chiso.monitoring.ingest import ingest_files
from chiso.monitoring.metrics import builtin_metrics

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "monitoring"))
from metric_data import dossiers  # noqa: E402


@pytest.fixture
def store(tmp_path: Path) -> Path:
    src = tmp_path / "d.parquet"
    pq.write_table(
        dossiers(
            {"agency_code": "C1", "finished_at": "2026-08-04 10:00", "status": "finished"},
            {"agency_code": "C2", "received_at": "2026-09-07 09:00", "due_at": "2026-09-08 17:00"},
        ),
        src,
    )
    ingest_files([src], data_dir=get_settings().data_dir)
    return tmp_path


def test_compute_by_month_with_custom_metrics_and_roll_up(store: Path) -> None:
    custom = store / "mine.yaml"
    custom.write_text("metrics:\n  - code: FINISHED\n    numerator: status == 'finished'\n")
    agencies = store / "agencies.csv"
    agencies.write_text(
        "agency_code,name,parent_code,level\nP,Tỉnh,,PROVINCE\nC1,Xã 1,P,COMMUNE\nC2,Xã 2,P,COMMUNE\n"
    )
    out = store / "values.csv"
    result = CliRunner().invoke(
        app,
        ["monitor", "compute", "--period", "2026-Q3", "--by", "month", "--custom", str(custom),
         "--agencies", str(agencies), "--out", str(out)],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    values = pd.read_csv(out, encoding="utf-8-sig")
    assert set(values["period"]) == {"2026-07", "2026-08", "2026-09"}
    assert len(values) == 3 * 3 * (len(builtin_metrics()) + 1)
    rows = values.set_index(["agency_code", "period", "indicator_code"])
    assert rows.loc[("P", "2026-08", "FINISHED"), "numerator"] == 1
    assert rows.loc[("P", "2026-09", "TIMELINESS"), "denominator"] == 1


def test_bad_custom_metric_is_one_clear_error(store: Path) -> None:
    custom = store / "bad.yaml"
    custom.write_text("metrics:\n  - code: X1\n    numerator: statuss == 'finished'\n")
    result = CliRunner().invoke(
        app,
        ["monitor", "compute", "--period", "2026-08", "--custom", str(custom), "--out", str(store / "o.csv")],
    )
    assert result.exit_code == 1
    assert "statuss" in result.output and "Traceback" not in result.output
