"""Results snapshots: save a period's results immutably, load them back, recompute and verify them.

Domain service (assessment room): keyword-only functions taking the session explicitly; they flush,
never commit. Uses chiso.scoring for the arithmetic and chiso.store for the rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chiso.errors import NotFound, ScoringError
from chiso.frameworks import framework_from_dict
from chiso.scoring import Run, ScoreResult, replay, result_of_run, run_pipeline
from chiso.store.models.results import ResultInput, ResultRow, ResultSnapshot

ROW_COLUMNS = [
    "period",
    "agency_code",
    "group",
    "node_code",
    "points",
    "max_points",
    "published",
    "rank",
    "band",
    "previous_points",
    "points_change",
    "previous_rank",
    "rank_change",
    "status",
]
INPUT_COLUMNS = ["agency_code", "period", "indicator_code", "value", "numerator", "denominator", "comment"]
_CHUNK = 5000


@dataclass
class SnapshotData:
    """A stored snapshot with its tables, ready to show or to recompute."""

    snapshot: ResultSnapshot
    table: pd.DataFrame
    values: pd.DataFrame
    groups: pd.DataFrame | None
    lineage: pd.DataFrame | None
    previous: pd.DataFrame | None


@dataclass
class VerifyReport:
    """The outcome of recomputing a snapshot from its stored inputs."""

    snapshot_id: int
    identical: bool
    input_hash_ok: bool
    output_hash_ok: bool
    rows_compared: int
    differences: list[str] = field(default_factory=list)


def _clean(value: Any) -> Any:
    """Turn pandas/numpy scalars into plain Python for the database (NaN/NA -> None)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    data = {
        c: (frame[c].astype(object) if c in frame.columns else pd.Series([None] * len(frame)))
        for c in columns
    }
    out = pd.DataFrame(data).to_dict("records")
    return [{str(k): _clean(v) for k, v in row.items()} for row in out]


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(model), rows[start : start + _CHUNK])


def _previous_table(session: Session, previous_snapshot_id: int | None) -> pd.DataFrame | None:
    if previous_snapshot_id is None:
        return None
    return load_snapshot(session, snapshot_id=previous_snapshot_id, previous=False).table


def save_snapshot(
    session: Session,
    *,
    result: ScoreResult,
    values: pd.DataFrame,
    groups: pd.DataFrame | None = None,
    lineage: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    previous_snapshot_id: int | None = None,
    label: str | None = None,
    note: str | None = None,
    created_by_id: int | None = None,
) -> ResultSnapshot:
    """Save a scoring result as an immutable snapshot with its inputs, hashes and run log.

    The inputs are replayed first: a snapshot is only written if they reproduce `result` exactly.

    Args:
        session: the open session (flushed, not committed).
        result: the ScoreResult to publish.
        values, groups, lineage: the inputs the result was computed from.
        previous: the previous results table it was compared with, or
        previous_snapshot_id: the stored snapshot it was compared with (preferred).
        label, note: free text shown with the snapshot.
        created_by_id: the user publishing it.

    Returns:
        The new ResultSnapshot (its id is set).

    Raises:
        ScoringError: the inputs do not reproduce the result.
        NotFound: the previous snapshot does not exist.
    """
    if previous is None:
        previous = _previous_table(session, previous_snapshot_id)
    replay(result.log, values, groups=groups, previous=previous, lineage=lineage)
    log = result.log
    fw = log["framework"]
    policy = next((s.get("lineage_policy", "mean") for s in log["steps"] if s["step"] == "compare"), "mean")
    snapshot = ResultSnapshot(
        label=label,
        framework_id=fw["id"],
        framework_version=fw["version"],
        framework_family=fw["family"],
        framework_hash=fw["content_hash"],
        framework_document=fw["document"],
        periods=list(log["inputs"]["periods"]),
        engine_version=log["engine_version"],
        input_hash=log["input_hash"],
        output_hash=log["output_hash"],
        run_log=log,
        groups=None
        if groups is None
        else [
            [_clean(r.get("agency_code")), _clean(r.get("group")), _clean(r.get("kind"))]
            for r in groups.to_dict("records")
        ],
        lineage=None
        if lineage is None
        else [
            [str(a), str(b)]
            for a, b in zip(lineage["predecessor_code"], lineage["successor_code"], strict=True)
        ],
        lineage_policy=policy,
        previous_snapshot_id=previous_snapshot_id,
        previous_rows=None
        if previous is None or previous_snapshot_id is not None
        else _records(previous, [c for c in ROW_COLUMNS if c in previous.columns]),
        created_at=datetime.now(UTC),
        created_by_id=created_by_id,
        note=note,
    )
    session.add(snapshot)
    session.flush()
    inputs = _records(values, INPUT_COLUMNS)
    for row in inputs:
        row["snapshot_id"] = snapshot.id
        for key in ("agency_code", "period", "indicator_code", "comment"):
            if row[key] is not None:
                row[key] = str(row[key]).strip()
        for key in ("value", "numerator", "denominator"):
            if row[key] is not None:
                row[key] = float(row[key])
    _bulk(session, ResultInput, inputs)
    rows = _records(result.table, ROW_COLUMNS)
    for row in rows:
        row["snapshot_id"] = snapshot.id
        for key in ("period", "agency_code", "group", "node_code", "band", "status"):
            if row[key] is not None:
                row[key] = str(row[key])
    _bulk(session, ResultRow, rows)
    session.flush()
    return snapshot


def get_snapshot(session: Session, *, snapshot_id: int) -> ResultSnapshot:
    """Return one snapshot's metadata.

    Raises:
        NotFound: no such snapshot.
    """
    snapshot = session.get(ResultSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(f"Không có ảnh chụp kết quả số {snapshot_id}", f"No results snapshot {snapshot_id}")
    return snapshot


def list_snapshots(session: Session, *, framework_family: str | None = None) -> list[ResultSnapshot]:
    """Return snapshots, newest first, optionally of one framework family."""
    query = select(ResultSnapshot).order_by(ResultSnapshot.created_at.desc(), ResultSnapshot.id.desc())
    if framework_family is not None:
        query = query.where(ResultSnapshot.framework_family == framework_family)
    return list(session.scalars(query))


def load_snapshot(
    session: Session, *, snapshot_id: int, table: bool = True, previous: bool = True
) -> SnapshotData:
    """Load a snapshot with its result rows and stored inputs as DataFrames.

    `table=False` leaves its result rows out (an empty table) and `previous=False` the previous
    results: a report that shows the published rows needs only the framework, values and lineage,
    and a national snapshot's rows are 300,000 (seconds to load).

    Raises:
        NotFound: no such snapshot.
    """
    snapshot = get_snapshot(session, snapshot_id=snapshot_id)
    row_cols = [getattr(ResultRow, c) for c in ROW_COLUMNS]
    stmt = select(*row_cols).where(ResultRow.snapshot_id == snapshot_id).order_by(ResultRow.id)
    results = pd.DataFrame(session.execute(stmt).all() if table else [], columns=ROW_COLUMNS)
    for name in ("rank", "previous_rank", "rank_change"):
        results[name] = results[name].astype("Int64")
    for name in ("points", "max_points", "published", "previous_points", "points_change"):
        results[name] = results[name].astype(np.float64)
    in_cols = [getattr(ResultInput, c) for c in INPUT_COLUMNS]
    found = session.execute(
        select(*in_cols).where(ResultInput.snapshot_id == snapshot_id).order_by(ResultInput.id)
    )
    values = pd.DataFrame(found.all(), columns=INPUT_COLUMNS)
    for name in ("value", "numerator", "denominator"):
        values[name] = values[name].astype(np.float64)
    groups = None
    if snapshot.groups is not None:
        groups = pd.DataFrame(snapshot.groups, columns=["agency_code", "group", "kind"])
        if groups["kind"].isna().all():
            groups = groups.drop(columns=["kind"])
    lineage = None
    if snapshot.lineage is not None:
        lineage = pd.DataFrame(snapshot.lineage, columns=["predecessor_code", "successor_code"])
    before = None
    if not previous:
        before = None
    elif snapshot.previous_snapshot_id is not None:
        before = load_snapshot(session, snapshot_id=snapshot.previous_snapshot_id, previous=False).table
    elif snapshot.previous_rows is not None:
        before = pd.DataFrame(snapshot.previous_rows)
    return SnapshotData(snapshot, results, values, groups, lineage, before)


def run_snapshot(data: SnapshotData) -> Run:
    """Return the engine's run of a snapshot's stored framework and inputs (recompute, replay, what-if)."""
    return run_pipeline(
        framework_from_dict(data.snapshot.framework_document),
        data.values,
        groups=data.groups,
        previous=data.previous,
        lineage=data.lineage,
        lineage_policy=data.snapshot.lineage_policy,
    )


def recompute_snapshot(session: Session, *, snapshot_id: int) -> ScoreResult:
    """Recompute a snapshot from its stored framework and inputs (not checked; see verify_snapshot)."""
    data = load_snapshot(session, snapshot_id=snapshot_id)
    return result_of_run(run_snapshot(data), rows=len(data.values))


def verify_snapshot(session: Session, *, snapshot_id: int) -> VerifyReport:
    """Recompute a snapshot from its stored inputs and check it is identical to what was published.

    Compares the input and output hashes and, row by row, the published points, ranks, bands and status.
    """
    data = load_snapshot(session, snapshot_id=snapshot_id)
    snapshot = data.snapshot
    differences: list[str] = []
    framework = framework_from_dict(snapshot.framework_document)
    if framework.content_hash() != snapshot.framework_hash:
        differences.append("framework document does not match its stored hash")
    try:
        again = result_of_run(run_snapshot(data), rows=len(data.values))
    except ScoringError as exc:
        return VerifyReport(snapshot_id, False, False, False, 0, [f"recompute failed: {exc}"])
    input_ok = again.log["input_hash"] == snapshot.input_hash
    output_ok = again.log["output_hash"] == snapshot.output_hash
    if not input_ok:
        differences.append("stored inputs hash differently from the published run")
    if not output_ok:
        differences.append("recomputed output hash differs from the published one")
    fresh = again.table[ROW_COLUMNS].copy()
    stored = data.table
    for name in ("period", "agency_code", "group", "node_code", "band", "status"):
        fresh[name] = fresh[name].astype(object).where(fresh[name].notna(), None)
    if len(fresh) != len(stored):
        differences.append(f"{len(stored)} stored rows, {len(fresh)} recomputed")
    else:
        for name in ("published", "rank", "band", "status", "points_change", "rank_change"):
            a = stored[name].astype(object).where(stored[name].notna(), None).tolist()
            b = fresh[name].astype(object).where(fresh[name].notna(), None).tolist()
            bad = sum(1 for x, y in zip(a, b, strict=True) if x != y)
            if bad:
                differences.append(f"{bad} rows differ in {name}")
    return VerifyReport(snapshot_id, not differences, input_ok, output_ok, len(stored), differences)
