"""The late dossiers behind an on-time-rate alert: which dossiers, received when, due when, finished when.

Flows layer: composes chiso.monitoring (the record store's files, the prepared dossier table and the
timeliness rule `dossier_on_time`, so a dossier is late here exactly when the 766 metric counts it late).
Read only for the agencies whose alert is new, so a re-evaluation costs nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chiso.monitoring.compute.backend import connect, tables_from_files
from chiso.monitoring.compute.sources import prepare_sources
from chiso.monitoring.metrics.timeliness import dossier_on_time
from chiso.monitoring.periods import parse_period, split_period
from chiso.monitoring.records.store import record_files

SHOWN = 20  # late dossiers kept per alert (the most overdue); the count of all stays in the evidence
COLUMNS = ["dossier_id", "procedure_code", "received_at", "due_at", "finished_at", "supplement_requests"]


def late_dossiers(
    data_dir: Path, *, month: str, agency_codes: Collection[str], as_of: datetime | None
) -> dict[str, list[dict[str, Any]]]:
    """Return, per agency, its late dossiers received in `month` (most overdue first, at most SHOWN).

    Args:
        data_dir: the data directory holding the record store.
        month: "YYYY-MM".
        agency_codes: the agencies wanted (those with a new on-time-rate alert).
        as_of: the cut-off for dossiers still open (province time, naive), as the evaluation uses.

    Returns:
        agency code -> list of {dossier_id, procedure_code, received_at, due_at, finished_at (None: still
        open), supplement_requests, days_late}; an agency without late dossiers is absent.
    """
    files = record_files("dossiers", data_dir=data_dir, months=[month])
    if not files or not agency_codes:
        return {}
    con = connect("duckdb")
    records = tables_from_files(con, dossiers=files)
    periods = split_period(parse_period(month), "month")
    d = prepare_sources(
        records, periods, as_of=as_of, data_dir=data_dir, only_agencies=set(agency_codes)
    ).dossiers
    late = d.filter(~dossier_on_time(d)).select("agency_code", "end_at", *COLUMNS)
    frame: pd.DataFrame = late.execute()
    if frame.empty:
        return {}
    overdue = (frame["end_at"] - frame["due_at"]).dt.total_seconds() / 86400
    frame = frame.assign(days_late=overdue.fillna(0).clip(lower=0).round(1))
    frame = frame.sort_values(["agency_code", "days_late", "dossier_id"], ascending=[True, False, True])
    out: dict[str, list[dict[str, Any]]] = {}
    for code, rows in frame.groupby("agency_code", sort=False):
        out[str(code)] = [_row(r) for r in rows.head(SHOWN).to_dict("records")]
    return out


def _row(row: dict[Any, Any]) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat(timespec="minutes")

    return {
        "dossier_id": str(row["dossier_id"]),
        "procedure_code": str(row["procedure_code"]),
        "received_at": when(row["received_at"]),
        "due_at": when(row["due_at"]),
        "finished_at": when(row["finished_at"]),
        "supplement_requests": int(row["supplement_requests"] or 0),
        "days_late": float(row["days_late"]),
    }
