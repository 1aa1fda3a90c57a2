"""The typed model of the leader's dashboard (`/dashboard` and its JSON twin).

Flows layer; pydantic only. Every figure is read from a stored result (the live board, the live-score
snapshots, published rankings, target statuses, submissions); None is "no data", never zero.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class KeyFigure(BaseModel):
    """A province-wide figure this month against last month, the same month last year and its target."""

    code: str  # TOTAL, a 766 group code, or a rate metric code
    name_vi: str
    name_en: str
    unit: Literal["points", "percent"]
    max_points: float | None = None
    value: float | None
    last_month: float | None = None
    last_year: float | None = None
    change_month: float | None = None
    change_year: float | None = None
    target: float | None = None
    comparison: str | None = None
    target_code: str | None = None
    status: Literal["met", "missed", "no_data"] | None = None  # None: no province target


class BandShare(BaseModel):
    """How many agencies of one kind fall in each 766 band this month (and their share in percent)."""

    level: str
    agencies: int
    counts: dict[str, int]
    shares: dict[str, float | None]
    no_data: int


class MonthPoint(BaseModel):
    """The province's 766 figures of one month: closed, or this month to date."""

    month: str
    closed: bool
    total: float | None
    groups: dict[str, float | None] = Field(default_factory=dict)


class LevelTrend(BaseModel):
    """The mean 766 total of one kind of agency per month (same months as the province trend)."""

    level: str
    values: list[float | None]
    change: float | None  # last known month minus first known month


class Mover(BaseModel):
    """An agency's 766 total now, a month ago and at the start of the trend window."""

    agency_code: str
    name: str
    level: str | None = None
    total: float | None
    last_month: float | None = None
    change_month: float | None = None
    first: float | None = None
    change_window: float | None = None


class RedItem(BaseModel):
    """One line of the red-first list: an indicator or agency below target, falling, or late."""

    kind: Literal["indicator", "missed", "at_risk", "falling", "late"]
    agency_code: str | None = None
    name: str
    what_vi: str
    what_en: str
    value: float | None = None
    target: float | None = None
    comparison: str | None = None
    change: float | None = None
    period: str | None = None


class NodeName(BaseModel):
    """A 766 group or a pillar: code, names and maximum points."""

    code: str
    name_vi: str
    name_en: str = ""
    max_points: float | None = None


class GroupYear(BaseModel):
    """One peer group in one published year: its agencies' mean total, mean per pillar and band counts."""

    code: str
    name_vi: str
    name_en: str = ""
    agencies: int
    mean: float | None
    pillars: dict[str, float | None] = Field(default_factory=dict)
    bands: dict[str, int] = Field(default_factory=dict)


class YearSummary(BaseModel):
    """A published ranking summarised (its latest revision); `formula_break` when its framework differs."""

    period_code: str
    name_vi: str
    name_en: str = ""
    year: int | None
    revision: int
    framework_id: str
    framework_version: str
    formula_break: bool = False
    max_points: float | None = None
    mean: float | None
    groups: list[GroupYear]
    pillars: list[NodeName]


class DtiFigure(BaseModel):
    """The mean of a group's total or pillar in the latest published year against the year before."""

    group_code: str
    group_name_vi: str
    group_name_en: str = ""
    node_code: str  # TOTAL or a pillar
    node_name_vi: str
    node_name_en: str = ""
    max_points: float | None = None
    mean: float | None
    previous_mean: float | None = None
    change: float | None = None


class Dashboard(BaseModel):
    """The leader's dashboard of a month (JSON twin of `/dashboard`)."""

    month: str
    last_month: str
    last_year_month: str
    as_of: datetime
    groups: list[NodeName]
    figures: list[KeyFigure]
    bands: list[str]
    band_shares: list[BandShare]
    trend: list[MonthPoint]
    level_trends: list[LevelTrend]
    movers_sort: Literal["improvement", "decline"] = "improvement"
    movers: list[Mover]
    red: list[RedItem]
    red_total: dict[str, int] = Field(default_factory=dict)
    years: list[YearSummary]
    dti_period: str | None = None
    dti_previous_period: str | None = None
    dti: list[DtiFigure]
    brief_months: list[str]
