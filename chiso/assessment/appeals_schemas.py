"""What the reply and appeal pages show (pydantic): a case, the lists, an agency's results, a period's counts.

Domain layer: pydantic and chiso.clock only. Built by chiso.assessment.appeals and chiso.flows.appeals;
every page renders one of these models and its JSON twin returns it as it is.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from chiso.assessment.schemas import RankingRow
from chiso.clock import LocalDatetime


class CaseFileOut(BaseModel):
    """A file attached to a reply or appeal."""

    id: int
    filename: str
    file_type: str
    size_bytes: int


class CaseOut(BaseModel):
    """A reply (before publication) or an appeal (after it) on one criterion, with its answer."""

    id: int
    kind: str  # reply | appeal
    status: str  # open | upheld | changed | rejected
    period_code: str
    agency_code: str
    agency_name_vi: str
    group_code: str | None
    indicator_code: str
    criterion_name_vi: str
    criterion_name_en: str
    max_points: float | None
    text: str
    requested_points: float | None
    points_before: float | None
    points_after: float | None
    filed_at: LocalDatetime
    filed_by: str | None
    answer_due: LocalDatetime
    overdue: bool
    answer: str | None
    answered_at: LocalDatetime | None
    answered_by: str | None
    revision: int | None
    version: int
    files: list[CaseFileOut] = Field(default_factory=list)
    #: Whether the viewer may answer it now (assessor of the group or secretariat for a reply, the
    #: secretariat for an appeal, and the case still open).
    can_answer: bool = False


class CaseList(BaseModel):
    """The replies and appeals the viewer may see, by answer due date; counts per status."""

    status: str | None
    period_code: str | None
    rows: list[CaseOut]
    counts: dict[str, int]


class ResultCriterion(BaseModel):
    """One criterion of an agency's results: points out of the maximum, and its open case if any."""

    code: str
    name_vi: str
    name_en: str
    section_code: str
    points: float | None
    max_points: float
    open_case_id: int | None = None


class AgencyChoice(BaseModel):
    code: str
    name_vi: str


class AgencyResults(BaseModel):
    """An agency's preliminary (before publication) or published results with its group's ranking."""

    period_code: str
    period_name_vi: str
    stage: str  # preliminary | published
    revision: int | None
    agency_code: str
    agency_name_vi: str
    group: str | None
    total: float | None
    max_points: float | None
    rank: int | None
    band: str | None
    #: Until when the agency may reply (preliminary) or appeal (published); None: no window.
    window_until: LocalDatetime | None
    window_open: bool
    criteria: list[ResultCriterion]
    ranking: list[RankingRow]
    cases: list[CaseOut]
    agencies: list[AgencyChoice] = Field(default_factory=list)
    can_file: bool = False


class PeriodAppeals(BaseModel):
    """A period's right of reply in numbers: the release, the windows, the cases per kind and status."""

    period_code: str
    period_status: str
    released_at: LocalDatetime | None
    reply_until: LocalDatetime | None
    appeal_until: LocalDatetime | None
    reply_days: int
    appeal_days: int
    answer_days: int
    counts: dict[str, int]
    overdue: int
