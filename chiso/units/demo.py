"""The units room's part of the demo: Đà Nẵng's administrative units, agencies before and after 2025, groups.

Domain layer: imports the units room's own services, chiso.store models and the actor type; never
chiso.web, chiso.cli or chiso.flows, and no other room. UNITS_DEMO_STEPS are small named steps on a
UnitsDemo context; chiso.flows.demo runs them first, then the other rooms' demo steps (users, records,
assessment). `build_units_demo` runs the units steps alone (tests). The steps flush, never commit.
Deterministic: every list is built in a fixed order and the only randomness comes from `ctx.rng`,
seeded with DEMO_SEED, so two builds give the same database.

The departments and central agencies come from demo_data/danang_agencies.csv (the agency import
format); the district, ward and commune committees are generated from the real administrative
units of province 48 and linked through the units' 2025 lineage.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import as_file, files
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.store.models.agencies import Agency, AgencyLink, PeerGroup
from chiso.store.models.units import AdminUnit, UnitLineage
from chiso.units.access import check_can_edit_units
from chiso.units.admin import list_units
from chiso.units.admin_load import ProgressFn, load_admin_units, units_loaded
from chiso.units.admin_sources import REFORM_DATE
from chiso.units.agency_import import import_agency_table
from chiso.units.io import COLUMNS, LIST_SEPARATOR, Table, read_table
from chiso.units.text import fold

DEMO_PROVINCE = "48"  # Thành phố Đà Nẵng, the same code before and after 1 July 2025
DEMO_SEED = 20250701
PAST_PERIOD, CURRENT_PERIOD = "2024", "2026"
#: 2025 is assessed in early 2026 on the units after the July 2025 reform, in the same groups as 2026.
MIDDLE_PERIOD = "2025"
_BEFORE_REFORM = date(2025, 6, 30)

_TYPE_EN = {
    "Phường": "Ward",
    "Xã": "Commune",
    "Đặc khu": "Special Zone",
    "Quận": "District",
    "Huyện": "District",
}

Context = TypeVar("Context")


@dataclass
class UnitsDemoSummary:
    """What the units steps did: the units load's counts, agencies created and updated, and the totals."""

    units_load: dict[str, Any] = field(default_factory=dict)
    agencies_created: int = 0
    agencies_updated: int = 0
    agencies: int = 0
    links: int = 0
    groups: int = 0


@dataclass
class UnitsDemo:
    """What the units steps share: the session, who builds, a seeded generator, rows being built."""

    session: Session
    actor: Actor
    rng: random.Random
    summary: UnitsDemoSummary = field(default_factory=UnitsDemoSummary)
    rows: list[dict[str, str]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- steps


def load_units(ctx: UnitsDemo) -> None:
    """Load the real administrative units and their lineage, unless a complete load is there already."""
    if units_loaded(ctx.session):
        ctx.summary.units_load = {"already_loaded": True}
        return
    counts = load_admin_units(ctx.session, actor=ctx.actor)
    ctx.summary.units_load = {k: v for k, v in counts.items() if k != "sources"}


def collect_departments(ctx: UnitsDemo) -> None:
    """Read the departments and central agencies (before and after the 2025 mergers) from demo_data."""
    with as_file(files("chiso.units").joinpath("demo_data/danang_agencies.csv")) as path:
        table = read_table(path)
    ctx.rows.extend(row for _, row in table.rows)


def _committee_name(unit: AdminUnit) -> tuple[str, str]:
    kind = unit.unit_type if unit.full_name.startswith(unit.unit_type) and unit.unit_type else ""
    kind_vi = (kind[:1].lower() + kind[1:]) if kind else ""
    name_vi = f"UBND {kind_vi} {unit.name}".replace("  ", " ")
    name_en = f"{unit.name} {_TYPE_EN.get(kind, 'Commune')} People's Committee"
    return name_vi, name_en


def _district_code(unit: AdminUnit) -> str:
    return "DNG.QH." + fold(unit.name).replace(" ", "").upper()


def collect_district_committees(ctx: UnitsDemo) -> None:
    """Add the eight district committees (UBND quận, huyện), which ended on 1 July 2025."""
    districts = list_units(
        ctx.session, province_code=DEMO_PROVINCE, level="district", on=_BEFORE_REFORM, order="code"
    )
    ctx.data["district_codes"] = {}
    for unit in districts:
        name_vi, name_en = _committee_name(unit)
        code = _district_code(unit)
        ctx.data["district_codes"][unit.code] = code
        ctx.rows.append(_row(code, name_vi, name_en, "district", unit, f"{PAST_PERIOD}:QH"))


def collect_ward_committees_before_reform(ctx: UnitsDemo) -> None:
    """Add the ward and commune committees of Đà Nẵng before 1 July 2025, under their district."""
    communes = list_units(
        ctx.session, province_code=DEMO_PROVINCE, level="commune", on=_BEFORE_REFORM, order="code"
    )
    for unit in communes:
        name_vi, name_en = _committee_name(unit)
        row = _row(f"DNG.PXC.{unit.code}", name_vi, name_en, "commune", unit, f"{PAST_PERIOD}:PX")
        row["parent_code"] = ctx.data["district_codes"].get(unit.parent_code or "", "")
        ctx.rows.append(row)


def collect_commune_committees_after_reform(ctx: UnitsDemo) -> None:
    """Add the commune-level committees of the new Đà Nẵng, linked to the old ones by unit lineage."""
    session = ctx.session
    current = list_units(session, province_code=DEMO_PROVINCE, level="commune", on=REFORM_DATE, order="code")
    old_codes = {row["unit_code"]: row["code"] for row in ctx.rows if row["kind"] in ("district", "commune")}
    old_units = session.scalars(
        select(AdminUnit).where(
            AdminUnit.province_code == DEMO_PROVINCE,
            AdminUnit.level.in_(("district", "commune")),
            AdminUnit.valid_to == REFORM_DATE,
        )
    )
    old_by_id = {u.id: u for u in old_units if u.code in old_codes}
    lineage = list(
        session.execute(
            select(UnitLineage.from_unit_id, UnitLineage.to_unit_id, UnitLineage.kind).where(
                UnitLineage.from_unit_id.in_(old_by_id)
            )
        )
    )
    preds_of: dict[int, list[tuple[str, str]]] = {}
    for from_id, to_id, kind in lineage:
        old = old_by_id[from_id]
        if old.level == "district" and kind not in ("rename", "same"):
            # A dissolved district is no predecessor of the wards on its land (only Hoàng Sa was renamed).
            continue
        preds_of.setdefault(to_id, []).append((old_codes[old.code], kind))
    for unit in current:
        name_vi, name_en = _committee_name(unit)
        groups = f"{MIDDLE_PERIOD}:PX;{CURRENT_PERIOD}:PX"
        row = _row(f"DNG.PX.{unit.code}", name_vi, name_en, "commune", unit, groups)
        preds = sorted(set(preds_of.get(unit.id, [])))
        if preds:
            kinds = [_link_kind(kind, len(preds)) for _, kind in preds]
            row["predecessor_codes"] = LIST_SEPARATOR.join(code for code, _ in preds)
            row["link_kind"] = kinds[0] if len(set(kinds)) == 1 else LIST_SEPARATOR.join(kinds)
            row["link_date"] = REFORM_DATE.isoformat()
        ctx.rows.append(row)


def _link_kind(unit_kind: str, predecessors: int) -> str:
    if unit_kind == "partial":
        return "split"
    return "rename" if predecessors == 1 else "merge"


def _row(code: str, name_vi: str, name_en: str, kind: str, unit: AdminUnit, groups: str) -> dict[str, str]:
    return {
        "code": code,
        "name_vi": name_vi,
        "name_en": name_en,
        "kind": kind,
        "unit_code": unit.code,
        "province_code": DEMO_PROVINCE,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else "",
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else "",
        "groups": groups,
    }


def import_demo_agencies(ctx: UnitsDemo) -> None:
    """Validate and write every demo agency, link and group membership in one import; count the result."""
    session = ctx.session
    table = Table("demo:danang", list(COLUMNS), [(i, row) for i, row in enumerate(ctx.rows, start=2)])
    report = import_agency_table(session, actor=ctx.actor, table=table)
    ctx.summary.agencies_created = len(report.created)
    ctx.summary.agencies_updated = len(report.updated)
    ctx.summary.agencies = int(
        session.scalar(select(func.count(Agency.id)).where(Agency.province_code == DEMO_PROVINCE)) or 0
    )
    ctx.summary.links = int(session.scalar(select(func.count(AgencyLink.id))) or 0)
    ctx.summary.groups = int(
        session.scalar(select(func.count(PeerGroup.id)).where(PeerGroup.province_code == DEMO_PROVINCE)) or 0
    )


# The units room's part of the demo, in order; chiso.flows.demo runs the other rooms' steps after these.
UNITS_DEMO_STEPS: list[tuple[str, Callable[[UnitsDemo], None]]] = [
    ("load_units", load_units),
    ("collect_departments", collect_departments),
    ("collect_district_committees", collect_district_committees),
    ("collect_ward_committees_before_reform", collect_ward_committees_before_reform),
    ("collect_commune_committees_after_reform", collect_commune_committees_after_reform),
    ("import_demo_agencies", import_demo_agencies),
]


def run_steps(
    ctx: Context, steps: Sequence[tuple[str, Callable[[Context], None]]], progress: ProgressFn | None = None
) -> dict[str, float]:
    """Run named steps in order on one context, reporting progress; return the seconds each step took.

    Args:
        ctx: what the steps share.
        steps: (name, step) pairs; each step takes the context.
        progress: optional ``progress(step, done, total)``, called before each step and once at the end
            with step "done".
    """
    seconds: dict[str, float] = {}
    total = len(steps)
    for done, (name, step) in enumerate(steps):
        if progress is not None:
            progress(name, done, total)
        started = time.perf_counter()
        step(ctx)
        seconds[name] = round(time.perf_counter() - started, 3)
    if progress is not None:
        progress("done", total, total)
    return seconds


def build_units_demo(
    session: Session, *, actor: Actor, progress: ProgressFn | None = None
) -> UnitsDemoSummary:
    """Build (or refresh) the units part of the demo: units, Đà Nẵng's agencies before and after 2025, groups.

    Idempotent: a second build changes nothing. Deterministic: seeded with DEMO_SEED. The whole demo
    (with users, records and assessment) is chiso.flows.demo.build_demo.

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        actor: who builds (SYSTEM from the CLI, or a secretariat user).
        progress: optional ``progress(step, done, total)`` callback.

    Returns:
        A UnitsDemoSummary with the counts.

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system.
    """
    check_can_edit_units(actor, what_vi="dựng dữ liệu demo", what_en="build the demo")
    ctx = UnitsDemo(session=session, actor=actor, rng=random.Random(DEMO_SEED))
    run_steps(ctx, UNITS_DEMO_STEPS, progress)
    session.flush()
    return ctx.summary
