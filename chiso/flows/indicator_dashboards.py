"""A saved dashboard with its filters applied: every item's data read through the indicators' cube.

Flows layer: composes chiso.indicators (the saved spec and who may open it, the cube, periods, targets),
chiso.units (names of communes and agencies, the commune map's units and shapes) and the map page's
model of chiso.flows.unit_map (so the map item is drawn by the same code as `/map`). Tile = the value in
its period, the change against the period before and the year's target (met / missed / no data, the
indicator's direction respected); charts and tables = the last N periods; ranking = the units sorted,
those without data listed last as "—" and never ranked; map = the same breakdown on the commune map;
drill-down = a province figure's communes or agencies. Nothing is written.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.config import get_settings
from chiso.errors import InvalidInput, NotFound
from chiso.flows.indicator_dashboard_models import (
    BuilderView,
    CatalogueChoice,
    ChartData,
    DashboardList,
    DashboardView,
    DrillView,
    IndicatorBrief,
    ItemView,
    SeriesLine,
    TileData,
    UnitChoice,
    UnitValue,
)
from chiso.flows.unit_map import Indicator as MapIndicator
from chiso.flows.unit_map import MapPage, MapUnitValue
from chiso.flows.unit_ranking import expected_units, names_of, order_units, unit_values
from chiso.indicators import dashboards as boards
from chiso.indicators.cube import Cube, Rule, load_rules, open_cube
from chiso.indicators.periods import label_vi, period_of, period_type_of, previous, shift, span, year_of
from chiso.store.models.indicators import Indicator, IndicatorFolder, IndicatorTarget
from chiso.units.text import sort_key
from chiso.units.unit_maps import describe_unit_map, get_unit_map, list_map_units

LOOKBACK = {"month": 24, "quarter": 12, "year": 8}  # how far back a tile looks for its latest value
CHOICES = {"month": 12, "quarter": 8, "year": 5}  # the period filter's offer per period type
RANKING_ROWS = 15  # a ranking item shows its first 15 units; its drill-down, download and map hold all


def _cube(session: Session, rules: Mapping[str, Rule]) -> Cube:
    """Return the cube dashboards read: the columnar one when compacted, else the SQL one."""
    return open_cube(session, rules)


def province_code(session: Session) -> str | None:
    """Return the province this installation serves (CHISO_PROVINCE): the code province figures are under."""
    return get_settings().province_code


def _bounds(key: str) -> tuple[date, date]:
    kind, year = period_type_of(key), year_of(key)
    if kind == "month":
        month = int(key[5:])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if kind == "quarter":
        first = (int(key[6:]) - 1) * 3 + 1
        last = first + 2
        return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    return date(year, 1, 1), date(year, 12, 31)


def _window(filter_period: str | None, period_type: str, today: date) -> tuple[str, list[str] | None]:
    """Return the last period of `period_type` an item reads and, with a filter, its periods inside it."""
    now = period_of(today, period_type)
    if filter_period is None:
        return now, None
    start, end = _bounds(filter_period)
    last = min(period_of(end, period_type), now) if start <= today else period_of(end, period_type)
    first = period_of(start, period_type)
    return last, (span(first, last) if first <= last else [first])


def _brief(row: Indicator) -> IndicatorBrief:
    return IndicatorBrief(
        code=row.code, name_vi=row.name_vi, name_en=row.name_en, unit=row.unit, value_type=row.value_type,
        period_type=row.period_type, level=row.level, higher_is_better=row.higher_is_better,
    )  # fmt: skip


class _Reader:
    """What one rendering shares: the catalogue's rules, the cube, the province and the filters."""

    def __init__(
        self,
        session: Session,
        period: str | None,
        unit: str | None,
        unit_level: str | None,
        full: bool = False,
    ) -> None:
        self.session = session
        self.full = full  # every unit of a ranking (a download), not only the first RANKING_ROWS
        self.rules = load_rules(session)
        self.cube = _cube(session, self.rules)
        self.province = province_code(session)
        self.period, self.unit, self.unit_level = period, unit, unit_level
        self.today = clock.today()

    def follows_unit(self, row: Indicator) -> bool:
        return self.unit is not None and row.level == self.unit_level

    def values(self, row: Indicator, periods: Sequence[str]) -> list[float | None]:
        rule = self.rules[row.code]
        if self.unit is not None and self.follows_unit(row):
            return [self.cube.breakdown(rule, p).get(self.unit) for p in periods]
        found = self.cube.series([rule], periods, self.province or "")[row.code]
        return [found.get(p) for p in periods]

    def target(self, row: Indicator, year: int) -> float | None:
        unit = self.unit if self.follows_unit(row) else None
        unit_test = IndicatorTarget.unit_code.is_(None) if unit is None else IndicatorTarget.unit_code == unit
        return self.session.scalar(
            select(IndicatorTarget.value).where(
                IndicatorTarget.indicator_code == row.code, IndicatorTarget.year == year, unit_test
            )
        )


def target_status(value: float | None, target: float | None, higher_is_better: bool) -> str | None:
    """Return "met", "missed" or "no_data" against a target (None when there is no target)."""
    if target is None:
        return None
    if value is None:
        return "no_data"
    return "met" if (value >= target if higher_is_better else value <= target) else "missed"


def _tile(reader: _Reader, row: Indicator) -> TileData:
    last, inside = _window(reader.period, row.period_type, reader.today)
    periods = span(shift(last, -LOOKBACK[row.period_type]), last)
    by_period = dict(zip(periods, reader.values(row, periods), strict=True))
    candidates = inside if inside is not None else periods
    known = [p for p in candidates if by_period.get(p) is not None]
    current = known[-1] if known else last
    before = previous(current)
    value, prior = by_period.get(current), by_period.get(before)
    change = None if value is None or prior is None else value - prior
    pct = None if change is None or not prior else change / abs(prior) * 100
    target = reader.target(row, year_of(current))
    return TileData(
        period=current, period_label=label_vi(current), value=value, previous_period=before, previous=prior,
        change=change, change_pct=pct, target=target,
        status=target_status(value, target, row.higher_is_better),  # type: ignore[arg-type]
    )  # fmt: skip


def _chart(reader: _Reader, rows: Sequence[Indicator], count: int) -> ChartData:
    """The last `count` periods up to the filter's end; without a filter, up to the latest with data."""
    kind = rows[0].period_type
    last, inside = _window(reader.period, kind, reader.today)
    floor = inside[0] if inside else None
    slack = 0 if inside is not None and len(inside) == 1 else LOOKBACK[kind] // 2
    periods = span(shift(last, -(count - 1 + slack)), last)
    values = [reader.values(r, periods) for r in rows]
    end = len(periods)
    known = any(x is not None for v in values for x in v)
    while (
        known
        and end > count
        and all(v[end - 1] is None for v in values)
        and (floor is None or periods[end - 1] > floor)
    ):
        end -= 1  # a period nobody has reported yet (this month) is not the chart's last point
    keep = slice(end - count, end)
    series = [
        SeriesLine(code=r.code, name_vi=r.name_vi, name_en=r.name_en, values=v[keep])
        for r, v in zip(rows, values, strict=True)
    ]
    return ChartData(periods=periods[keep], labels=[label_vi(p) for p in periods[keep]], series=series)


def _breakdown_period(reader: _Reader, row: Indicator) -> TileData:
    """The tile of a ranking, map or drill-down: its period is the latest whose units have data (a province
    figure may be missing where its units' values are not, e.g. a weight reported for another period)."""
    tile = _tile(reader, row)
    if tile.value is not None:
        return tile
    last, inside = _window(reader.period, row.period_type, reader.today)
    candidates = inside if inside is not None else span(shift(last, -LOOKBACK[row.period_type]), last)
    rule = reader.rules[row.code]
    found = next(
        (
            p
            for p in reversed(candidates)
            if any(v is not None for v in reader.cube.breakdown(rule, p).values())
        ),
        None,
    )
    if found is None or found == tile.period:
        return tile
    return tile.model_copy(update={"period": found, "period_label": label_vi(found), "value": None})


def _breakdown(
    reader: _Reader, row: Indicator, period: str, *, first: int | None = None
) -> tuple[list[UnitValue], int, int]:
    """Rank a breakdown; return its first `first` units (all when None), the count and those without data.

    Names the expected list lacks are looked up only for the units returned (a page shows 15 of 4,300).
    """
    values: dict[str, float | None] = dict(reader.cube.breakdown(reader.rules[row.code], period))
    names = expected_units(reader.session, level=row.level, province=reader.province, day=_bounds(period)[1])
    for code in names:
        values.setdefault(code, None)
    ordered = order_units(values, names, higher_is_better=row.higher_is_better)
    shown = ordered if first is None else ordered[:first]
    names |= names_of(reader.session, [code for code, _, _ in shown if code not in names])
    without = sum(1 for value in values.values() if value is None)
    return unit_values(shown, names), len(ordered), without


def _map(reader: _Reader, row: Indicator, period: str, dashboard_id: int) -> MapPage:
    values = {u.code: u.value for u in _breakdown(reader, row, period)[0]}
    record = get_unit_map(reader.session)
    paths = record.paths if record is not None else {}
    units = []
    for u in list_map_units(reader.session):
        value = values.get(u.unit_code or "", values.get(u.agency_code))
        link = f"/dashboards/{dashboard_id}?" + urlencode(
            {"period": period, "unit": u.unit_code or u.agency_code}
        )
        units.append(
            MapUnitValue(
                agency_code=u.agency_code, name_vi=u.name_vi, name_en=u.name_en, unit_code=u.unit_code,
                district=u.district, group=None, value=value, band=None, rank=None, scorecard_url=link,
                path=paths.get(u.agency_code),
            )
        )  # fmt: skip
    return MapPage(
        source="index", period=period, periods=[period], indicator=row.code,
        indicators=[MapIndicator(code=row.code, name_vi=row.name_vi, name_en=row.name_en or "")],
        by="district", groups={}, groups_en={}, bands=[], max_points=None, units=units,
        with_data=sum(1 for u in units if u.value is not None),
        map=describe_unit_map(record) if record is not None else None,
        width=record.width if record is not None else None,
        height=record.height if record is not None else None,
    )  # fmt: skip


def _item(
    reader: _Reader, item: boards.DashboardItem, rows: Mapping[str, Indicator], dashboard_id: int
) -> ItemView:
    present = [rows[c] for c in item.indicators if c in rows]
    first = present[0] if present else None
    title = item.title_vi or (first.name_vi if first else boards.KIND_NAMES[item.kind][0])
    title_en = item.title_en or (first.name_en if first else boards.KIND_NAMES[item.kind][1])
    view = ItemView(
        id=item.id, kind=item.kind, title_vi=title, title_en=title_en, x=item.x, y=item.y, w=item.w, h=item.h,
        indicators=[_brief(r) for r in present], missing=[c for c in item.indicators if c not in rows],
        text=item.text,
    )  # fmt: skip
    if first is None or view.missing:
        return view
    view.scope = "unit" if reader.follows_unit(first) else "province"
    view.drill = first.level != "province" and view.scope == "province"
    if item.kind == "tile":
        view.tile = _tile(reader, first)
        view.period = view.tile.period
    elif item.kind in ("line", "bar", "stacked", "table"):
        view.chart = _chart(reader, present, item.periods)
        view.period = view.chart.periods[-1]
    elif first.level == "province":
        view.period = _tile(reader, first).period  # a province-only figure has no units to rank or map
        view.units = []
    else:
        view.period = _breakdown_period(reader, first).period
        limit = None if reader.full or item.kind == "map" else RANKING_ROWS
        view.units, view.unit_total, view.units_without_data = _breakdown(
            reader, first, view.period, first=limit
        )
        if item.kind == "map":
            view.map = _map(reader, first, view.period, dashboard_id)
    return view


def _choices(session: Session, province: str | None, day: date) -> list[UnitChoice]:
    communes = expected_units(session, level="commune", province=province, day=day)
    agencies = expected_units(session, level="agency", province=province, day=day)
    out = [UnitChoice(code=c, name_vi=n[0], level="commune") for c, n in communes.items()]
    out += [UnitChoice(code=c, name_vi=n[0], level="agency") for c, n in agencies.items()]
    return sorted(out, key=lambda u: (u.level, sort_key(u.name_vi)))


def _period_choices(rows: Sequence[Indicator], today: date) -> list[str]:
    kinds = [k for k in ("year", "quarter", "month") if any(r.period_type == k for r in rows)] or ["year"]
    out: list[str] = []
    for kind in kinds:
        now = period_of(today, kind)
        out += [shift(now, -i) for i in range(CHOICES[kind])]
    return out


def _catalogue_rows(session: Session, codes: Sequence[str]) -> dict[str, Indicator]:
    if not codes:
        return {}
    query = select(Indicator).where(Indicator.code.in_(list(codes)), Indicator.active.is_(True))
    return {row.code: row for row in session.scalars(query)}


def _check_period(period: str | None) -> str | None:
    if not period:
        return None
    period_type_of(period)
    return period


def get_dashboard_view(
    session: Session,
    *,
    dashboard_id: int,
    period: str | None,
    unit: str | None,
    actor: Actor | None,
    full: bool = False,
) -> DashboardView:
    """Return a dashboard with every item's data under the filters (the saved ones when none is given).

    Args:
        session: an open session.
        dashboard_id: the dashboard.
        period: a period key ("2026-03", "2026-Q1", "2026"); None: the saved filter, else each item's latest.
        unit: a commune or agency code; None: the saved filter, else the province.
        actor: who reads (None: an anonymous visitor; only public dashboards open).
        full: every unit of each ranking (a download); else its first RANKING_ROWS and the counts.

    Raises:
        NotFound: no such dashboard, or not public to an anonymous visitor.
        PermissionDenied: not shared with the reader's role.
        InvalidInput: a period key or a unit that is not valid.
    """
    dashboard = boards.get_dashboard(session, dashboard_id=dashboard_id, actor=actor)
    spec = dashboard.spec
    chosen_period = _check_period(period if period is not None else spec.filters.period)
    chosen_unit = (unit if unit is not None else spec.filters.unit) or None
    today = clock.today()
    province = province_code(session)
    units = _choices(session, province, today)
    level = next((u.level for u in units if u.code == chosen_unit), None)
    if unit is None and level is None:
        chosen_unit = None  # a saved unit that no longer exists (merged, ended): the province
    if chosen_unit is not None and level is None:
        raise InvalidInput(
            f"Không có đơn vị {chosen_unit} trong tỉnh",
            f"No unit {chosen_unit} in the province",
        )
    reader = _Reader(session, chosen_period, chosen_unit, level, full)
    rows = _catalogue_rows(session, spec.codes())
    items = [_item(reader, item, rows, dashboard.id) for item in spec.items]
    return DashboardView(
        dashboard=dashboard, period=chosen_period, unit=chosen_unit,
        unit_name=next((u.name_vi for u in units if u.code == chosen_unit), None),
        period_choices=_period_choices(list(rows.values()), today), units=units, items=items,
    )  # fmt: skip


def list_dashboard_page(session: Session, *, actor: Actor | None) -> DashboardList:
    """Return the dashboards `actor` may open (None: the public ones)."""
    return DashboardList(dashboards=boards.list_dashboards(session, actor=actor))


def get_drill(
    session: Session, *, dashboard_id: int, item_id: str, period: str | None, actor: Actor | None
) -> DrillView:
    """Return an item's province figure broken down into its communes or agencies, no-data units last.

    Raises:
        NotFound: no such dashboard or item (or not open to the reader, as get_dashboard_view).
        InvalidInput: the item's indicator is reported for the province only, or the period is not valid.
    """
    dashboard = boards.get_dashboard(session, dashboard_id=dashboard_id, actor=actor)
    item = next((i for i in dashboard.spec.items if i.id == item_id), None)
    if item is None or not item.indicators:
        raise NotFound(
            f"Bảng điều khiển {dashboard_id} không có mục {item_id} có số liệu",
            f"Dashboard {dashboard_id} has no item {item_id} with figures",
        )
    rows = _catalogue_rows(session, item.indicators[:1])
    row = rows.get(item.indicators[0])
    if row is None:
        raise NotFound(f"Chỉ tiêu {item.indicators[0]} không còn trong danh mục",
                       f"Indicator {item.indicators[0]} is no longer in the catalogue")  # fmt: skip
    if row.level == "province":
        raise InvalidInput(
            f"{row.name_vi} chỉ có số liệu toàn tỉnh, không chia theo xã hay cơ quan",
            f"{row.name_en or row.code} is reported for the province only",
        )
    reader = _Reader(session, _check_period(period or dashboard.spec.filters.period), None, None)
    shown = _breakdown_period(reader, row)
    units = _breakdown(reader, row, shown.period)[0]
    return DrillView(
        dashboard=dashboard, item_id=item.id, title_vi=item.title_vi or row.name_vi,
        title_en=item.title_en or row.name_en, indicator=_brief(row), period=shown.period,
        period_label=shown.period_label, province_value=shown.value, level=row.level, units=units,
        with_data=sum(1 for u in units if u.value is not None),
    )  # fmt: skip


def get_builder(session: Session, *, dashboard_id: int | None, actor: Actor) -> BuilderView:
    """Return what the builder needs: the dashboard (None: a new one), the catalogue by folder, the versions.

    Raises:
        NotFound: no such dashboard.
        PermissionDenied: not the secretariat.
    """
    versions = boards.list_versions(session, dashboard_id=dashboard_id, actor=actor) if dashboard_id else []
    if dashboard_id is None:
        boards.check_editor(actor)
    dashboard = (
        boards.get_dashboard(session, dashboard_id=dashboard_id, actor=actor) if dashboard_id else None
    )
    folders = dict(session.execute(select(IndicatorFolder.code, IndicatorFolder.name_vi)).all())
    rows = session.scalars(select(Indicator).where(Indicator.active.is_(True)))
    catalogue = [
        CatalogueChoice(
            code=r.code, name_vi=r.name_vi, name_en=r.name_en,
            folder=folders.get(r.folder_code or "", "Khác"),
            period_type=r.period_type, level=r.level,
        )
        for r in rows
    ]  # fmt: skip
    catalogue.sort(key=lambda c: (sort_key(c.folder), sort_key(c.name_vi)))
    return BuilderView(
        dashboard=dashboard, catalogue=catalogue, versions=versions,
        kinds={k: vi for k, (vi, _) in boards.KIND_NAMES.items()}, roles=list(boards.SHARED_ROLES),
        units=_choices(session, province_code(session), clock.today()),
    )  # fmt: skip
