"""The typed models of a saved dashboard's page (`/dashboards/{id}`), its drill-down and their JSON twins.

Flows layer; pydantic only. Every figure is read through the indicators room's cube; None is "no data"
(shown "—"), never zero.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chiso.flows.unit_map import MapPage
from chiso.indicators.dashboards import DashboardOut, DashboardSummary, VersionOut


class IndicatorBrief(BaseModel):
    """What an item shows of a catalogue indicator: its names, unit and how it is reported."""

    code: str
    name_vi: str
    name_en: str | None = None
    unit: str | None = None
    value_type: str
    period_type: str
    level: str
    higher_is_better: bool = True


class TileData(BaseModel):
    """A figure in its period, against the period before and the year's target."""

    period: str
    period_label: str
    value: float | None
    previous_period: str
    previous: float | None
    change: float | None
    change_pct: float | None
    target: float | None = None
    status: Literal["met", "missed", "no_data"] | None = None  # None: no target for the year


class SeriesLine(BaseModel):
    """One indicator's values over the chart's periods (None: no data)."""

    code: str
    name_vi: str
    name_en: str | None = None
    values: list[float | None]


class ChartData(BaseModel):
    """The periods of a chart or table item and one line per indicator."""

    periods: list[str]
    labels: list[str]
    series: list[SeriesLine]


class UnitValue(BaseModel):
    """One unit's value in a ranking, a map or a drill-down; rank None for "no data" (listed last)."""

    code: str
    name_vi: str
    name_en: str | None = None
    value: float | None
    rank: int | None


class ItemView(BaseModel):
    """One item as drawn: its place on the grid and the data of its kind."""

    id: str
    kind: str
    title_vi: str
    title_en: str | None = None
    x: int
    y: int
    w: int
    h: int
    indicators: list[IndicatorBrief]
    missing: list[str]  # codes the catalogue no longer has (the item says so instead of drawing)
    scope: Literal["province", "unit"] = "province"
    period: str | None = None
    tile: TileData | None = None
    chart: ChartData | None = None
    units: list[UnitValue] | None = None  # a ranking's first units (all of them for a map or a download)
    unit_total: int | None = None  # how many units the ranking has
    units_without_data: int | None = None
    map: MapPage | None = None
    text: str | None = None
    drill: bool = False  # a province figure that breaks down into communes or agencies


class UnitChoice(BaseModel):
    """A unit the filter offers: a commune (official code) or an agency (its code)."""

    code: str
    name_vi: str
    level: Literal["commune", "agency"]


class DashboardView(BaseModel):
    """A dashboard with its filters applied (JSON twin of `/dashboards/{id}`)."""

    dashboard: DashboardOut
    period: str | None  # the filter's period key (None: each item's latest)
    unit: str | None  # the filter's unit code (None: the province)
    unit_name: str | None = None
    period_choices: list[str]
    units: list[UnitChoice]
    items: list[ItemView]


class DashboardList(BaseModel):
    """The dashboards the reader may open (JSON twin of `/dashboards`)."""

    dashboards: list[DashboardSummary]


class DrillView(BaseModel):
    """A province figure broken down into its communes or agencies (JSON twin of the drill-down page)."""

    dashboard: DashboardSummary
    item_id: str
    title_vi: str
    title_en: str | None = None
    indicator: IndicatorBrief
    period: str
    period_label: str
    province_value: float | None
    level: str
    units: list[UnitValue]
    with_data: int


class CatalogueChoice(BaseModel):
    """An indicator the builder offers, by name, under its folder."""

    code: str
    name_vi: str
    name_en: str | None = None
    folder: str
    period_type: str
    level: str


class BuilderView(BaseModel):
    """The secretariat's builder (JSON twin of `/dashboards/new` and `/dashboards/{id}/edit`)."""

    dashboard: DashboardOut | None
    catalogue: list[CatalogueChoice]
    versions: list[VersionOut]
    kinds: dict[str, str]
    roles: list[str]
    units: list[UnitChoice]
