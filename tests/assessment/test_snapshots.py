"""Snapshots: saved immutably, loaded back, recomputed identical from the stored inputs."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from chiso.assessment.snapshots import (
    list_snapshots,
    load_snapshot,
    recompute_snapshot,
    save_snapshot,
    verify_snapshot,
)
from chiso.errors import Conflict, NotFound, ScoringError
from chiso.frameworks import load_framework
from chiso.scoring import score
from chiso.store.models.results import ResultRow

DTI = ["NTS", "TCS", "HTS", "NLS", "ATTT", "DTTM", "CQS", "KTS", "XHS"]


def _values(period: str, levels: dict[str, float]) -> pd.DataFrame:
    rows = []
    for agency, level in levels.items():
        for i, code in enumerate(DTI):
            rows.append(
                {
                    "agency_code": agency,
                    "period": period,
                    "indicator_code": code,
                    "value": round(min(1.0, level + i * 0.0137), 4),
                }
            )
    return pd.DataFrame(rows)


def _groups() -> pd.DataFrame:
    return pd.DataFrame(
        {"agency_code": ["01", "02", "04", "08"], "group": ["north", "north", "south", "south"]}
    )


def test_save_load_and_verify_identical(db: Session) -> None:
    framework = load_framework("dti-province-2022")
    values = _values("2022", {"01": 0.5, "02": 0.6125, "04": 0.7, "08": 0.7})
    result = score(framework, values, groups=_groups())
    snapshot = save_snapshot(db, result=result, values=values, groups=_groups(), label="DTI 2022")
    assert snapshot.id is not None and snapshot.framework_hash == framework.content_hash()
    data = load_snapshot(db, snapshot_id=snapshot.id)
    assert len(data.table) == len(result.table)
    totals = data.table[data.table["node_code"] == "TOTAL"].set_index("agency_code")
    assert list(totals.loc[["04", "08"], "rank"]) == [1, 1]  # the tie survives the round trip
    report = verify_snapshot(db, snapshot_id=snapshot.id)
    assert report.identical, report.differences
    assert report.input_hash_ok and report.output_hash_ok
    again = recompute_snapshot(db, snapshot_id=snapshot.id)
    pd.testing.assert_series_equal(again.table["published"], result.table["published"])
    assert [s.id for s in list_snapshots(db, framework_family="dti-province")] == [snapshot.id]


def test_chained_snapshot_compares_with_the_previous_one(db: Session) -> None:
    framework = load_framework("dti-province-2022")
    first_values = _values("2022", {"01": 0.5, "02": 0.6})
    first = save_snapshot(db, result=score(framework, first_values), values=first_values)
    second_values = _values("2023", {"01": 0.7, "02": 0.55})
    previous = load_snapshot(db, snapshot_id=first.id).table
    result = score(framework, second_values, previous=previous)
    second = save_snapshot(db, result=result, values=second_values, previous_snapshot_id=first.id)
    totals = (
        load_snapshot(db, snapshot_id=second.id).table.query("node_code == 'TOTAL'").set_index("agency_code")
    )
    assert totals.loc["01", "rank_change"] == 1
    assert verify_snapshot(db, snapshot_id=second.id).identical


def test_a_result_that_the_inputs_do_not_reproduce_is_refused(db: Session) -> None:
    framework = load_framework("dti-province-2022")
    values = _values("2022", {"01": 0.5, "02": 0.6})
    result = score(framework, values)
    changed = values.copy()
    changed.loc[0, "value"] = 0.9
    with pytest.raises(ScoringError):
        save_snapshot(db, result=result, values=changed)


def test_snapshots_are_immutable_and_tampering_is_detected(db: Session) -> None:
    framework = load_framework("dti-province-2022")
    values = _values("2022", {"01": 0.5, "02": 0.6})
    snapshot = save_snapshot(db, result=score(framework, values), values=values)
    # Someone edits the table behind the application's back: verification says so.
    db.execute(
        update(ResultRow)
        .where(
            ResultRow.snapshot_id == snapshot.id,
            ResultRow.node_code == "TOTAL",
            ResultRow.agency_code == "01",
        )
        .values(published=999.0)
        .execution_options(synchronize_session=False)
    )
    report = verify_snapshot(db, snapshot_id=snapshot.id)
    assert not report.identical and report.differences == ["1 rows differ in published"]
    with pytest.raises(NotFound):
        load_snapshot(db, snapshot_id=123456)
    # Through the application, a stored row can never be changed.
    row = db.query(ResultRow).filter_by(snapshot_id=snapshot.id, node_code="TOTAL").first()
    assert row is not None
    row.published = 1.0
    with pytest.raises(Conflict):
        db.flush()
