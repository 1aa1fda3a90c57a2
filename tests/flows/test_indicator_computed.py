"""Computed indicators from the record store: DVC_TL_DUNG_HAN equals the monitoring room's on-time rate of
the province, month by month, and a rerun changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.errors import PermissionDenied
from chiso.flows.demo import DEMO_STEPS
from chiso.flows.followup_eval import CUSTOM_FILE
from chiso.flows.indicator_computed import CHANNEL, refresh_computed_indicators
from chiso.indicators.demo import load_demo_catalogue
from chiso.monitoring.generate import generate_demo_records
from chiso.monitoring.live import compute_live_board
from chiso.monitoring.metrics import builtin_metrics
from chiso.monitoring.periods import parse_period
from chiso.monitoring.reconcile import percent
from chiso.monitoring.runner import compute_from_store
from chiso.store.models.indicators import Indicator, IndicatorValue
from chiso.store.models.users import User

TODAY = date(2026, 5, 20)
AGENCIES = ["DNG.SO.KHCN", "DNG.SO.TC", "DNG.PX.20242", "DNG.PX.20257"]
FINISHED = ["2026-03", "2026-04"]  # the store holds March to May; May is not finished


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three months of synthetic dossiers of four agencies (the demo's generator, smaller)."""
    data_dir = tmp_path_factory.mktemp("computed-indicators") / "var"
    generate_demo_records(data_dir, AGENCIES, end=TODAY, months=3, per_agency=400)
    return data_dir


def _add_catalogue(db: Session, *extra: Indicator) -> list[str]:
    """Add the demo catalogue's computed indicators (and `extra`); return their codes."""
    _, entries = load_demo_catalogue()
    now = clock.now()
    rows = [
        Indicator(**e.indicator.model_dump(), updated_at=now, updated_by="test")
        for e in entries
        if e.indicator.source == "computed"
    ]
    db.add_all([*rows, *extra])
    db.flush()
    return [row.code for row in rows]


def _stored(db: Session) -> dict[tuple[str, str], IndicatorValue]:
    rows = db.scalars(select(IndicatorValue).where(IndicatorValue.unit_code == "48"))
    return {(row.indicator_code, row.period): row for row in rows}


def _province_rate(metric_code: str, month: str, data_dir: Path) -> float | None:
    """The metric over the province, computed on its own for one month: every agency's counts summed."""
    metric = next(m for m in builtin_metrics() if m.code == metric_code)
    table = compute_from_store(month, data_dir=data_dir, metrics=[metric])
    return percent(table["numerator"].sum(), table["denominator"].sum())


def test_the_on_time_share_equals_the_monitoring_metric_month_by_month(db: Session, records: Path) -> None:
    codes = _add_catalogue(db)
    assert "DVC_TL_DUNG_HAN" in codes and len(codes) >= 2
    report = refresh_computed_indicators(db, actor=SYSTEM, province_code="48", today=TODAY, data_dir=records)
    assert report.months == FINISHED and report.indicators == sorted(codes) and not report.skipped
    stored = _stored(db)
    assert set(stored) == {(code, month) for code in codes for month in FINISHED}
    for month in FINISHED:
        value = stored[("DVC_TL_DUNG_HAN", month)]
        assert value.value == _province_rate("TIMELINESS", month, records)
        assert value.channel == CHANNEL and value.status == "entered" and value.entered_by == "system"
        board = compute_live_board(
            data_dir=records, now=datetime(2026, 5, 20, 12), period=parse_period(month)
        )
        assert value.value == pytest.approx(board.rates["TIMELINESS"], abs=0.01)
        assert 0 < value.value <= 100
    payment = next(i for i in db.scalars(select(Indicator)) if i.metric_code == "PAYMENT_DOSSIERS")
    assert stored[(payment.code, "2026-04")].value == _province_rate("PAYMENT_DOSSIERS", "2026-04", records)


def test_a_rerun_changes_nothing(db: Session, records: Path) -> None:
    codes = _add_catalogue(db)
    refresh_computed_indicators(db, actor=SYSTEM, province_code="48", today=TODAY, data_dir=records)
    before = {key: (row.value, row.entered_at, row.status) for key, row in _stored(db).items()}
    again = refresh_computed_indicators(db, actor=SYSTEM, province_code="48", today=TODAY, data_dir=records)
    assert again.written == again.removed == 0 and again.unchanged == len(codes) * len(FINISHED)
    assert {key: (row.value, row.entered_at, row.status) for key, row in _stored(db).items()} == before


def test_a_changed_value_is_brought_back_and_only_asked_months_are_computed(
    db: Session, records: Path
) -> None:
    _add_catalogue(db)
    refresh_computed_indicators(db, actor=SYSTEM, province_code="48", today=TODAY, data_dir=records)
    row = _stored(db)[("DVC_TL_DUNG_HAN", "2026-04")]
    right, row.value = row.value, 1.0
    db.flush()
    report = refresh_computed_indicators(
        db, actor=SYSTEM, province_code="48", today=TODAY, data_dir=records, months=["2026-04"]
    )
    assert report.months == ["2026-04"] and report.written == 1
    assert _stored(db)[("DVC_TL_DUNG_HAN", "2026-04")].value == right


def test_metrics_that_cannot_be_summed_or_do_not_exist_are_skipped_with_the_reason(
    db: Session, records: Path
) -> None:
    now = clock.now()
    odd = [
        Indicator(code=code, name_vi=code, value_type="percent", period_type="month", level="province",
                  aggregation="none", source="computed", metric_code=metric, updated_at=now)
        for code, metric in (("X_UNKNOWN", "NO_SUCH_METRIC"), ("X_PROCEDURES", "ONLINE_PROCEDURE_RATE"))
    ]  # fmt: skip
    _add_catalogue(db, *odd)
    report = refresh_computed_indicators(db, actor=SYSTEM, province_code="48", today=TODAY, data_dir=records)
    assert "NO_SUCH_METRIC" in report.skipped["X_UNKNOWN"]
    assert "procedures" in report.skipped["X_PROCEDURES"]
    assert not {code for code, _ in _stored(db)} & {"X_UNKNOWN", "X_PROCEDURES"}


def test_nothing_is_computed_without_records_or_for_another_role(db: Session, tmp_path: Path) -> None:
    _add_catalogue(db)
    empty = refresh_computed_indicators(
        db, actor=SYSTEM, province_code="48", today=TODAY, data_dir=tmp_path / "none"
    )
    assert empty.months == [] and empty.written == 0 and _stored(db) == {}
    reporter = User(username="demo_reporter", full_name="Báo cáo", role="reporter", is_active=True)
    with pytest.raises(PermissionDenied):
        refresh_computed_indicators(db, actor=reporter, province_code="48", today=TODAY, data_dir=tmp_path)


def test_the_demo_builds_the_indicators_after_the_records() -> None:
    names = [name for name, _ in DEMO_STEPS]
    assert names.index("build_demo_indicators") > names.index("generate_monitoring_records")
    assert names.index("build_demo_indicators") > names.index("import_demo_agencies")


def test_a_month_without_counted_records_has_no_value_never_zero(db: Session, records: Path) -> None:
    """A province's custom metric whose denominator counts nothing: the stale computed value goes, a
    value typed by hand stays, and no zero is written."""
    custom = records / CUSTOM_FILE
    custom.write_text(
        "metrics:\n  - code: NEVER_COUNTED\n    name_vi: Không đếm\n    name_en: Never counted\n"
        "    source: dossiers\n    numerator: 'true'\n    denominator: 'false'\n    zero_policy: zero\n",
        encoding="utf-8",
    )
    now = clock.now()
    never = Indicator(code="X_NEVER", name_vi="Không đếm", value_type="percent", period_type="month",
                      level="province", aggregation="none", source="computed", metric_code="NEVER_COUNTED",
                      updated_at=now)  # fmt: skip
    _add_catalogue(db, never)
    for month, channel in (("2026-03", CHANNEL), ("2026-04", "form")):
        row = IndicatorValue(indicator_code="X_NEVER", unit_code="48", period=month, value=50.0)
        row.status, row.channel, row.entered_by, row.entered_at = "entered", channel, "test", now
        db.add(row)
    db.flush()
    try:
        report = refresh_computed_indicators(
            db, actor=SYSTEM, province_code="48", today=TODAY, data_dir=records
        )
    finally:
        custom.unlink()
    assert report.removed == 1 and "X_NEVER" in report.indicators
    stored = _stored(db)
    assert ("X_NEVER", "2026-03") not in stored and stored[("X_NEVER", "2026-04")].channel == "form"
    assert all(row.value > 0 for row in stored.values())
