"""Per-procedure drill-down: the procedures and dossiers that make an agency's dossier rates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from metric_data import dossiers

from chiso.errors import InvalidInput
from chiso.monitoring.compute import connect, tables_from_arrow, tables_from_files
from chiso.monitoring.drilldown import (
    AgencyQueries,
    compute_procedure_breakdown,
    dossier_metrics,
    list_metric_dossiers,
)
from chiso.monitoring.metrics import get_metric
from chiso.monitoring.periods import parse_period

AUGUST = parse_period("2026-08")


def _records():  # type: ignore[no-untyped-def]
    return tables_from_arrow(
        connect(),
        dossiers=dossiers(
            {"procedure_code": "P1", "synced_national": True},
            {"procedure_code": "P1", "synced_national": True},
            {"procedure_code": "P2"},
            {"procedure_code": "P2", "synced_national": True, "agency_code": "B"},
        ),
    )


def test_rows_per_procedure_add_up_to_the_agencys_figure() -> None:
    table = compute_procedure_breakdown(_records(), [AUGUST])
    sync = table[(table["indicator_code"] == "DOSSIER_SYNC") & (table["agency_code"] == "A")]
    assert list(zip(sync["procedure_code"], sync["numerator"], sync["denominator"], strict=True)) == [
        ("P1", 2, 2),
        ("P2", 0, 1),
    ]
    assert set(table["indicator_code"]) >= {"TIMELINESS", "ORIGINAL_RESULT_AVAILABLE"}
    assert "PAYMENT_DOSSIERS" not in set(table["indicator_code"])  # no dossier with a fee: no row
    assert not set(table["indicator_code"]) & {"PUBLISH_ON_TIME", "PETITION_PROCESSING_ON_TIME"}


def test_the_dossiers_behind_one_rate() -> None:
    listed = list_metric_dossiers(_records(), AUGUST, agency_code="A", indicator_code="DOSSIER_SYNC")
    assert list(listed["dossier_id"]) == ["dos-0", "dos-1", "dos-2"]
    assert list(listed["in_numerator"]) == [True, True, False]
    only_p2 = list_metric_dossiers(
        _records(), AUGUST, agency_code="A", indicator_code="DOSSIER_SYNC", procedure_code="P2"
    )
    assert list(only_p2["dossier_id"]) == ["dos-2"]


def test_a_procedure_metric_cannot_be_listed_by_dossier() -> None:
    with pytest.raises(InvalidInput, match="not counted over dossiers"):
        list_metric_dossiers(_records(), AUGUST, agency_code="A", indicator_code="PUBLISH_ON_TIME")


@pytest.mark.parametrize("code", [m.code for m in dossier_metrics()])
def test_one_listing_gives_the_breakdown_and_the_dossiers_of_every_metric(code: str, tmp_path: Path) -> None:
    """`AgencyQueries.explain` (one query per page, on the store's files) agrees with the two computations."""
    rows = [
        {"dossier_id": f"D{i}", "procedure_code": f"P{i % 3}", "agency_code": "A" if i % 4 else "B",
         "synced_national": i % 2 == 0, "channel": "online" if i % 3 else "direct", "digitised": i % 5 == 0,
         "fee_required": i % 2 == 1, "e_result": i % 3 == 0, "status": "finished" if i % 2 else "processing",
         "received_at": f"2026-08-{3 + i % 20:02d} 09:00:00", "due_at": f"2026-08-{5 + i % 20:02d} 17:00:00",
         "finished_at": f"2026-08-{4 + (i * 7) % 25:02d} 10:00:00" if i % 2 else None}
        for i in range(40)
    ]  # fmt: skip
    pq.write_table(dossiers(*rows), tmp_path / "d.parquet")
    records = tables_from_files(connect(), dossiers=[tmp_path / "d.parquet"])
    parts, listed = AgencyQueries(records, AUGUST).explain(["A", "B"], code)
    expected = compute_procedure_breakdown(records, [AUGUST], metrics=[get_metric(code)], agencies=["A", "B"])
    keys = ["agency_code", "procedure_code", "numerator", "denominator"]
    assert parts[keys].values.tolist() == expected[keys].values.tolist()
    one = pd.concat([list_metric_dossiers(records, AUGUST, agency_code=a, indicator_code=code) for a in "AB"])
    assert sorted(listed["dossier_id"]) == sorted(one["dossier_id"])
