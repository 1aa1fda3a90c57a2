"""Reconciliation with the portal on a real SQLite store and record store: figures, reasons, dossiers."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from assess_helpers import Province
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.config import get_settings
from chiso.errors import PermissionDenied
from chiso.flows import reconcile as flow
from chiso.monitoring.ingest import ingest_records
from chiso.monitoring.portal_import import read_portal_figures

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=clock.local_zone())


def _dossier(
    n: int, agency: str, *, late: bool = False, synced: bool = True, procedure: str = "P1"
) -> dict[str, Any]:
    day = f"2026-02-{n % 20 + 2:02d}"
    return {
        "dossier_id": f"{agency}-{n}", "agency_code": agency, "procedure_code": procedure,
        "channel": "direct", "received_at": f"{day} 09:00", "due_at": f"{day} 17:00", "status": "finished",
        "finished_at": f"{day} {'17:30' if late else '16:00'}", "synced_national": synced,
    }  # fmt: skip


@pytest.fixture
def store(province: Province) -> Path:
    data_dir = get_settings().data_dir
    ingest_records([{"procedure_code": "P1", "name": "Cấp phép"}], kind="procedures", data_dir=data_dir)
    rows = [_dossier(i, "DNG.SO.A", late=i < 3) for i in range(10)]  # 10 received, 7 on time
    rows += [_dossier(i, "DNG.SO.B", synced=i < 6) for i in range(8)]  # 2 never reached the portal
    rows += [_dossier(i, "DNG.SO.C") for i in range(5)]
    rows += [_dossier(i, "DNG.SO.D", procedure="P9") for i in range(4)]  # P9: not in the catalogue
    assert ingest_records(rows, kind="dossiers", data_dir=data_dir).rejected == 0
    return data_dir


def _portal_file(tmp_path: Path) -> Path:
    units = [
        {"code": "DNG.SO.A", "received": 10, "on_time": 9, "ratio": 90.0, "score": 18.0},  # due dates
        {"code": "DNG.SO.B", "received": 6, "on_time": 6, "ratio": 100.0, "score": 20.0},  # unsynced
        {"code": "DNG.SO.C", "received": 7, "on_time": 7, "ratio": 100.0, "score": 20.0},  # chiso misses 2
        {"code": "DNG.SO.D", "received": 0, "on_time": 0, "ratio": None, "score": 0},  # outside catalogue
        {"code": "DNG.PX.9", "received": 3, "on_time": 3, "ratio": 100.0, "score": 20.0},  # portal only
    ]
    path = tmp_path / "portal.json"
    path.write_text(json.dumps({"period": "2026-02", "indicator": "TIMELINESS", "units": units}), "utf-8")
    return path


def test_each_difference_gets_its_likely_reason_and_its_dossiers(
    db: Session, province: Province, store: Path, tmp_path: Path
) -> None:
    report = flow.import_portal([_portal_file(tmp_path)], actor=province.users["vanthu"])
    assert (report.new, report.periods) == (5, ["2026-02"])
    with clock.frozen(NOW):
        rec = flow.build_reconciliation(db, actor=province.users["lanhdao"])
    assert rec.period == "2026-02" and rec.metrics == ["TIMELINESS"]
    rows = {r.agency_code: r for r in rec.rows}
    assert {c: r.reason for c, r in rows.items()} == {
        "DNG.SO.A": "due_dates", "DNG.SO.B": "not_synced", "DNG.SO.C": "missing_in_chiso",
        "DNG.SO.D": "outside_catalogue", "DNG.PX.9": "portal_only",
    }  # fmt: skip
    a = rows["DNG.SO.A"]
    assert (a.ours_denominator, a.ours_numerator, a.diff_numerator, a.ours_ratio) == (10, 7, -2, 70.0)
    assert a.ours_score == 14.0 and a.portal_score == 18.0 and a.name == "Sở A"
    assert [d.margin_hours for d in a.dossiers[:4]] == [0.5, 0.5, 0.5, -1.0]  # the late ones, closest first
    assert {d.dossier_id for d in rows["DNG.SO.B"].dossiers} == {"DNG.SO.B-6", "DNG.SO.B-7"}
    assert len(rows["DNG.SO.D"].dossiers) == 4 and rows["DNG.SO.C"].dossiers == []
    assert rows["DNG.SO.C"].diff_denominator == -2
    assert rows["DNG.PX.9"].ours_numerator is None
    assert rec.differing == 5 and rec.by_reason["due_dates"] == 1


def test_only_the_secretariat_and_leaders_reconcile(db: Session, province: Province, tmp_path: Path) -> None:
    for role in ("baocao.a", "thamdinh"):
        with pytest.raises(PermissionDenied):
            flow.build_reconciliation(db, actor=province.users[role])
        with pytest.raises(PermissionDenied):
            flow.import_portal([_portal_file(tmp_path)], actor=province.users[role])
    assert read_portal_figures(get_settings().data_dir).empty


def test_nothing_imported_is_an_empty_reconciliation(db: Session, province: Province) -> None:
    rec = flow.build_reconciliation(db, actor=SYSTEM)
    assert (rec.period, rec.rows, rec.periods) == (None, [], [])


def test_the_demo_portal_file_differs_from_chiso_where_it_says(
    db: Session, province: Province, store: Path
) -> None:
    with clock.frozen(NOW):
        first = flow.import_demo_portal(db, data_dir=store)
        again = flow.import_demo_portal(db, data_dir=store)
        rec = flow.build_reconciliation(db, actor=SYSTEM, only_differences=True)
    assert first.new == 4 and (again.new, again.replaced, again.unchanged) == (0, 0, 4)
    reasons = {r.agency_code: r.reason for r in rec.rows}
    assert reasons == {
        "DNG.SO.B": "not_synced",  # the agency with the fewest unsynced dossiers: the portal lacks them
        "DNG.SO.A": "missing_in_chiso",
        "DNG.SO.C": "due_dates",
        "DNG.SO.D": "chiso_only",
        "000.00.00.H17": "portal_only",
    }
    rows, columns = flow.reconciliation_rows(rec)
    assert columns[:4] == ["period", "agency_code", "name", "indicator_code"] and len(rows) == 5
