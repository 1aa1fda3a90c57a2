"""Builders of tiny record tables for the metric tests (in-memory DuckDB, no files)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import pyarrow as pa

from chiso.monitoring.compute import compute_metrics, connect, tables_from_arrow
from chiso.monitoring.generate import generate_dossiers
from chiso.monitoring.metrics import Metric
from chiso.monitoring.periods import PeriodKind, parse_period, split_period
from chiso.monitoring.records.schema import arrow_schema

_DOSSIER = {
    "agency_code": "A",
    "procedure_code": "P1",
    "channel": "direct",
    "received_at": "2026-08-03 09:00",
    "due_at": "2026-08-07 17:00",
    "finished_at": None,
    "status": "processing",
    "supplement_requests": 0,
    "paused_days": 0,
    "full_online": False,
    "fee_required": False,
    "digitised": False,
    "e_result": False,
    "reused_data": False,
    "population_data": False,
    "synced_national": False,
    "paid_online": 0,
    "rating": None,
    "e_certified_copy": False,
    "personal_storage_synced": False,
}
_PETITION = {
    "agency_code": "A",
    "received_at": "2026-08-03 09:00",
    "due_at": "2026-08-24 17:00",
    "handled_at": None,
    "category": "other",
    "dissatisfied": False,
    "repeat": False,
    "overdue": False,
}
_PROCEDURE = {
    "name": "Thủ tục",
    "full_online_eligible": False,
    "fee_bearing": False,
    "paper_result_required": False,
    "legal_basis_effective_on": None,
    "announced_on": None,
    "published_on": None,
    "content_complete": False,
    "agency_code": None,
    "online_available": False,
    "population_data_connected": False,
    "for_citizens": False,
}


def _table(kind: str, rows: Sequence[dict[str, Any]], defaults: dict[str, Any], key: str) -> pa.Table:
    schema = arrow_schema(kind)
    full = []
    for i, row in enumerate(rows):
        merged = {key: f"{kind[:3]}-{i}", **defaults, **row}
        for name in schema.names:
            value = merged.get(name)
            if isinstance(value, str) and pa.types.is_timestamp(schema.field(name).type):
                merged[name] = datetime.fromisoformat(value)
            elif isinstance(value, str) and pa.types.is_date32(schema.field(name).type):
                merged[name] = datetime.fromisoformat(value).date()
        full.append({n: merged.get(n) for n in schema.names})
    return pa.Table.from_pylist(full, schema=schema)


def dossiers(*rows: dict[str, Any]) -> pa.Table:
    """Return a dossier table; each row overrides the defaults (agency A, received 3 Aug 2026)."""
    return _table("dossiers", rows, _DOSSIER, "dossier_id")


def petitions(*rows: dict[str, Any]) -> pa.Table:
    """Return a petition table; each row overrides the defaults."""
    return _table("petitions", rows, _PETITION, "petition_id")


def procedures(*rows: dict[str, Any]) -> pa.Table:
    """Return a procedure catalogue; each row must name its procedure_code."""
    return _table("procedures", rows, _PROCEDURE, "procedure_code")


def compute(
    dossier_rows: pa.Table,
    *,
    period: str = "2026-08",
    petition_rows: pa.Table | None = None,
    procedure_rows: pa.Table | None = None,
    agencies: pd.DataFrame | None = None,
    as_of: datetime | None = None,
    metrics: Sequence[Metric] | None = None,
    con: Any = None,
    by: PeriodKind | None = None,
) -> pd.DataFrame:
    """Run the metrics on DuckDB (or ``con``) and return the long value table."""
    con = con if con is not None else connect("duckdb")
    tables = tables_from_arrow(con, dossiers=dossier_rows, petitions=petition_rows, procedures=procedure_rows)
    periods = split_period(parse_period(period), by)
    return compute_metrics(tables, periods, agencies=agencies, as_of=as_of, metrics=metrics)


def row(result: pd.DataFrame, agency: str, code: str, period: str | None = None) -> dict[str, Any]:
    """Return the one result row of an agency and indicator (and period)."""
    sel = (result["agency_code"] == agency) & (result["indicator_code"] == code)
    if period is not None:
        sel &= result["period"] == period
    found = result[sel]
    assert len(found) == 1, found
    out: dict[str, Any] = found.iloc[0].to_dict()
    return out


def counts(result: pd.DataFrame, agency: str, code: str, period: str | None = None) -> tuple[int, int]:
    """Return (numerator, denominator) of an agency and indicator."""
    r = row(result, agency, code, period)
    return int(r["numerator"]), int(r["denominator"])


def generated_dossiers(agencies: Sequence[str], first: date, last: date, **options: Any) -> pa.Table:
    """Return synthetic dossiers (chiso.monitoring.generate) received between two days, as one table."""
    return pa.Table.from_batches(list(generate_dossiers(list(agencies), first, last, **options)))


def moved_online(table: pa.Table) -> pa.Table:
    """Return a later version of these dossiers, every one filed online."""
    channel = pa.array(["online"] * table.num_rows, table.schema.field("channel").type)
    return table.set_column(table.schema.get_field_index("channel"), "channel", channel)
