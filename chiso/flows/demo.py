"""The demo province (Đà Nẵng), composed from each room's own demo steps.

Flows layer: imports the rooms' demo steps and services (units, accounts, monitoring) and the
assessment demo flow (chiso.flows.demo_assessment); imported by chiso.cli only (and tests). In order:
the units room's steps (administrative units, agencies before and after 2025, peer groups), then the
accounts room's users, then the monitoring room's synthetic records, then the assessment periods
(the 2024 one published through the scoring flow), the follow-up, then the indicator catalogue with
its values (the computed ones from the records, chiso.flows.indicator_computed). Each step is named
and timed; the build flushes, never commits. Deterministic: fixed orders, randomness only from DEMO_SEED (the
records and the assessment are seeded by their rooms), and idempotent: a second build changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.accounts.demo import DEMO_REPORTER_AGENCIES, create_demo_users
from chiso.config import get_settings
from chiso.flows.demo_assessment import build_demo_assessment
from chiso.flows.demo_followup import add_demo_followup
from chiso.flows.indicator_computed import refresh_computed_indicators
from chiso.flows.live_history import fill_history
from chiso.flows.reconcile import import_demo_portal
from chiso.indicators.demo import add_demo_indicators
from chiso.indicators.demo_dashboards import add_demo_dashboards
from chiso.monitoring.generate import generate_demo_records
from chiso.units.access import check_can_edit_units
from chiso.units.admin_load import ProgressFn
from chiso.units.agencies import get_agency, has_agencies, search_agencies
from chiso.units.demo import (
    DEMO_PROVINCE,
    DEMO_SEED,
    UNITS_DEMO_STEPS,
    UnitsDemo,
    UnitsDemoSummary,
    run_steps,
)

__all__ = ["DEMO_STEPS", "DemoContext", "DemoSummary", "ProgressFn", "build_demo", "has_agencies"]


@dataclass
class DemoSummary:
    """What the demo build did, room by room, and the seconds each step took."""

    units: UnitsDemoSummary = field(default_factory=UnitsDemoSummary)
    users_created: list[str] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)
    assessment: dict[str, int] = field(default_factory=dict)
    indicators: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class DemoContext:
    """What the steps share: the units room's context (session, actor, seeded generator) and the summary."""

    units: UnitsDemo
    summary: DemoSummary = field(default_factory=DemoSummary)

    def __post_init__(self) -> None:
        self.summary.units = self.units.summary


def _units_step(step: Callable[[UnitsDemo], None]) -> Callable[[DemoContext], None]:
    """Run one of the units room's steps on its part of the context."""

    def run(ctx: DemoContext) -> None:
        step(ctx.units)

    run.__doc__ = step.__doc__
    return run


def create_users(ctx: DemoContext) -> None:
    """Create one demo user per role, the reporters bound to their Đà Nẵng agency (accounts room)."""
    session = ctx.units.session
    ids = {code: get_agency(session, code=code).id for code in sorted(set(DEMO_REPORTER_AGENCIES.values()))}
    ctx.summary.users_created = create_demo_users(session, agency_ids=ids, province_code=DEMO_PROVINCE)


def generate_monitoring_records(ctx: DemoContext) -> None:
    """Fill the record store with 13 months of synthetic dossiers and petitions of today's agencies.

    Thirteen, so this month has the same month of last year beside it (the dashboard's "vs last year").
    """
    today = clock.today()
    agencies = search_agencies(ctx.units.session, province_code=DEMO_PROVINCE, on=today)
    codes = sorted(agency.code for agency in agencies)
    ctx.summary.records = generate_demo_records(get_settings().data_dir, codes, end=today, months=13)


def build_live_history(ctx: DemoContext) -> None:
    """Keep 13 closed months of live 766 scores and today's snapshot, so every trend has a history."""
    now = clock.local_now().replace(tzinfo=None, microsecond=0)
    months = fill_history(ctx.units.session, actor=ctx.units.actor, data_dir=get_settings().data_dir, now=now)
    ctx.summary.records["history_months"] = len(months)


def import_demo_portal_figures(ctx: DemoContext) -> None:
    """Import the portal's figures of last month, made from the demo records with a few differences."""
    report = import_demo_portal(ctx.units.session)
    ctx.summary.records["portal_figures"] = report.new + report.replaced + report.unchanged


def open_demo_assessment(ctx: DemoContext) -> None:
    """Add the assessment cycle: the 2024 ranking published, the 2026 period in progress."""
    ctx.summary.assessment = build_demo_assessment(
        ctx.units.session, province_code=DEMO_PROVINCE, today=clock.today()
    )


def build_demo_indicators(ctx: DemoContext) -> None:
    """Add the indicator catalogue with its values since 2022 and targets; compute DVC_TL_DUNG_HAN and
    the other computed indicators from the records (so after the monitoring steps)."""
    session, actor, today = ctx.units.session, ctx.units.actor, clock.today()
    added = add_demo_indicators(session, actor=actor, today=today)
    computed = refresh_computed_indicators(session, actor=actor, province_code=DEMO_PROVINCE, today=today)
    dashboards = add_demo_dashboards(session, actor=actor)
    ctx.summary.indicators = {"indicators": added.indicators, "values": added.values,
                              "targets": added.targets, "computed": computed.written,
                              "dashboards": len(dashboards)}  # fmt: skip


# The whole demo, in order: every room's own steps, the units room's first.
DEMO_STEPS: list[tuple[str, Callable[[DemoContext], None]]] = [
    *((name, _units_step(step)) for name, step in UNITS_DEMO_STEPS),
    ("create_demo_users", create_users),
    ("generate_monitoring_records", generate_monitoring_records),
    ("build_live_history", build_live_history),
    ("import_demo_portal_figures", import_demo_portal_figures),
    ("open_demo_assessment", open_demo_assessment),
    ("build_demo_indicators", build_demo_indicators),  # before the follow-up, whose alerts judge its targets
    ("build_demo_followup", add_demo_followup),
]


def build_demo(session: Session, *, actor: Actor, progress: ProgressFn | None = None) -> DemoSummary:
    """Build (or refresh) the demo province: units, agencies and groups, users, records, assessment.

    Idempotent: a second build changes nothing. Deterministic: seeded with DEMO_SEED.

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        actor: who builds (SYSTEM from `chiso demo`, or a secretariat user).
        progress: optional ``progress(step, done, total)`` callback, called before each step and once
            at the end with step "done".

    Returns:
        A DemoSummary with each room's counts and the seconds each step took.

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system (nothing is written).
    """
    check_can_edit_units(actor, what_vi="dựng dữ liệu demo", what_en="build the demo")
    ctx = DemoContext(units=UnitsDemo(session=session, actor=actor, rng=random.Random(DEMO_SEED)))
    ctx.summary.seconds = run_steps(ctx, DEMO_STEPS, progress)
    session.flush()
    return ctx.summary
