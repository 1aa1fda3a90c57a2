"""Monitoring feeds the yearly index: sourced leaves computed into the forms, on a real SQLite store."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from assess_helpers import REVIEW_BY, SUBMIT_BY, T0, Province
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.assessment import periods, submissions
from chiso.assessment.computed import describe_lineage, parse_lineage
from chiso.config import get_settings
from chiso.errors import InvalidInput, PermissionDenied
from chiso.flows import computed as flow
from chiso.monitoring.ingest import ingest_records
from chiso.store.models.audit import AuditEntry

P = "DNG-2026"
NOW = datetime(2026, 3, 2, 7, 2, tzinfo=clock.local_zone())  # 07:02 in the province


def _dossier(
    i: int, agency: str, received: str, *, late: bool = False, online: bool = False
) -> dict[str, Any]:
    day = received[:10]
    return {
        "dossier_id": f"{agency}-{i}", "agency_code": agency, "procedure_code": "P1",
        "channel": "online" if online else "direct", "received_at": f"{day} 09:00",
        "due_at": f"{day} 17:00", "finished_at": f"{day} {'18:00' if late else '10:00'}",
        "status": "finished",
    }  # fmt: skip


def _ingest(*rows: dict[str, Any]) -> list[tuple[str | None, str]]:
    report = ingest_records(list(rows), kind="dossiers", data_dir=get_settings().data_dir)
    assert report.rejected == 0
    return [pair for pairs in report.affected.values() for pair in pairs]


def _open(db: Session, province: Province) -> None:
    flow.open_period(
        db, code=P, name_vi="Đánh giá 2026", province_code="48", period="2026", framework_id="danang-it-2026",
        group_codes=["SBN", "PX"], submission_deadline=SUBMIT_BY, review_deadline=REVIEW_BY,
        actor=province.users["vanthu"], now=NOW,
    )  # fmt: skip


def _fields(db: Session, agency: str, actor: Any = SYSTEM) -> dict[str, Any]:
    view = submissions.get_submission_view(db, period_code=P, agency_code=agency, actor=actor)
    return {f.code: f for s in view.sections for f in s.fields}


@pytest.fixture
def records() -> None:
    _ingest(
        _dossier(1, "DNG.SO.A", "2026-01-12"),
        _dossier(2, "DNG.SO.A", "2026-02-03", late=True, online=True),
        _dossier(3, "DNG.SO.A", "2026-02-20"),
        _dossier(1, "DNG.SO.B", "2026-02-10", online=True),
        _dossier(9, "DNG.SO.B", "2025-12-30"),  # the year before: not counted
    )


def test_opening_a_period_writes_each_sourced_leaf_read_only_with_its_lineage(
    db: Session, province: Province, records: None
) -> None:
    with clock.frozen(NOW):
        _open(db, province)
    a = _fields(db, "DNG.SO.A")
    assert (a["DVC_DUNG_HAN"].numerator, a["DVC_DUNG_HAN"].denominator) == (2, 3)
    assert a["DVC_HO_SO_TRUC_TUYEN"].value == 0.3333  # 33.33%, rounded as the portal publishes rates
    assert a["DVC_DUNG_HAN"].computed and not a["DVC_TOAN_TRINH"].computed
    assert describe_lineage(a["DVC_DUNG_HAN"].source) == (
        "tính từ 3 hồ sơ (TIMELINESS), 01/2026-03/2026, lúc 07:02 ngày 02/03/2026"
    )
    assert describe_lineage(a["DVC_DUNG_HAN"].source, "en").startswith(
        "computed from 3 dossiers (TIMELINESS)"
    )
    b = _fields(db, "DNG.SO.B")
    assert (b["DVC_DUNG_HAN"].numerator, b["DVC_DUNG_HAN"].denominator) == (1, 1)
    nothing = _fields(db, "DNG.SO.C")["DVC_DUNG_HAN"]  # no dossiers: computed from 0, no value (never 0%)
    assert (nothing.value, nothing.denominator, nothing.computed) == (None, 0, True)
    with pytest.raises(InvalidInput, match="DVC_DUNG_HAN"):
        submissions.save_draft(db, period_code=P, agency_code="DNG.SO.A", actor=province.users["baocao.a"],
                               values={"DVC_DUNG_HAN": {"numerator": 3, "denominator": 3}})  # fmt: skip


def test_refreshing_twice_changes_nothing(db: Session, province: Province, records: None) -> None:
    with clock.frozen(NOW):
        _open(db, province)
    before = db.scalar(select(func.count()).select_from(AuditEntry))
    source = _fields(db, "DNG.SO.A")["DVC_DUNG_HAN"].source
    with clock.frozen(datetime(2026, 3, 2, 9, 30, tzinfo=clock.local_zone())):
        report = flow.refresh_computed_values(db, period_code=P, actor=SYSTEM)
    assert (report.written, report.values) == (0, 12)
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert _fields(db, "DNG.SO.A")["DVC_DUNG_HAN"].source == source  # the lineage keeps its first time


def test_an_ingest_updates_the_open_period_and_a_freeze_keeps_the_cut_off(
    db: Session, province: Province, records: None
) -> None:
    with clock.frozen(NOW):
        _open(db, province)
        affected = _ingest(_dossier(4, "DNG.SO.A", "2026-03-01", late=True))
        values, reports = flow.recompute_after_ingest(db, affected, actor=SYSTEM)
    assert not values.empty and [r.written for r in reports] == [2]
    assert _fields(db, "DNG.SO.A")["DVC_DUNG_HAN"].denominator == 4
    with clock.frozen(NOW), pytest.raises(PermissionDenied):
        flow.freeze_computed_values(
            db, period_code=P, cutoff=date(2026, 2, 28), actor=province.users["baocao.a"]
        )
    with clock.frozen(NOW), pytest.raises(InvalidInput, match="03/03/2026"):
        flow.freeze_computed_values(
            db, period_code=P, cutoff=date(2026, 3, 3), actor=province.users["vanthu"]
        )
    with clock.frozen(NOW):
        frozen = flow.freeze_computed_values(
            db, period_code=P, cutoff=date(2026, 2, 28), actor=province.users["vanthu"]
        )
    assert frozen.frozen_at == date(2026, 2, 28)
    field = _fields(db, "DNG.SO.A")["DVC_DUNG_HAN"]
    assert (field.numerator, field.denominator) == (2, 3)  # the 1 March dossier is after the cut-off
    lineage = parse_lineage(field.source)
    assert lineage is not None and lineage.cutoff == date(2026, 2, 28) and lineage.last_month == "2026-02"
    assert "chốt số liệu đến 28/02/2026" in describe_lineage(field.source)
    with clock.frozen(NOW):
        later = _ingest(_dossier(5, "DNG.SO.A", "2026-02-27"))
        _, reports = flow.recompute_after_ingest(db, later, actor=SYSTEM)
    assert [r.skipped for r in reports] == ["frozen"]
    assert _fields(db, "DNG.SO.A")["DVC_DUNG_HAN"].denominator == 3
    with clock.frozen(NOW):
        flow.unfreeze_computed_values(db, period_code=P, actor=province.users["vanthu"])
    assert _fields(db, "DNG.SO.A")["DVC_DUNG_HAN"].denominator == 5


def test_an_unknown_metric_is_named_before_anything_is_written(
    db: Session, province: Province, tmp_path: Path
) -> None:
    text = Path("chiso/frameworks/builtin/danang-it-2026.yaml").read_text("utf-8")
    path = tmp_path / "fw.yaml"
    path.write_text(text.replace("metric: TIMELINESS", "metric: NO_SUCH_METRIC"), "utf-8")
    with clock.frozen(NOW), pytest.raises(InvalidInput, match="DVC_DUNG_HAN -> NO_SUCH_METRIC"):
        flow.open_period(
            db, code=P, name_vi="x", province_code="48", period="2026", framework_id=str(path),
            group_codes=["SBN"], submission_deadline=SUBMIT_BY, review_deadline=REVIEW_BY,
            actor=province.users["vanthu"], now=NOW,
        )  # fmt: skip


def test_an_approved_submission_keeps_its_values(db: Session, province: Province, records: None) -> None:
    assert T0 < NOW
    with clock.frozen(NOW):
        _open(db, province)
    sub = periods.get_submission_for(db, period=periods.get_period(db, code=P), agency_code="DNG.SO.B")
    sub.status = "approved"
    db.flush()
    with clock.frozen(NOW):
        _ingest(_dossier(7, "DNG.SO.B", "2026-02-11", late=True))
        report = flow.refresh_computed_values(db, period_code=P, actor=SYSTEM)
    assert report.written == 0
    assert _fields(db, "DNG.SO.B")["DVC_DUNG_HAN"].denominator == 1
