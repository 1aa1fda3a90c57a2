"""Per-procedure drill-down: the procedures and dossiers that make an agency's dossier rates."""

from __future__ import annotations

import pytest
from metric_data import dossiers

from chiso.errors import InvalidInput
from chiso.monitoring.compute import connect, tables_from_arrow
from chiso.monitoring.drilldown import compute_procedure_breakdown, list_metric_dossiers
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
