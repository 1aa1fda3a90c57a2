"""What the catalogue's pages show beyond the list: one indicator's page and the form's choices.

Indicators room; imports chiso.store, chiso.monitoring (metric names), the catalogue and the cube. The
indicator page reads the province series over the last periods through the one door dashboards use
(`SqlCube` with `load_rules`), so the page and a dashboard tile can never disagree; a period without data
is None ("—"), never zero.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.errors import ChisoError, InvalidInput
from chiso.indicators import catalogue, periods
from chiso.indicators.cube import Rule, SqlCube, load_rules
from chiso.indicators.formula import parse_formula
from chiso.indicators.schemas import (
    AGGREGATION_NAMES,
    LEVEL_NAMES,
    SOURCE_NAMES,
    VALUE_TYPE_NAMES,
    FolderRow,
    IndicatorOut,
)
from chiso.monitoring.metrics import builtin_metrics
from chiso.store.models import Agency
from chiso.store.models.indicators import Indicator, IndicatorTarget, IndicatorValue
from chiso.units.admin import get_unit

#: How many periods the indicator page shows, by period type.
SHOWN_PERIODS = {"month": 12, "quarter": 8, "year": 6}


class Related(BaseModel):
    """Another indicator named beside this one (a formula operand, the weight, or one that uses it)."""

    code: str
    name_vi: str | None
    name_en: str | None
    role: str  # "operand" | "weight" | "used_by"


class SeriesPoint(BaseModel):
    """The province figure in one period, and the year's province target when one is set."""

    period: str
    label: str
    value: float | None
    target: float | None


class IndicatorPage(BaseModel):
    """One indicator: its entry, names of its codes, related indicators and the province series."""

    indicator: catalogue.CatalogueRow
    value_type_name: tuple[str, str]
    level_name: tuple[str, str]
    aggregation_name: tuple[str, str]
    source_name: tuple[str, str]
    metric_name: str | None
    related: list[Related]
    province_code: str
    province_name: str | None  # None when the administrative units are not loaded
    series: list[SeriesPoint]


class IndicatorForm(BaseModel):
    """The create or edit form: the entry being edited (None for a new one) and what may be chosen."""

    indicator: IndicatorOut | None
    folders: list[FolderRow]
    owners: dict[str, str]  # agency code -> name, every agency of the province
    metrics: dict[str, str]  # monitoring metric code -> Vietnamese name
    codes: list[str]  # every catalogue code, for formulas and weights


def home_province(session: Session, *, viewer_province: str | None) -> str:
    """Return the province whose figures the pages show: the viewer's, else the one most agencies are in."""
    if viewer_province:
        return viewer_province
    query = select(Agency.province_code).group_by(Agency.province_code).order_by(func.count().desc()).limit(1)
    return session.scalar(query) or "48"


def _province_name(session: Session, code: str) -> str | None:
    try:
        return get_unit(session, code=code, level="province").full_name
    except ChisoError:
        return None


def _related(session: Session, row: Indicator) -> list[Related]:
    names = {
        code: (vi, en)
        for code, vi, en in session.execute(select(Indicator.code, Indicator.name_vi, Indicator.name_en))
    }
    wanted: list[tuple[str, str]] = []
    if row.formula:
        wanted += [(code, "operand") for code in parse_formula(row.formula)[1]]
    if row.weight_code:
        wanted.append((row.weight_code, "weight"))
    users = session.execute(
        select(Indicator.code, Indicator.formula, Indicator.weight_code).where(Indicator.code != row.code)
    )
    for code, text, weight in users:
        if weight == row.code or (text and row.code in parse_formula(text)[1]):
            wanted.append((code, "used_by"))
    return [
        Related(
            code=code,
            name_vi=names.get(code, (None, None))[0],
            name_en=names.get(code, (None, None))[1],
            role=role,
        )
        for code, role in wanted
    ]


def _last_period(session: Session, codes: list[str], period_type: str) -> str:
    now = periods.period_of(clock.today(), period_type)
    latest = session.execute(
        select(IndicatorValue.indicator_code, func.max(IndicatorValue.period))
        .where(IndicatorValue.indicator_code.in_(codes))
        .group_by(IndicatorValue.indicator_code)
    )
    found = []
    for _, key in latest:
        try:
            if periods.period_type_of(key) == period_type and key <= now:
                found.append(key)
        except InvalidInput:
            continue
    return max(found, default=now)


def indicator_page(session: Session, *, code: str, province_code: str) -> IndicatorPage:
    """Return one indicator's page: entry, names, related indicators, the province series and targets.

    Raises:
        NotFound: no indicator has that code.
    """
    row = catalogue.get_indicator(session, code=code)
    related = _related(session, row)
    rules = load_rules(session)
    rule = rules.get(code) or Rule.of(row)
    operands = [code] + [r.code for r in related if r.role != "used_by"]
    last = _last_period(session, operands, row.period_type)
    keys = periods.span(periods.shift(last, 1 - SHOWN_PERIODS[row.period_type]), last)
    values = SqlCube(session, rules).series([rule], keys, province_code)[code]
    targets = dict(
        session.execute(
            select(IndicatorTarget.year, IndicatorTarget.value).where(
                IndicatorTarget.indicator_code == code, IndicatorTarget.unit_code.is_(None)
            )
        ).all()
    )
    series = [
        SeriesPoint(
            period=k, label=periods.label_vi(k), value=values.get(k), target=targets.get(periods.year_of(k))
        )
        for k in keys
    ]
    owners = catalogue.owner_names(session)
    folders = {f.code: f.name_vi for f in catalogue.list_folders(session)}
    metrics = {m.code: m.name_vi for m in builtin_metrics()}
    shown = catalogue.CatalogueRow.model_validate(row).model_copy(
        update={
            "folder_name": folders.get(row.folder_code or ""),
            "owner_name": owners.get(row.owner_agency_code or ""),
        }
    )
    return IndicatorPage(
        indicator=shown,
        value_type_name=VALUE_TYPE_NAMES[row.value_type],
        level_name=LEVEL_NAMES[row.level],
        aggregation_name=AGGREGATION_NAMES[row.aggregation],
        source_name=SOURCE_NAMES[row.source],
        metric_name=metrics.get(row.metric_code or ""),
        related=related,
        province_code=province_code,
        province_name=_province_name(session, province_code),
        series=series,
    )


def indicator_form(session: Session, *, code: str | None, province_code: str) -> IndicatorForm:
    """Return what the create (code None) or edit form needs.

    Raises:
        NotFound: `code` is given and no indicator has it.
    """
    entry = IndicatorOut.model_validate(catalogue.get_indicator(session, code=code)) if code else None
    agencies = session.execute(
        select(Agency.code, Agency.name_vi)
        .where(Agency.province_code == province_code)
        .order_by(Agency.name_vi)
    )
    return IndicatorForm(
        indicator=entry,
        folders=catalogue.list_folders(session),
        owners={c: n for c, n in agencies},
        metrics={m.code: m.name_vi for m in builtin_metrics()},
        codes=list(session.scalars(select(Indicator.code).order_by(Indicator.code))),
    )
