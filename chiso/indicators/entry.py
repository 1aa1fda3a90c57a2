"""What a department fills in for a period: each indicator it owns, per unit, beside last period and target.

Indicators room; imports chiso.store, chiso.clock and the room's own modules. One `EntrySheet` serves
the entry page, its JSON twin and the department's Excel template, so the three never disagree. The
units of a row follow the indicator's level: the province; each current commune of the province; each
current agency of the province.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.errors import NotFound, PermissionDenied
from chiso.indicators.periods import label_vi, period_of, period_type_of, previous, shift, year_of
from chiso.indicators.plausibility import check_plausibility
from chiso.indicators.progress import ENTERABLE, check_year
from chiso.indicators.value_checks import actor_agency_code
from chiso.indicators.values import unit_history
from chiso.store.models.agencies import Agency
from chiso.store.models.indicators import Indicator, IndicatorTarget, IndicatorValue
from chiso.store.models.units import AdminUnit

PERIOD_ORDER = ("quarter", "month", "year")


class EntryRow(BaseModel):
    """One input: an indicator at a unit, with last period's value, the year's target and what is stored."""

    indicator_code: str
    indicator_name_vi: str
    indicator_name_en: str | None
    measure: str | None  # the unit of measure ("%", "hồ sơ")
    value_type: str
    unit_code: str
    unit_name: str
    previous: float | None
    target: float | None
    value: float | None
    status: str | None
    note: str | None
    value_id: int | None
    flag_vi: str | None = None
    flag_en: str | None = None

    @property
    def field(self) -> str:
        """The key of this row's inputs in the form: "CODE|UNIT"."""
        return f"{self.indicator_code}|{self.unit_code}"


class EntrySheet(BaseModel):
    """A department's period: its rows, how many are filled and flagged, the periods to choose from."""

    agency_code: str
    agency_name_vi: str
    agency_name_en: str | None
    period: str
    period_label: str
    period_type: str
    rows: list[EntryRow]
    filled: int
    flagged: int
    periods: list[str]


def owned_indicators(
    session: Session, *, agency_code: str, period_type: str | None = None
) -> list[Indicator]:
    """Return the active, enterable indicators an agency owns (of one period type if given), by code."""
    query = select(Indicator).where(
        Indicator.owner_agency_code == agency_code,
        Indicator.active.is_(True),
        Indicator.source.in_(ENTERABLE),
    )
    if period_type:
        query = query.where(Indicator.period_type == period_type)
    return list(session.scalars(query.order_by(Indicator.folder_code, Indicator.code)))


def default_period(session: Session, *, agency_code: str, today: date | None = None) -> str:
    """Return the last ended period of the agency's most usual reporting rhythm (quarter, month, year)."""
    kinds = {i.period_type for i in owned_indicators(session, agency_code=agency_code)}
    kind = next((k for k in PERIOD_ORDER if k in kinds), "quarter")
    return previous(period_of(today or clock.today(), kind))


def last_quarter(today: date | None = None) -> str:
    """Return the last ended quarter (the progress page's default period)."""
    return previous(period_of(today or clock.today(), "quarter"))


def _units(session: Session, level: str, province_code: str) -> list[tuple[str, str]]:
    if level == "province":
        name = session.scalar(
            select(AdminUnit.name).where(AdminUnit.code == province_code, AdminUnit.level == "province")
        )
        return [(province_code, name or province_code)]
    if level == "commune":
        rows = session.execute(
            select(AdminUnit.code, AdminUnit.full_name)
            .where(
                AdminUnit.level == "commune",
                AdminUnit.province_code == province_code,
                AdminUnit.valid_to.is_(None),
            )
            .order_by(AdminUnit.code)
        )
        return [(code, name) for code, name in rows]
    rows = session.execute(
        select(Agency.code, Agency.name_vi)
        .where(Agency.province_code == province_code, Agency.valid_to.is_(None))
        .order_by(Agency.code)
    )
    return [(code, name) for code, name in rows]


def _values(session: Session, codes: list[str], period: str) -> dict[tuple[str, str], IndicatorValue]:
    rows = session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator_code.in_(codes), IndicatorValue.period == period
        )
    )
    return {(row.indicator_code, row.unit_code): row for row in rows}


def _targets(session: Session, codes: list[str], year: int) -> dict[tuple[str, str | None], float]:
    rows = session.scalars(
        select(IndicatorTarget).where(IndicatorTarget.indicator_code.in_(codes), IndicatorTarget.year == year)
    )
    return {(row.indicator_code, row.unit_code): row.value for row in rows}


def get_entry_sheet(session: Session, *, agency_code: str, period: str, province_code: str) -> EntrySheet:
    """Return what `agency_code` fills in for `period`: its indicators of that period type, per unit.

    Raises:
        NotFound: no agency with this code.
        InvalidInput: a period key of none of the three shapes.
    """
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise NotFound(f"Không có cơ quan mã {agency_code}", f"No agency with code {agency_code}")
    kind = period_type_of(check_year(period))
    indicators = owned_indicators(session, agency_code=agency_code, period_type=kind)
    codes = [i.code for i in indicators]
    now, before = _values(session, codes, period), _values(session, codes, previous(period))
    targets = _targets(session, codes, year_of(period))
    units: dict[str, list[tuple[str, str]]] = defaultdict(list)
    rows: list[EntryRow] = []
    for indicator in indicators:
        if indicator.level not in units:
            units[indicator.level] = _units(session, indicator.level, province_code)
        for unit_code, unit_name in units[indicator.level]:
            rows.append(
                _row(session, indicator, unit_code, unit_name, now, before, targets, province_code, period)
            )
    return EntrySheet(
        agency_code=agency.code,
        agency_name_vi=agency.name_vi,
        agency_name_en=agency.name_en,
        period=period,
        period_label=label_vi(period),
        period_type=kind,
        rows=rows,
        filled=sum(1 for r in rows if r.value is not None),
        flagged=sum(1 for r in rows if r.status == "flagged"),
        periods=[shift(period, step) for step in range(1, -7, -1)],
    )


def _row(
    session: Session,
    indicator: Indicator,
    unit_code: str,
    unit_name: str,
    now: dict[tuple[str, str], IndicatorValue],
    before: dict[tuple[str, str], IndicatorValue],
    targets: dict[tuple[str, str | None], float],
    province_code: str,
    period: str,
) -> EntryRow:
    stored, last = now.get((indicator.code, unit_code)), before.get((indicator.code, unit_code))
    target = targets.get((indicator.code, unit_code))
    if target is None and unit_code == province_code:
        target = targets.get((indicator.code, None))
    row = EntryRow(
        indicator_code=indicator.code,
        indicator_name_vi=indicator.name_vi,
        indicator_name_en=indicator.name_en,
        measure=indicator.unit,
        value_type=indicator.value_type,
        unit_code=unit_code,
        unit_name=unit_name,
        previous=last.value if last else None,
        target=target,
        value=stored.value if stored else None,
        status=stored.status if stored else None,
        note=stored.note if stored else None,
        value_id=stored.id if stored else None,
    )
    if stored is not None and stored.status in ("flagged", "confirmed"):
        history = unit_history(session, indicator_code=indicator.code, unit_code=unit_code, before=period)
        flag = check_plausibility(history, stored.value, limit=indicator.outlier_sd)
        if flag is not None:
            row.flag_vi, row.flag_en = flag.message_vi, flag.message_en
    return row


class AgencyChoice(BaseModel):
    """An owner department the secretariat may choose on the entry page."""

    code: str
    name_vi: str


class ValuesPage(BaseModel):
    """The entry page: the chosen department's sheet (None when no department owns an indicator yet)."""

    sheet: EntrySheet | None
    agencies: list[AgencyChoice]


def owner_agencies(session: Session) -> list[AgencyChoice]:
    """Return the agencies that own at least one enterable indicator, by name."""
    owners = select(Indicator.owner_agency_code).where(
        Indicator.active.is_(True), Indicator.source.in_(ENTERABLE)
    )
    rows = session.execute(
        select(Agency.code, Agency.name_vi).where(Agency.code.in_(owners)).order_by(Agency.name_vi)
    )
    return [AgencyChoice(code=code, name_vi=name) for code, name in rows]


def get_values_page(
    session: Session, *, actor: Actor, agency_code: str | None, period: str | None, province_code: str
) -> ValuesPage:
    """Return the entry page of a department and period (a reporter: always its own department).

    Raises:
        PermissionDenied: a reporter asking for another department, or one without a department.
        NotFound: an unknown agency.
        InvalidInput: a period key of none of the three shapes.
    """
    own = actor_agency_code(session, actor) if getattr(actor, "role", None) == "reporter" else None
    if getattr(actor, "role", None) == "reporter":
        if own is None or (agency_code and agency_code != own):
            raise PermissionDenied(
                "Người báo cáo chỉ nhập số liệu của cơ quan mình",
                "A reporter enters only its own agency's values",
            )
        agencies = [AgencyChoice(code=own, name_vi=_name(session, own))]
    else:
        agencies = owner_agencies(session)
    chosen = own or agency_code or (agencies[0].code if agencies else None)
    if chosen is None:
        return ValuesPage(sheet=None, agencies=agencies)
    period = (period or "").strip() or default_period(session, agency_code=chosen)
    sheet = get_entry_sheet(session, agency_code=chosen, period=period, province_code=province_code)
    return ValuesPage(sheet=sheet, agencies=agencies)


def _name(session: Session, code: str) -> str:
    return session.scalar(select(Agency.name_vi).where(Agency.code == code)) or code
