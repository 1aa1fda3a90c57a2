"""The plain, typed inputs of every report (pydantic): what `chiso.flows` fills from published snapshots,
the live 766 index and the form a secretary completes before generating a document.

Domain layer (reports room): imports pydantic only; nothing from assessment, flows, web or the store.
Figures are the *published* ones (rounded as the ranking shows them); nothing here is recomputed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Lang = Literal["vi", "en"]
Status = Literal["new", "continuing", "successor", "merged"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BandInfo(_Model):
    """A band of the framework (best first in `FrameworkInfo.bands`); rows carry its `label_vi`."""

    code: str
    label_vi: str
    label_en: str = ""
    min: float | None = None
    max: float | None = None


class NodeInfo(_Model):
    """A pillar (`parent_code` None) or a criterion (its pillar's code) with its maximum points."""

    code: str
    name_vi: str
    name_en: str = ""
    max_points: float
    parent_code: str | None = None


class FrameworkInfo(_Model):
    """The framework a ranking was scored with: bands in order (best first), pillars and criteria."""

    id: str
    version: str = "1"
    name_vi: str
    name_en: str = ""
    decision: str = ""
    max_points: float
    decimals: int = Field(default=2, ge=0, le=6)
    bands: list[BandInfo] = Field(default_factory=list)
    pillars: list[NodeInfo] = Field(min_length=1)
    criteria: list[NodeInfo] = Field(default_factory=list)


class GroupInfo(_Model):
    """A peer group, in the order the report shows it; the nouns read "24 sở, ngành" / "24 departments"."""

    code: str
    name_vi: str
    name_en: str = ""
    unit_noun_vi: str = "đơn vị"
    unit_noun_en: str = "agencies"


class PeriodInfo(_Model):
    """The assessment period and the one it is compared with (None in a first year)."""

    code: str
    name_vi: str
    name_en: str = ""
    year: int | None = None
    previous_code: str | None = None
    previous_name_vi: str | None = None
    previous_name_en: str | None = None


class CriterionResult(_Model):
    """One criterion of one agency: the value it reported (or that was computed) and its points."""

    code: str
    points: float | None
    value: float | str | None = None
    previous_points: float | None = None  # last period's points (through lineage); None: none or new


class AgencyResult(_Model):
    """One agency's published result: the TOTAL row of the results table with its pillars and criteria.

    `previous_rank` and `previous_total` come through lineage for a successor (one predecessor);
    a merged agency has a previous total (mean of its predecessors) but no previous rank.
    `rank_low`/`rank_high` are the rank interval when the ranking carries one.
    """

    agency_code: str
    name_vi: str
    name_en: str = ""
    group: str
    parent_code: str | None = None
    parent_name_vi: str | None = None
    rank: int | None
    rank_low: int | None = None
    rank_high: int | None = None
    total: float
    band: str | None = None
    pillars: dict[str, float | None] = Field(default_factory=dict)
    previous_total: float | None = None
    points_change: float | None = None
    previous_rank: int | None = None
    rank_change: int | None = None
    previous_pillars: dict[str, float | None] = Field(default_factory=dict)
    status: Status | None = None
    predecessors: list[str] = Field(default_factory=list)
    criteria: list[CriterionResult] = Field(default_factory=list)


class RankingInput(_Model):
    """A ranking to report: one period, its framework, its groups and every agency's result.

    `published_at` None means a draft (preview): documents carry a "DỰ THẢO" watermark.
    """

    period: PeriodInfo
    framework: FrameworkInfo
    groups: list[GroupInfo] = Field(min_length=1)
    agencies: list[AgencyResult]
    revision: int = 0
    published_at: datetime | None = None
    reason: str = ""

    @property
    def published(self) -> bool:
        return self.published_at is not None

    @property
    def has_rank_intervals(self) -> bool:
        return any(a.rank_low is not None for a in self.agencies)

    def group_rows(self, group: str) -> list[AgencyResult]:
        """Return a group's agencies in rank order (unranked last, input order among equals)."""
        rows = [a for a in self.agencies if a.group == group]
        return sorted(rows, key=lambda a: (a.rank is None, a.rank or 0))

    @model_validator(mode="after")
    def _check_codes(self) -> RankingInput:
        groups = {g.code for g in self.groups}
        pillars = {p.code for p in self.framework.pillars}
        bands = {b.label_vi for b in self.framework.bands}
        bad_groups = sorted({a.group for a in self.agencies} - groups)
        bad_pillars = sorted({k for a in self.agencies for k in a.pillars} - pillars)
        bad_bands = sorted({a.band for a in self.agencies if a.band is not None} - bands) if bands else []
        twice = sorted(c for c, n in Counter(a.agency_code for a in self.agencies).items() if n > 1)
        problems = [
            f"{label}: {', '.join(codes)}"
            for label, codes in (
                ("groups not listed in `groups`", bad_groups),
                ("pillars not in the framework", bad_pillars),
                ("bands not in the framework", bad_bands),
                ("agencies listed twice", twice),
            )
            if codes
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SignatureBlock(_Model):
    """The signer: authority lines (TM./KT./TL./TUQ.), title and full name (Decree 30, section 7)."""

    authority: list[str] = Field(default_factory=lambda: ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"])
    title: str = "PHÓ CHỦ TỊCH"
    name: str


class DocumentInfo(_Model):
    """What a secretary fills in before generating the administrative document (Decree 30/2020/NĐ-CP).

    `number` and `issued_on` stay empty in a draft (the number is given when the document is signed):
    the document then shows "Số:     /QĐ-UBND" and "ngày   tháng   năm". A line break in
    `issuing_body` or `superior_body` is kept ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ ĐÀ NẴNG").
    """

    superior_body: str | None = None
    issuing_body: str
    number: str | None = None
    symbol: str = "QĐ-UBND"
    place: str
    issued_on: date | None = None
    doc_type: str = "QUYẾT ĐỊNH"
    summary: str
    authority: str | None = None
    bases: list[str] = Field(default_factory=list)
    proposal: str | None = None
    articles: list[str] = Field(default_factory=list)
    include_narrative: bool = True
    recipients: list[str] = Field(default_factory=list)
    signature: SignatureBlock


class IndexFigures(_Model):
    """A 766 total and its six group scores (points), for the province or one agency."""

    total: float | None
    groups: dict[str, float | None] = Field(default_factory=dict)


class Index766Agency(_Model):
    """One agency on a month of the live 766 index, with last month's figures when known."""

    agency_code: str
    name: str
    level: str | None = None
    total: float | None
    rank: int | None = None
    band: str | None = None
    previous_total: float | None = None
    previous_rank: int | None = None
    groups: dict[str, float | None] = Field(default_factory=dict)
    received: int | None = None


class TargetResult(_Model):
    """A target set for an agency and how the month went against it."""

    agency_code: str
    agency_name: str
    target_name: str
    target: float
    actual: float | None
    met: bool
    unit: str = ""


class Index766Month(_Model):
    """One month of the live Decision 766 index: the province, its agencies and (optionally) targets."""

    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    previous_period: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    as_of: datetime
    province_name: str
    groups: list[NodeInfo] = Field(min_length=1)
    province: IndexFigures
    previous_province: IndexFigures | None = None
    agencies: list[Index766Agency] = Field(default_factory=list)
    targets: list[TargetResult] | None = None
    bands: list[BandInfo] = Field(default_factory=list)


class Licence(_Model):
    """The open-data licence the province chose (a Frictionless licence: SPDX-like name, URL, title)."""

    name: str = Field(pattern=r"^[A-Za-z0-9.+-]+$")
    path: str
    title: str


__all__ = [
    "AgencyResult",
    "BandInfo",
    "CriterionResult",
    "DocumentInfo",
    "FrameworkInfo",
    "GroupInfo",
    "Index766Agency",
    "Index766Month",
    "IndexFigures",
    "Lang",
    "Licence",
    "NodeInfo",
    "PeriodInfo",
    "RankingInput",
    "SignatureBlock",
    "TargetResult",
]
