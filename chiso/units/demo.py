"""The demo province: a realistic Đà Nẵng before and after the 2025 reform, its peer groups and demo users.

Domain flow over the units and accounts services (never chiso.web or chiso.cli). `build_demo` runs a
sequence of small named steps (DEMO_STEPS) on one session; it flushes, never commits. Deterministic:
every list is built in a fixed order and the only randomness comes from `ctx.rng`, seeded with
DEMO_SEED, so two builds give the same database. Later rooms add their steps (assessment periods,
monitoring records) by appending to DEMO_STEPS.

The departments and central agencies come from demo_data/danang_agencies.csv (the agency import
format); the district, ward and commune committees are generated from the real administrative
units of province 48 and linked through the units' 2025 lineage.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import as_file, files
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.errors import NotFound
from chiso.store.models.agencies import Agency, AgencyLink, PeerGroup
from chiso.store.models.units import AdminUnit, UnitLineage
from chiso.units.agencies import has_agencies as has_agencies  # re-exported for `chiso demo --if-empty`
from chiso.units.io import COLUMNS, LIST_SEPARATOR, Table, read_table
from chiso.units.text import fold

DEMO_PROVINCE = "48"  # Thành phố Đà Nẵng, the same code before and after 1 July 2025
DEMO_SEED = 20250701
DEMO_PASSWORD = "chiso-demo-2026"
PAST_PERIOD, CURRENT_PERIOD = "2024", "2026"
REFORM_DATE = date(2025, 7, 1)
_BEFORE_REFORM = date(2025, 6, 30)

# (username, password, role, description): printed by `make run` and `chiso demo`.
DEMO_LOGINS: list[tuple[str, str, str, str]] = [
    ("vanthu", DEMO_PASSWORD, "secretariat", "Văn phòng CĐS thành phố (thư ký) / city DT office"),
    ("thamdinh", DEMO_PASSWORD, "assessor", "Tổ thẩm định / assessor"),
    ("baocao.khcn", DEMO_PASSWORD, "reporter", "Báo cáo của Sở Khoa học và Công nghệ / reporter, DOST"),
    ("baocao.haichau", DEMO_PASSWORD, "reporter", "Báo cáo của UBND phường Hải Châu / reporter, ward"),
    ("lanhdao", DEMO_PASSWORD, "leader", "Lãnh đạo UBND thành phố / city leader"),
    ("congdan", DEMO_PASSWORD, "public", "Người dân, báo chí / public and press"),
]
_FULL_NAMES = {
    "vanthu": "Nguyễn Thị Thu",
    "thamdinh": "Trần Văn Định",
    "baocao.khcn": "Lê Minh Khoa",
    "baocao.haichau": "Phạm Thị Hải",
    "lanhdao": "Hoàng Văn Lãnh",
    "congdan": "Võ Thị Dân",
}
# Reporters are bound to one agency: Sở KH&CN and the post-reform UBND phường Hải Châu (unit 20242).
DEMO_REPORTER_AGENCIES = {"baocao.khcn": "DNG.SO.KHCN", "baocao.haichau": "DNG.PX.20242"}

_TYPE_EN = {
    "Phường": "Ward",
    "Xã": "Commune",
    "Đặc khu": "Special Zone",
    "Quận": "District",
    "Huyện": "District",
}

# progress(step, done, total): called before each step and at the end.
ProgressFn = Callable[[str, int, int], None]


@dataclass
class DemoSummary:
    """What the demo build did: counts, and seconds per step."""

    units: dict[str, Any] = field(default_factory=dict)
    agencies_created: int = 0
    agencies_updated: int = 0
    agencies: int = 0
    links: int = 0
    groups: int = 0
    users_created: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class DemoContext:
    """What the steps share: the session, a seeded random generator, rows being built, the summary."""

    session: Session
    rng: random.Random
    summary: DemoSummary
    rows: list[dict[str, str]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- steps


def load_units(ctx: DemoContext) -> None:
    """Load the real administrative units and their lineage, unless a complete load is there already."""
    from chiso.units.admin_load import load_admin_units, units_loaded

    if units_loaded(ctx.session):
        ctx.summary.units = {"already_loaded": True}
        return
    counts = load_admin_units(ctx.session, actor=SYSTEM)
    ctx.summary.units = {k: v for k, v in counts.items() if k != "sources"}


def collect_departments(ctx: DemoContext) -> None:
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


def collect_district_committees(ctx: DemoContext) -> None:
    """Add the eight district committees (UBND quận, huyện), which ended on 1 July 2025."""
    from chiso.units.admin import list_units

    districts = list_units(
        ctx.session, province_code=DEMO_PROVINCE, level="district", on=_BEFORE_REFORM, order="code"
    )
    ctx.data["district_codes"] = {}
    for unit in districts:
        name_vi, name_en = _committee_name(unit)
        code = _district_code(unit)
        ctx.data["district_codes"][unit.code] = code
        ctx.rows.append(_row(code, name_vi, name_en, "district", unit, f"{PAST_PERIOD}:QH"))


def collect_ward_committees_before_reform(ctx: DemoContext) -> None:
    """Add the ward and commune committees of Đà Nẵng before 1 July 2025, under their district."""
    from chiso.units.admin import list_units

    communes = list_units(
        ctx.session, province_code=DEMO_PROVINCE, level="commune", on=_BEFORE_REFORM, order="code"
    )
    for unit in communes:
        name_vi, name_en = _committee_name(unit)
        row = _row(f"DNG.PXC.{unit.code}", name_vi, name_en, "commune", unit, f"{PAST_PERIOD}:PX")
        row["parent_code"] = ctx.data["district_codes"].get(unit.parent_code or "", "")
        ctx.rows.append(row)


def collect_commune_committees_after_reform(ctx: DemoContext) -> None:
    """Add the commune-level committees of the new Đà Nẵng, linked to the old ones by unit lineage."""
    from chiso.units.admin import list_units

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
        row = _row(f"DNG.PX.{unit.code}", name_vi, name_en, "commune", unit, f"{CURRENT_PERIOD}:PX")
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


def import_demo_agencies(ctx: DemoContext) -> None:
    """Validate and write every demo agency, link and group membership in one import."""
    from chiso.units.agency_import import import_agency_table

    table = Table("demo:danang", list(COLUMNS), [(i, row) for i, row in enumerate(ctx.rows, start=2)])
    report = import_agency_table(ctx.session, actor=SYSTEM, table=table)
    ctx.summary.agencies_created = len(report.created)
    ctx.summary.agencies_updated = len(report.updated)


def create_demo_users(ctx: DemoContext) -> None:
    """Create one user per role (skipping those that exist), reporters bound to their agency."""
    from chiso.accounts.service import create_user, get_user
    from chiso.units.agencies import get_agency

    for username, password, role, _ in DEMO_LOGINS:
        try:
            get_user(ctx.session, username=username)
            continue
        except NotFound:
            pass
        agency_code = DEMO_REPORTER_AGENCIES.get(username)
        agency_id = get_agency(ctx.session, code=agency_code).id if agency_code else None
        create_user(
            ctx.session,
            username=username,
            full_name=_FULL_NAMES[username],
            password=password,
            role=role,
            agency_id=agency_id,
            province_code=DEMO_PROVINCE,
        )
        ctx.summary.users_created.append(username)


def generate_monitoring_records(ctx: DemoContext) -> None:
    """Fill the record store with 12 months of synthetic dossiers and petitions of today's agencies."""
    from chiso.config import get_settings
    from chiso.monitoring.generate import generate_demo_records

    today = date.today()
    live = (Agency.valid_to.is_(None)) | (Agency.valid_to > today)
    codes = ctx.session.scalars(
        select(Agency.code).where(Agency.province_code == DEMO_PROVINCE, live).order_by(Agency.code)
    )
    ctx.data["records"] = generate_demo_records(get_settings().data_dir, list(codes), end=today)


def open_demo_assessment(ctx: DemoContext) -> None:
    """Add the assessment cycle: the 2024 ranking published, the 2026 period in progress."""
    from chiso.flows.demo_assessment import build_demo_assessment

    ctx.data["assessment"] = build_demo_assessment(ctx.session, province_code=DEMO_PROVINCE)


# The build, in order; later rooms append (name, step) pairs for their own demo data.
DEMO_STEPS: list[tuple[str, Callable[[DemoContext], None]]] = [
    ("load_units", load_units),
    ("collect_departments", collect_departments),
    ("collect_district_committees", collect_district_committees),
    ("collect_ward_committees_before_reform", collect_ward_committees_before_reform),
    ("collect_commune_committees_after_reform", collect_commune_committees_after_reform),
    ("import_demo_agencies", import_demo_agencies),
    ("create_demo_users", create_demo_users),
    ("generate_monitoring_records", generate_monitoring_records),
    ("open_demo_assessment", open_demo_assessment),
]


def build_demo(session: Session, *, progress: ProgressFn | None = None) -> DemoSummary:
    """Build (or refresh) the demo province: units, Đà Nẵng's agencies before and after 2025, groups, users.

    Idempotent: a second build changes nothing. Deterministic: seeded with DEMO_SEED.

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        progress: optional ``progress(step, done, total)`` callback.

    Returns:
        A DemoSummary with counts and the seconds each step took.
    """
    summary = DemoSummary()
    ctx = DemoContext(session=session, rng=random.Random(DEMO_SEED), summary=summary)
    total = len(DEMO_STEPS)
    for done, (name, step) in enumerate(DEMO_STEPS):
        if progress is not None:
            progress(name, done, total)
        started = time.perf_counter()
        step(ctx)
        summary.seconds[name] = round(time.perf_counter() - started, 3)
    if progress is not None:
        progress("done", total, total)
    session.flush()
    summary.agencies = int(
        session.scalar(select(func.count(Agency.id)).where(Agency.province_code == DEMO_PROVINCE)) or 0
    )
    summary.links = int(session.scalar(select(func.count(AgencyLink.id))) or 0)
    summary.groups = int(
        session.scalar(select(func.count(PeerGroup.id)).where(PeerGroup.province_code == DEMO_PROVINCE)) or 0
    )
    return summary
