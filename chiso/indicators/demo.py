"""The indicators room's part of the demo: Đà Nẵng's catalogue, values since 2022, targets, a late department.

Indicators room; imports chiso.units (admin units, lineage, agencies, the demo's province and seed),
chiso.store models, the room's own schemas, formula and periods; never flows, web or cli. The
catalogue is demo_data/catalogue.yaml (the workbook's columns plus a `demo:` recipe per indicator);
rows are written straight into the store models, so the demo needs no catalogue service.

Values: every entered or pushed indicator gets a value per period from January 2022 to the last
finished period before `today`, channel "demo". Commune-level values use the communes of the time: the
pre-reform communes (Đà Nẵng's and Quảng Nam's, which the new city took over) up to 30 June 2025, the
current ones after; a new commune inherits its size and maturity from its predecessors through the
2025 lineage, so the province series is continuous and each commune's is too. Agency-level values use
the departments valid at the period's end (codes change with the March 2025 mergers). Formula and
computed indicators get no stored values here (the cube computes formulas; chiso.flows.indicator_computed
fills computed ones). A few past values are missing (no row, never zero); one department (LATE_AGENCY)
has not reported its last finished quarter (neither its own indicators nor its rows of the
agency-level ones), everyone else has; one commune's fibre share was typed a decimal place off and
waits "flagged" for confirmation.

Deterministic (random.Random seeded from DEMO_SEED and the indicator's code) and idempotent: existing
folders, indicators, values and targets are left alone, so a rebuild adds only the periods that
finished since.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.indicators.formula import check_formula
from chiso.indicators.periods import period_of, shift, span
from chiso.indicators.schemas import IndicatorIn
from chiso.store.models.agencies import Agency
from chiso.store.models.indicators import Indicator, IndicatorFolder, IndicatorTarget, IndicatorValue
from chiso.store.models.units import AdminUnit, UnitLineage
from chiso.units.access import check_can_edit_units
from chiso.units.admin import list_units
from chiso.units.admin_sources import REFORM_DATE
from chiso.units.demo import DEMO_PROVINCE, DEMO_SEED

CATALOGUE_FILE = "demo_data/catalogue.yaml"
FIRST_PERIOD = {"month": "2022-01", "quarter": "2022-Q1", "year": "2022"}
CHANNEL = "demo"
LATE_AGENCY = "DNG.SO.CT"  # Sở Công Thương: its last finished quarter is not reported yet
OUTLIER_INDICATOR, OUTLIER_UNIT = "HT_CAP_QUANG_HO", "20242"  # phường Hải Châu, typed a decimal off
GAP_SHARE = 0.01  # share of unit values missing (no row)
_DEMO_KEYS = ("demo", "target", "target_prev")
# Dossiers dip at Tết (January/February) and rise before the year closes.
_SEASON = {1: 0.95, 2: 0.78, 3: 1.02, 6: 1.04, 10: 1.03, 11: 1.05, 12: 1.08}


@dataclass
class CatalogueEntry:
    """One catalogue row as the workbook holds it, with its demo recipe and targets."""

    indicator: IndicatorIn
    recipe: dict[str, Any]
    targets: dict[str, float]


@dataclass
class IndicatorsDemoSummary:
    """What the indicators step wrote (counts of new rows) and the demo's named situations."""

    folders: int = 0
    indicators: int = 0
    values: int = 0
    targets: int = 0
    last_month: str = ""
    late_agency: str = LATE_AGENCY
    late_quarter: str = ""
    flagged: list[str] = field(default_factory=list)


@dataclass
class DemoUnits:
    """The reporting units of the demo and what makes them differ (size share, digital maturity)."""

    old_communes: dict[str, tuple[float, float]]  # code -> (share of the province, maturity)
    communes: dict[str, tuple[float, float]]  # the current communes, inherited through the lineage
    departments: list[tuple[str, date | None, date | None]]  # code, valid_from, valid_to (exclusive)
    maturity: dict[str, float]  # agency code -> maturity


def load_demo_catalogue() -> tuple[list[dict[str, Any]], list[CatalogueEntry]]:
    """Read and check the demo catalogue: folders, then each indicator validated as the workbook's rows are.

    Raises:
        InvalidInput: an entry breaks the catalogue's rules (an unknown code in a formula, a cycle).
        pydantic.ValidationError: an entry's field is not valid.
    """
    text = files("chiso.indicators").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    entries = []
    for raw in data["indicators"]:
        fields = {k: v for k, v in raw.items() if k not in _DEMO_KEYS}
        targets = {k: float(raw[k]) for k in ("target", "target_prev") if k in raw}
        entries.append(CatalogueEntry(IndicatorIn(**fields), dict(raw.get("demo") or {}), targets))
    known = {e.indicator.code: e.indicator.formula for e in entries}
    for entry in entries:
        if entry.indicator.formula:
            check_formula(entry.indicator.formula, own_code=entry.indicator.code, known=known)
    return list(data["folders"]), entries


def last_finished(period_type: str, today: date) -> str:
    """Return the last period of `period_type` that ended before `today`."""
    return shift(period_of(today, period_type), -1)


@lru_cache(maxsize=512)
def _period_end(key: str) -> date:
    after = shift(key, 1)
    year = int(after[:4])
    if len(after) == 4:
        return date(year, 1, 1) - timedelta(days=1)
    month = int(after[5:]) if "Q" not in after else (int(after[6:]) - 1) * 3 + 1
    return date(year, month, 1) - timedelta(days=1)


@lru_cache(maxsize=512)
def _period_start(key: str) -> date:
    year = int(key[:4])
    if len(key) == 4:
        return date(year, 1, 1)
    if "Q" in key:
        return date(year, (int(key[6:]) - 1) * 3 + 1, 1)
    return date(year, int(key[5:]), 1)


# --------------------------------------------------------------------------- units


def _lineage_links(session: Session, current: dict[int, str]) -> list[tuple[str, str, str]]:
    """(old commune code, its province, new commune code) for every pre-reform commune of today's city."""
    rows = session.execute(
        select(AdminUnit.code, AdminUnit.province_code, UnitLineage.to_unit_id)
        .join(UnitLineage, UnitLineage.from_unit_id == AdminUnit.id)
        .where(UnitLineage.to_unit_id.in_(list(current)), AdminUnit.level == "commune")
        .order_by(AdminUnit.code, UnitLineage.to_unit_id)
    )
    return [(code, province, current[to_id]) for code, province, to_id in rows]


def collect_demo_units(session: Session, *, today: date) -> DemoUnits:
    """Return the demo's communes before and after the reform and its departments, with their traits.

    The city's own wards are bigger and further along than Quảng Nam's rural communes; a new commune
    takes the size of its predecessors (a split one's shared out) and their mean maturity.
    """
    rng = random.Random(f"{DEMO_SEED}:units")
    on = max(today, REFORM_DATE)
    current = {u.id: u.code for u in list_units(session, province_code=DEMO_PROVINCE, level="commune", on=on)}
    links = _lineage_links(session, current)
    old: dict[str, tuple[float, float]] = {}
    successors: dict[str, list[str]] = {}
    for code, province, new in links:
        successors.setdefault(code, []).append(new)
        if code not in old:
            urban = province == DEMO_PROVINCE
            size = math.exp(rng.gauss(0.0, 0.45)) * (2.6 if urban else 1.0)
            old[code] = (size, rng.gauss(0.7 if urban else -0.25, 0.7))
    total = sum(size for size, _ in old.values()) or 1.0
    old = {code: (size / total, maturity) for code, (size, maturity) in old.items()}
    inherited: dict[str, list[tuple[float, float]]] = {}
    for code, news in successors.items():
        size, maturity = old[code]
        for new in news:
            inherited.setdefault(new, []).append((size / len(news), maturity))
    communes = {}
    for new in sorted(set(current.values())):
        parts = inherited.get(new) or [(1.0 / max(1, len(current)), 0.0)]
        size = sum(s for s, _ in parts)
        communes[new] = (size, sum(s * m for s, m in parts) / size if size else 0.0)
    departments = [
        (code, start, end)
        for code, start, end in session.execute(
            select(Agency.code, Agency.valid_from, Agency.valid_to)
            .where(Agency.province_code == DEMO_PROVINCE, Agency.kind == "department")
            .order_by(Agency.code)
        )
    ]
    traits = {code: random.Random(f"{DEMO_SEED}:{code}").gauss(0.0, 1.0) for code, _, _ in departments}
    return DemoUnits(old, communes, departments, traits)


def _units_of(units: DemoUnits, level: str, period: str) -> list[tuple[str, float, float]]:
    """(unit code, size share, maturity) of the units that report `period` at `level`."""
    end = _period_end(period)
    if level == "province":
        return [(DEMO_PROVINCE, 1.0, 0.0)]
    if level == "commune":
        chosen = units.communes if end >= REFORM_DATE else units.old_communes
        return [(code, size, maturity) for code, (size, maturity) in sorted(chosen.items())]
    valid = [
        code
        for code, start, stop in units.departments
        if (start is None or start <= end) and (stop is None or end < stop)
    ]
    return [(code, 1.0 / max(1, len(valid)), units.maturity[code]) for code in valid]


# --------------------------------------------------------------------------- values


@dataclass
class _Series:
    """What generating one indicator's values needs beside its recipe."""

    entry: CatalogueEntry
    periods: list[str]
    origin: date
    horizon: date
    late_quarter: str


def _trend(series: _Series, period: str) -> float:
    recipe = series.entry.recipe
    days = (series.horizon - series.origin).days or 1
    t = (_period_start(period) - series.origin).days / days
    return float(recipe["from"]) + (float(recipe["to"]) - float(recipe["from"])) * t


def _clamp(value: float, indicator: IndicatorIn) -> float:
    low = indicator.min_value if indicator.min_value is not None else -math.inf
    high = indicator.max_value if indicator.max_value is not None else math.inf
    return min(high, max(low, value))


def _value(series: _Series, period: str, size: float, maturity: float, rng: random.Random) -> float:
    """One unit's value: a count shares the province total by size, a rate sits around the trend."""
    indicator, recipe = series.entry.indicator, series.entry.recipe
    base = _trend(series, period)
    noise = float(recipe.get("noise", 0.0))
    if indicator.value_type in ("count", "money"):
        season = _SEASON.get(int(period[5:]), 1.0) if indicator.period_type == "month" else 1.0
        raw = base * size * season * (1.0 + noise * rng.gauss(0.0, 1.0))
        if indicator.value_type == "money":
            return round(max(0.1, raw), 1)
        return float(max(1, round(raw)))  # a count reported is at least 1: no data is no row
    spread = float(recipe.get("spread", 0.0))
    raw = base + spread * maturity + noise * rng.gauss(0.0, 1.0)
    return round(_clamp(raw, indicator), 1 if indicator.value_type == "percent" else 2)


def _share(series: _Series, period: str, maturity: float, rng: random.Random) -> float:
    """The percent of another count a `share_of` count takes (online dossiers of all dossiers)."""
    recipe = series.entry.recipe
    raw = _trend(series, period) + float(recipe.get("spread", 0.0)) * maturity
    return min(99.0, max(1.0, raw + float(recipe.get("noise", 0.0)) * rng.gauss(0.0, 1.0)))


def _values_of(
    series: _Series, units: DemoUnits, base: dict[tuple[str, str], float]
) -> Iterator[tuple[str, str, float]]:
    """(unit code, period, value) of one indicator; `base` holds the values `share_of` scales."""
    indicator, recipe = series.entry.indicator, series.entry.recipe
    rng = random.Random(f"{DEMO_SEED}:{indicator.code}")
    share_of = recipe.get("share_of")
    since = _period_start(series.late_quarter)  # complete from here on, so only LATE_AGENCY is late
    recent = set(series.periods[-2:]) | {p for p in series.periods if _period_end(p) >= since}
    for period in series.periods:
        late = series.late_quarter == period_of(_period_end(period), "quarter") and len(period) > 4
        if late and indicator.owner_agency_code == LATE_AGENCY:
            continue
        for unit, size, maturity in _units_of(units, indicator.level, period):
            if late and unit == LATE_AGENCY:
                continue
            gap = period not in recent and rng.random() < (
                GAP_SHARE if indicator.level != "province" else 0.03
            )
            if share_of:
                total, share = base.get((unit, period)), _share(series, period, maturity, rng)
                if total is not None and not gap:
                    yield unit, period, float(max(1, min(total, round(total * share / 100))))
            elif not gap:
                yield unit, period, _value(series, period, size, maturity, rng)


@lru_cache(maxsize=512)
def _entered_at(period: str) -> datetime:
    """When the demo department reported: five days after the period closed, 09:00 in the province."""
    return clock.as_utc(clock.from_local(datetime.combine(_period_end(period) + timedelta(days=5), time(9))))


def _value_rows(
    entries: Sequence[CatalogueEntry], units: DemoUnits, *, today: date, actor: Actor
) -> tuple[list[dict[str, Any]], IndicatorsDemoSummary]:
    summary = IndicatorsDemoSummary(
        last_month=last_finished("month", today), late_quarter=last_finished("quarter", today)
    )
    rows: list[dict[str, Any]] = []
    generated: dict[str, dict[tuple[str, str], float]] = {}
    ordered = sorted(entries, key=lambda e: bool(e.recipe.get("share_of")))  # totals before their shares
    for entry in ordered:
        indicator = entry.indicator
        if indicator.source in ("formula", "computed") or not entry.recipe:
            continue
        kind = indicator.period_type
        last = last_finished(kind, today)
        series = _Series(entry, span(FIRST_PERIOD[kind], last), date(2022, 1, 1),
                         _period_start(period_of(today, kind)), summary.late_quarter)  # fmt: skip
        base = generated.get(str(entry.recipe.get("share_of")), {})
        mine = generated.setdefault(indicator.code, {})
        for unit, period, value in _values_of(series, units, base):
            mine[(unit, period)] = value
            status, note = "entered", None
            if indicator.code == OUTLIER_INDICATOR and unit == OUTLIER_UNIT and period == last:
                value, status = round(value / 10, 1), "flagged"
                summary.flagged.append(f"{indicator.code}/{unit}/{period}")
            approved = indicator.needs_approval and period != last and status == "entered"
            entered_at = _entered_at(period)
            rows.append({
                "indicator_code": indicator.code, "unit_code": unit, "period": period, "value": value,
                "status": "approved" if approved else status, "channel": CHANNEL, "note": note,
                "entered_by": actor.username, "entered_at": entered_at,
                "approved_by": actor.username if approved else None,
                "approved_at": entered_at + timedelta(days=3) if approved else None,
            })  # fmt: skip
    return rows, summary


# --------------------------------------------------------------------------- writing


def _write_catalogue(
    session: Session, folders: list[dict[str, Any]], entries: Sequence[CatalogueEntry], actor: Actor
) -> tuple[int, int]:
    have_folders = set(session.scalars(select(IndicatorFolder.code)))
    new_folders = [
        IndicatorFolder(code=f["code"], name_vi=f["name_vi"], name_en=f.get("name_en"), position=i)
        for i, f in enumerate(folders, start=1)
        if f["code"] not in have_folders
    ]
    have = set(session.scalars(select(Indicator.code)))
    now = clock.now()
    new = [
        Indicator(**e.indicator.model_dump(), updated_at=now, updated_by=actor.username)
        for e in entries
        if e.indicator.code not in have
    ]
    session.add_all([*new_folders, *new])
    session.flush()
    return len(new_folders), len(new)


def _write_targets(session: Session, entries: Sequence[CatalogueEntry], *, year: int) -> int:
    codes = [e.indicator.code for e in entries]
    query = select(IndicatorTarget.indicator_code, IndicatorTarget.year).where(
        IndicatorTarget.indicator_code.in_(codes), IndicatorTarget.unit_code.is_(None)
    )
    have = {(code, year) for code, year in session.execute(query)}
    rows = []
    for entry in entries:
        for key, when in (("target", year), ("target_prev", year - 1)):
            if key in entry.targets and (entry.indicator.code, when) not in have:
                rows.append(
                    {"indicator_code": entry.indicator.code, "unit_code": None, "year": when,
                     "value": entry.targets[key]}
                )  # fmt: skip
    if rows:
        session.execute(insert(IndicatorTarget), rows)
    return len(rows)


def _write_values(session: Session, rows: list[dict[str, Any]], codes: Sequence[str]) -> int:
    query = select(IndicatorValue.indicator_code, IndicatorValue.unit_code, IndicatorValue.period).where(
        IndicatorValue.indicator_code.in_(list(codes))
    )
    have = {(code, unit, period) for code, unit, period in session.execute(query)}
    fresh = [r for r in rows if (r["indicator_code"], r["unit_code"], r["period"]) not in have]
    connection = session.connection()  # Core executemany: the ORM's bulk path costs more than the rows
    for start in range(0, len(fresh), 5000):
        connection.execute(insert(IndicatorValue), fresh[start : start + 5000])
    return len(fresh)


def add_demo_indicators(session: Session, *, actor: Actor, today: date) -> IndicatorsDemoSummary:
    """Add the demo province's indicator catalogue, its values since 2022 and this year's targets.

    Runs after the units demo (communes, their lineage and the departments must be there). Idempotent:
    what exists is left alone; a later `today` adds the periods finished since.

    Args:
        session: the SQLAlchemy session (flushed, not committed).
        actor: who builds (SYSTEM from `chiso demo`, or a secretariat user).
        today: the demo's day; values run up to the last period finished before it.

    Returns:
        The counts of new rows and the demo's late department, late quarter and flagged values.

    Raises:
        PermissionDenied: the actor is neither the secretariat nor the system (nothing is written).
    """
    check_can_edit_units(actor, what_vi="dựng dữ liệu chỉ tiêu demo", what_en="build the demo indicators")
    folders, entries = load_demo_catalogue()
    units = collect_demo_units(session, today=today)
    rows, summary = _value_rows(entries, units, today=today, actor=actor)
    summary.folders, summary.indicators = _write_catalogue(session, folders, entries, actor)
    summary.values = _write_values(session, rows, [e.indicator.code for e in entries])
    summary.targets = _write_targets(session, entries, year=today.year)
    session.flush()
    return summary
