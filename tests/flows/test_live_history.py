"""The history of live 766 scores: daily and monthly snapshots in the SQL store, retention, one run a day,
and an agency's months as the scorecard will read them (issue 11)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.config import get_settings
from chiso.errors import PermissionDenied
from chiso.flows import live_history
from chiso.monitoring.history import Snapshot
from chiso.monitoring.ingest import ingest_files
from chiso.store.db import session_scope
from chiso.store.models.live_history import LiveScoreSnapshot
from chiso.store.models.users import User

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "monitoring"))
from metric_data import dossiers  # noqa: E402

NOW = datetime(2026, 8, 20, 10, 0)  # province wall time


@pytest.fixture
def url(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The migrated store, its history emptied before and after."""
    monkeypatch.setenv("CHISO_DATABASE_URL", store_url)
    with session_scope(store_url) as s:
        s.execute(delete(LiveScoreSnapshot))
    yield store_url
    with session_scope(store_url) as s:
        s.execute(delete(LiveScoreSnapshot))


def _records(tmp_path: Path) -> None:
    rows = [
        {"dossier_id": f"{a}-{m}-{i}", "agency_code": a, "received_at": f"2026-{m:02d}-03 09:00",
         "due_at": f"2026-{m:02d}-10 17:00", "finished_at": f"2026-{m:02d}-0{4 + i} 10:00",
         "status": "finished"}
        for a in ("H1", "H2") for m in (6, 7, 8) for i in range(2) if not (a == "H2" and m == 7)
    ]  # fmt: skip
    pq.write_table(dossiers(*rows), tmp_path / "h.parquet")
    ingest_files([tmp_path / "h.parquet"], data_dir=get_settings().data_dir)


def _snap(*codes: str) -> Snapshot:
    import numpy as np

    return Snapshot(codes, ("TOTAL",), np.array([[80.0 + i for i in range(len(codes))]]))


def test_a_snapshot_keeps_today_and_the_closed_month_and_reads_back_per_agency(
    url: str, tmp_path: Path
) -> None:
    _records(tmp_path)
    report = live_history.snapshot_live_scores(actor=SYSTEM, url=url, now=NOW)
    assert report.days == ["2026-08-20"] and report.months == ["2026-07"] and report.agencies == 2
    again = live_history.snapshot_live_scores(actor=SYSTEM, url=url, now=NOW)
    assert again.months == []  # a closed month is written once
    with session_scope(url) as s:
        assert s.scalar(select(func.count(LiveScoreSnapshot.id))) == 2  # today replaced, not added
        points = live_history.get_monthly_history(s, agency_code="H1", months=12, until=date(2026, 8, 20))
        h2 = live_history.get_monthly_history(s, agency_code="H2", months=12, until=date(2026, 8, 20))
    assert [(p.month, p.closed) for p in points] == [("2026-07", True), ("2026-08", False)]
    assert all(p.figures["TOTAL"] is not None and p.figures["RECEIVED"] == 2 for p in points)
    assert h2[0].figures["TOTAL"] is None and h2[0].figures["RANK"] is None  # no dossiers in July: no data
    assert h2[1].figures["TOTAL"] is not None


def test_old_days_go_after_the_retention_and_months_stay(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.execute(delete(LiveScoreSnapshot))
    for day in (date(2025, 1, 1), date(2026, 8, 1)):
        live_history.write_snapshot(db, actor=SYSTEM, kind="day", period=day, snapshot=_snap("A"))
    live_history.write_snapshot(db, actor=SYSTEM, kind="month", period=date(2025, 1, 1), snapshot=_snap("A"))
    monkeypatch.setenv("CHISO_LIVE_HISTORY_DAYS", "30")
    gone = live_history.prune_days(
        db, actor=SYSTEM, today=date(2026, 8, 20), keep_days=live_history.retention_days()
    )
    assert gone == 1
    kept = db.execute(
        select(LiveScoreSnapshot.kind, LiveScoreSnapshot.period).order_by(LiveScoreSnapshot.id)
    ).all()
    assert [tuple(k) for k in kept] == [("day", date(2026, 8, 1)), ("month", date(2025, 1, 1))]


def test_only_the_system_or_the_secretariat_writes_history(db: Session) -> None:
    reporter = User(username="h_reporter", full_name="Báo cáo", role="reporter", is_active=True)
    with pytest.raises(PermissionDenied):
        live_history.write_snapshot(
            db, actor=reporter, kind="day", period=date(2026, 8, 1), snapshot=_snap("A")
        )


def test_the_worker_s_job_runs_once_a_day(url: str, tmp_path: Path) -> None:
    _records(tmp_path)
    with clock.frozen(datetime(2026, 8, 20, 3, 0, tzinfo=UTC)):
        first = live_history.snapshot_if_due(url, actor=SYSTEM)
        second = live_history.snapshot_if_due(url, actor=SYSTEM)
    assert first is not None and first.days == ["2026-08-20"] and second is None
