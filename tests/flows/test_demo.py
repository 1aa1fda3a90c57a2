"""The whole demo, composed from each room's steps: units -> accounts -> monitoring records -> assessment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.accounts.demo import DEMO_LOGINS, DEMO_REPORTER_AGENCIES
from chiso.accounts.service import authenticate
from chiso.assessment.demo import CURRENT_CODE, LATE_GROUPS
from chiso.assessment.workbench import get_workbench
from chiso.errors import PermissionDenied
from chiso.flows.demo import DEMO_STEPS, DemoSummary, build_demo, has_agencies
from chiso.store.db import get_engine
from chiso.store.models.agencies import Agency
from chiso.store.models.assessment import SUBMISSION_STATUSES
from chiso.store.models.users import ROLES, User
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.agencies import get_agency
from chiso.units.agency_export import export_rows
from chiso.units.demo import DEMO_PROVINCE, UNITS_DEMO_STEPS


@pytest.fixture(scope="module")
def units_url(store_url: str) -> str:
    ensure_units_loaded(store_url, actor=SYSTEM)
    return store_url


def _users(db: Session) -> list[tuple[str, str, str | None]]:
    """The demo users as (username, role, agency code)."""
    names = [login[0] for login in DEMO_LOGINS]
    rows = db.execute(
        select(User.username, User.role, Agency.code)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(User.username.in_(names))
        .order_by(User.username)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _state(db: Session, summary: DemoSummary) -> tuple[object, ...]:
    return export_rows(db, province_code=DEMO_PROVINCE), _users(db), summary.records, summary.assessment


@pytest.mark.slow  # builds the demo three times (over a minute); CI runs it
def test_demo_is_deterministic_and_idempotent(db: Session, units_url: str) -> None:
    """Two builds from the same start give the same agencies, users, records and assessment; a third
    build on top changes nothing."""
    nested = db.begin_nested()
    first = build_demo(db, actor=SYSTEM)
    snapshot = _state(db, first)
    nested.rollback()
    assert len(snapshot[0]) > 150 and len(snapshot[1]) == len(DEMO_LOGINS)
    second = build_demo(db, actor=SYSTEM)
    assert _state(db, second) == snapshot
    assert second.units.agencies_created == len(snapshot[0])
    again = build_demo(db, actor=SYSTEM)
    assert again.units.agencies_created == again.units.agencies_updated == 0 and again.users_created == []
    assert (export_rows(db, province_code=DEMO_PROVINCE), _users(db)) == snapshot[:2]


def test_only_the_system_or_the_secretariat_builds_the_demo(db: Session, units_url: str) -> None:
    before = db.scalar(select(func.count(Agency.id)))
    reporter = User(username="demo_reporter", full_name="Báo cáo", role="reporter", is_active=True)
    with pytest.raises(PermissionDenied):
        build_demo(db, actor=reporter)
    assert db.scalar(select(func.count(Agency.id))) == before


@dataclass
class Built:
    session: Session
    summary: DemoSummary
    calls: list[tuple[str, int, int]]


@pytest.fixture(scope="module")
def built(units_url: str) -> Iterator[Built]:
    """One demo build shared by the read-only tests below, rolled back at the end."""
    conn = get_engine(units_url).connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    calls: list[tuple[str, int, int]] = []
    summary = build_demo(session, actor=SYSTEM, progress=lambda *call: calls.append(call))
    print(f"\nbuild_demo: {sum(summary.seconds.values()):.1f} s (steps: {summary.seconds})")
    try:
        yield Built(session, summary, calls)
    finally:
        session.close()
        outer.rollback()
        conn.close()


def test_the_steps_run_room_by_room_with_progress_and_timing(built: Built) -> None:
    names = [name for name, _ in DEMO_STEPS]
    units_names = [name for name, _ in UNITS_DEMO_STEPS]
    assert names == units_names + [
        "create_demo_users",
        "generate_monitoring_records",
        "build_live_history",
        "import_demo_portal_figures",
        "open_demo_assessment",
        "build_demo_indicators",
        "build_demo_followup",
    ]
    total = len(names)
    assert built.calls == [(name, i, total) for i, name in enumerate(names)] + [("done", total, total)]
    assert list(built.summary.seconds) == names and all(s >= 0 for s in built.summary.seconds.values())


def test_each_room_did_its_part(built: Built) -> None:
    summary = built.summary
    assert summary.units.agencies > 150 and summary.units.links > 0
    # 2024: departments, central agencies, districts, communes; 2025 and 2026: the same without districts.
    assert summary.units.groups == 4 + 3 + 3
    assert summary.records and all(count > 0 for count in summary.records.values())
    assert summary.assessment and sum(summary.assessment.values()) > 0
    assert summary.indicators["indicators"] >= 40 and summary.indicators["computed"] > 0
    assert has_agencies(built.session)


def test_demo_users_cover_every_role_and_log_in(built: Built) -> None:
    db = built.session
    assert {role for _, _, role, _ in DEMO_LOGINS} == set(ROLES)
    assert built.summary.users_created == [login[0] for login in DEMO_LOGINS]
    for username, agency_code in DEMO_REPORTER_AGENCIES.items():
        password = next(login[1] for login in DEMO_LOGINS if login[0] == username)
        user = authenticate(db, username=username, password=password)
        assert user.agency_id == get_agency(db, code=agency_code).id
    leader = authenticate(db, username="lanhdao", password=DEMO_LOGINS[0][1])
    assert leader.role == "leader" and leader.agency_id is None and leader.province_code == DEMO_PROVINCE


def test_the_2026_period_shows_every_status_and_overdue_agencies(built: Built) -> None:
    """The workbench has something to show: each status, and drafts whose group deadline has passed."""
    assert all(built.summary.assessment[s] > 0 for s in SUBMISSION_STATUSES), built.summary.assessment
    bench = get_workbench(built.session, period_code=CURRENT_CODE, actor=SYSTEM)
    overdue = [r for r in bench.rows if r.overdue]
    assert overdue and all(r.status == "draft" and r.group_code in LATE_GROUPS for r in overdue)
    assert bench.rows[: len(overdue)] == overdue  # listed first
    reporters = set(DEMO_REPORTER_AGENCIES.values())
    assert not reporters & {r.agency_code for r in overdue}  # the demo reporters can still submit
