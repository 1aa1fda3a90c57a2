"""The scorecard's typed model (the page and its JSON twin render it); see chiso.flows.scorecard."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chiso.reports.schemas import BandInfo, PeriodInfo


class PillarBar(BaseModel):
    """A pillar: the agency's points against its group's mean, median and best, and the maximum."""

    code: str
    name_vi: str
    name_en: str = ""
    max_points: float
    points: float | None
    previous_points: float | None
    mean: float | None
    median: float | None
    best: float | None


class CriterionLine(BaseModel):
    """A criterion: points against the group's mean, median and best, and last period's points.

    `comparable` is False where the framework changed the criterion since last period (added, re-weighted,
    rule changed: chiso.frameworks.diff): the change is then None and the page marks a break, no arrow.
    """

    code: str
    name_vi: str
    name_en: str = ""
    pillar_code: str | None
    max_points: float
    value: float | str | None = None
    points: float | None
    previous_code: str | None = None
    previous_points: float | None
    change: float | None
    existed_before: bool
    comparable: bool = False
    group_mean: float | None = None
    group_median: float | None
    group_best: float | None = None
    gap_to_median: float | None


class RankInterval(BaseModel):
    """The rank interval stored with the published ranking (5th-95th percentile of plausible weightings)."""

    low: int
    high: int
    median: int | None
    firm: bool
    coverage: int = 90
    replications: int | None = None


class Improvement(BaseModel):
    """A criterion that would raise the total: points still available, and how far the group's peers got.

    `reachable` = the group's best minus the agency's points (what a peer has shown can be done);
    `peers_above` = the share of the group's other members with more points on it.
    """

    code: str
    name_vi: str
    name_en: str = ""
    points: float | None
    max_points: float
    available: float
    best: float | None
    reachable: float
    peers_above: float


class Goal(BaseModel):
    """What a goal takes in total points: the next band, or the group's top N (gap 0: reached)."""

    goal: str
    label_vi: str
    label_en: str
    target: float | None
    gap: float | None


class Neighbour(BaseModel):
    """An agency of the group near this one (the group's first, and ranks within +-3)."""

    rank: int | None
    agency_code: str
    name_vi: str
    name_en: str = ""
    total: float
    band: str | None
    is_self: bool = False


class Comparison(BaseModel):
    """A peer the reader chose, side by side: its total, rank, band, pillars and criteria."""

    agency_code: str
    name_vi: str
    name_en: str = ""
    total: float
    rank: int | None
    band: str | None
    pillars: dict[str, float | None]
    criteria: dict[str, float | None]


class PeerOption(BaseModel):
    """A peer the comparison select offers."""

    agency_code: str
    name_vi: str
    name_en: str = ""
    rank: int | None


class LiveMonth(BaseModel):
    """The agency's live 766 figures in one month (closed, or the current month to date)."""

    month: str
    closed: bool
    total: float | None
    rank: int | None
    components: dict[str, float | None]


class YearPoint(BaseModel):
    """The agency's yearly index in one published period."""

    period_code: str
    total: float | None
    rank: int | None


class Scorecard(BaseModel):
    """An agency's scorecard for one period: total, rank n / N, band, change, pillars and criteria."""

    period: PeriodInfo
    published: bool
    published_at: datetime | None
    revision: int
    framework_id: str
    framework_version: str
    previous_framework: str | None = None
    agency_code: str
    name_vi: str
    name_en: str = ""
    group_code: str
    group_name_vi: str
    group_name_en: str = ""
    group_size: int
    total: float
    max_points: float
    rank: int | None
    band: str | None
    band_en: str | None
    bands: list[BandInfo]
    interval: RankInterval | None = None
    previous_total: float | None
    points_change: float | None
    previous_rank: int | None
    rank_change: int | None
    status: str | None
    predecessors: list[str]
    pillars: list[PillarBar]
    criteria: list[CriterionLine]
    strengths: list[str]
    weaknesses: list[str]
    improvements: list[Improvement] = Field(default_factory=list)
    top: int = 3
    goals: list[Goal] = Field(default_factory=list)
    neighbours: list[Neighbour] = Field(default_factory=list)
    compare: Comparison | None = None
    compare_options: list[PeerOption] = Field(default_factory=list)
    live: list[LiveMonth] = Field(default_factory=list)
    yearly: list[YearPoint] = Field(default_factory=list)
    pdf_url: str
    whatif_url: str | None = None
    published_periods: list[str]
