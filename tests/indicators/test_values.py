"""Entering indicator values: validation, who may enter, outliers flagged and confirmed, clearing, approval,
the integrators' scope and idempotent pushes. Runs on SQLite and on PostgreSQL when it is configured."""

from __future__ import annotations

import pytest
from indicator_values_support import (
    COMMUNES,
    OTHER,
    OWNER,
    PROVINCE,
    add_history,
    add_indicator,
    add_units,
    add_user,
    stored,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.accounts.tokens import OutOfScope, create_token
from chiso.errors import InvalidInput, PermissionDenied
from chiso.indicators import approvals, values
from chiso.indicators.schemas import ValueIn
from chiso.store.models.audit import AuditEntry

QUARTERS = [f"{y}-Q{q}" for y in (2022, 2023, 2024) for q in (1, 2, 3, 4)]
STEADY = [50.0, 52.0, 49.0, 51.0, 50.0, 48.0, 53.0, 50.0, 51.0, 49.0, 50.0, 52.0]


@pytest.fixture
def site(db: Session) -> Session:
    add_units(db)
    add_indicator(db, "VT_PCT")
    add_history(db, "VT_PCT", PROVINCE, QUARTERS, STEADY)
    return db


def v(code: str = "VT_PCT", value: float | None = 51.0, **kw: object) -> ValueIn:
    data = {"indicator_code": code, "unit_code": PROVINCE, "period": "2025-Q1", "value": value, **kw}
    return ValueIn.model_validate(data)


def test_a_plausible_value_is_entered_and_audited(site: Session) -> None:
    report = values.enter_values(site, values=[v(value=51.5)], actor=SYSTEM)
    assert (report.created, report.changed, report.to_confirm) == (1, 1, [])
    row = stored(site, "VT_PCT", PROVINCE, "2025-Q1")
    assert row is not None and (row.value, row.status, row.channel) == (51.5, "entered", "form")
    audit = site.scalar(select(AuditEntry).where(AuditEntry.object_id == f"VT_PCT/{PROVINCE}/2025-Q1"))
    assert audit is not None and audit.action == "indicator_value.enter"


def test_an_outlier_is_stored_flagged_then_confirmed_with_a_note(site: Session) -> None:
    report = values.enter_values(site, values=[v(value=95.0, note="Mở rộng dịch vụ")], actor=SYSTEM)
    [result] = report.to_confirm
    assert result.flag is not None and result.flag.high < 95 and "Xác nhận" in result.flag.message_vi
    row = stored(site, "VT_PCT", PROVINCE, "2025-Q1")
    assert row is not None and (row.value, row.status, row.note) == (95.0, "flagged", "Mở rộng dịch vụ")
    again = values.enter_values(site, values=[v(value=95.0, confirm=True)], actor=SYSTEM)
    assert again.confirmed == 1 and again.results[0].status == "confirmed"
    assert row.status == "confirmed" and row.note == "Mở rộng dịch vụ"


def test_confirming_an_outlier_needs_a_note(site: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        values.enter_values(site, values=[v(value=95.0, confirm=True)], actor=SYSTEM)
    assert caught.value.problems[0].field == "values.0.note"
    assert stored(site, "VT_PCT", PROVINCE, "2025-Q1") is None


def test_a_whole_batch_is_refused_with_every_problem_located(site: Session) -> None:
    add_indicator(site, "VT_COUNT", value_type="count", level="commune", period_type="month")
    batch = [
        v(value=51.0),
        v("VT_COUNT", 2.5, unit_code=COMMUNES[0], period="2025-01"),
        v("VT_COUNT", -1, unit_code=COMMUNES[1], period="2025-02"),
        v("VT_COUNT", 3, unit_code="99999", period="2025-Q1"),
        v("NOPE", 1),
        v(value=120.0, period="2025-Q2"),
        v(value=50.0, period="2099-Q1"),
    ]
    with pytest.raises(InvalidInput) as caught:
        values.enter_values(site, values=batch, actor=SYSTEM)
    fields = sorted(p.field or "" for p in caught.value.problems)
    assert fields == [
        "values.1.value",
        "values.2.value",
        "values.3.period",
        "values.3.unit_code",
        "values.4.indicator_code",
        "values.5.value",
        "values.6.period",
    ]
    assert stored(site, "VT_PCT", PROVINCE, "2025-Q1") is None  # all or nothing


def test_min_and_max_of_the_catalogue_override_the_percent_range(site: Session) -> None:
    add_indicator(site, "VT_RATE", value_type="percent", min_value=0, max_value=300, outlier_sd=None)
    report = values.enter_values(site, values=[v("VT_RATE", 250.0)], actor=SYSTEM)
    assert report.created == 1


def test_a_reporter_enters_only_what_its_agency_owns(site: Session) -> None:
    add_indicator(site, "VT_OTHER", owner_agency_code=OTHER)
    reporter = add_user(site, "reporter", OWNER)
    assert values.enter_values(site, values=[v(value=50.0)], actor=reporter).created == 1
    with pytest.raises(PermissionDenied, match="VT_OTHER"):
        values.enter_values(site, values=[v("VT_OTHER", 50.0)], actor=reporter)
    with pytest.raises(PermissionDenied):
        values.enter_values(site, values=[v(value=50.0)], actor=add_user(site, "assessor"))
    secretariat = add_user(site, "secretariat")
    assert values.enter_values(site, values=[v("VT_OTHER", 50.0)], actor=secretariat).created == 1


def test_a_computed_or_inactive_indicator_takes_no_values(site: Session) -> None:
    add_indicator(site, "VT_FORMULA", source="formula", formula="VT_PCT * 2")
    add_indicator(site, "VT_OLD", active=False)
    with pytest.raises(InvalidInput) as caught:
        values.enter_values(site, values=[v("VT_FORMULA", 1.0), v("VT_OLD", 1.0)], actor=SYSTEM)
    assert len(caught.value.problems) == 2


def test_clearing_deletes_the_row_never_zero(site: Session) -> None:
    values.enter_values(site, values=[v(value=50.0)], actor=SYSTEM)
    report = values.enter_values(site, values=[v(value=None)], actor=SYSTEM)
    assert report.cleared == 1 and stored(site, "VT_PCT", PROVINCE, "2025-Q1") is None
    assert values.enter_values(site, values=[v(value=None)], actor=SYSTEM).unchanged == 1


def test_the_same_values_twice_change_nothing(site: Session) -> None:
    first = values.enter_values(site, values=[v(value=50.0, note="n")], actor=SYSTEM)
    audits = site.query(AuditEntry).count()
    second = values.enter_values(site, values=[v(value=50.0, note="n")], actor=SYSTEM)
    assert (first.changed, second.changed, second.unchanged) == (1, 0, 1)
    assert site.query(AuditEntry).count() == audits
    assert second.summary()[1].startswith("Nothing changed")


def test_a_dry_run_checks_and_stores_nothing(site: Session) -> None:
    report = values.enter_values(site, values=[v(value=95.0)], actor=SYSTEM, dry_run=True)
    assert report.dry_run and len(report.to_confirm) == 1
    assert stored(site, "VT_PCT", PROVINCE, "2025-Q1") is None


def test_approval_by_leaders_of_values_that_need_it(site: Session) -> None:
    add_indicator(site, "VT_APPROVE", needs_approval=True, outlier_sd=None)
    values.enter_values(site, values=[v("VT_APPROVE", 40.0), v(value=50.0)], actor=SYSTEM)
    pending = approvals.pending_approvals(site)
    assert [value.indicator_code for value, _ in pending] == ["VT_APPROVE"]
    with pytest.raises(PermissionDenied):
        approvals.approve_values(site, ids=[pending[0][0].id], actor=add_user(site, "reporter", OWNER))
    leader = add_user(site, "leader")
    assert approvals.approve_values(site, ids=[pending[0][0].id], actor=leader) == 1
    row = stored(site, "VT_APPROVE", PROVINCE, "2025-Q1")
    assert row is not None and (row.status, row.approved_by) == ("approved", leader.username)
    plain = stored(site, "VT_PCT", PROVINCE, "2025-Q1")
    assert plain is not None
    with pytest.raises(InvalidInput):
        approvals.approve_values(site, ids=[plain.id], actor=leader)
    values.enter_values(site, values=[v("VT_APPROVE", 41.0)], actor=SYSTEM)  # a change needs a new approval
    assert row.status == "entered" and row.approved_by is None


def test_a_push_stays_within_its_token_scope_and_is_idempotent(site: Session) -> None:
    _, _ = create_token(site, name="vt-all", record_kinds=["indicators"])
    scoped, _ = create_token(site, name="vt-one", record_kinds=["indicator:VT_PCT"], agency_root=OTHER)
    token = site.scalar(select(type(scoped)).where(type(scoped).name == "vt-all"))
    assert token is not None
    first = values.push_values(site, values=[v(value=50.0)], token=token)
    second = values.push_values(site, values=[v(value=50.0)], token=token)
    assert (first.created, second.changed, second.unchanged) == (1, 0, 1)
    row = stored(site, "VT_PCT", PROVINCE, "2025-Q1")
    assert row is not None and (row.channel, row.entered_by) == ("api", "api:vt-all")
    audit = site.scalar(select(AuditEntry).where(AuditEntry.object_id == f"VT_PCT/{PROVINCE}/2025-Q1"))
    assert audit is not None and audit.reason == "api:vt-all"
    with pytest.raises(OutOfScope, match=OWNER):  # the right indicator, but owned outside its subtree
        values.push_values(site, values=[v(value=51.0)], token=scoped)
    records, _ = create_token(site, name="vt-records", record_kinds=["dossiers"])
    with pytest.raises(OutOfScope, match="indicator:VT_PCT"):
        values.push_values(site, values=[v(value=51.0)], token=records)
