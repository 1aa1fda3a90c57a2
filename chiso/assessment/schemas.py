"""Typed inputs and outputs of the assessment services (pydantic), shared by the web pages and JSON twins.

Domain layer: imports pydantic and chiso.errors only.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from chiso.clock import LocalDatetime


class ValueInput(BaseModel):
    """A value typed in the form, the Excel template or an import, before it is checked against the rule.

    Only the fields of the criterion's kind are used: `value` (yes/no as 1/0 or text, number, points),
    `numerator` and `denominator` (ratio), `choice` (choice).
    """

    model_config = ConfigDict(extra="forbid")

    value: float | str | bool | None = None
    numerator: float | str | None = None
    denominator: float | str | None = None
    choice: str | None = None
    comment: str | None = None


class ValueConflict(BaseModel):
    """A value the client had not seen changed elsewhere since (another tab or person); not overwritten."""

    indicator_code: str
    version: int
    updated_by: str | None = None
    updated_at: LocalDatetime | None = None


class SaveReport(BaseModel):
    """What a draft save did: the criteria whose value changed and the submission's new version."""

    submission_id: int
    status: str
    version: int
    changed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    saved_at: LocalDatetime
    problems: list[dict[str, object]] = Field(default_factory=list)
    conflicts: list[ValueConflict] = Field(default_factory=list)


class EvidenceFileOut(BaseModel):
    id: int
    filename: str
    file_type: str
    size_bytes: int
    sha256: str


class EvidenceOut(BaseModel):
    id: int
    indicator_code: str
    document_number: str
    document_date: date | None
    summary: str
    files: list[EvidenceFileOut] = Field(default_factory=list)


class FieldOut(BaseModel):
    """One criterion on the form with its current value and review state."""

    code: str
    name_vi: str
    name_en: str
    kind: str
    rule: str
    max_points: float
    unit: str = "number"
    guidance_vi: str
    guidance_en: str
    choices: list[str]
    min_value: float | None
    max_value: float | None
    required: bool
    computed: bool
    source: str | None
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    choice: str | None = None
    comment: str | None = None
    value_version: int | None = None
    review_state: str = "pending"
    points_override: float | None = None
    review_comment: str | None = None
    evidence: list[EvidenceOut] = Field(default_factory=list)


class SectionOut(BaseModel):
    code: str
    name_vi: str
    name_en: str
    fields: list[FieldOut]


class PreviewScore(BaseModel):
    """The live score preview: what the agency would score with its current values."""

    agency_code: str
    total: float
    published_total: float
    max_points: float
    band: str | None
    sections: dict[str, float]
    complete: bool
    criteria: dict[str, float] = Field(default_factory=dict, description="each criterion's points")


class SubmissionView(BaseModel):
    """A reporter's or assessor's view of one submission: the form with values, evidence and comments."""

    submission_id: int
    period_code: str
    period_name_vi: str
    agency_code: str
    agency_name_vi: str
    group_code: str | None
    framework_id: str
    framework_version: str
    status: str
    version: int
    deadline: LocalDatetime  # the one that applies now: to submit, or to resubmit after a return
    extended_until: LocalDatetime | None
    extension_reason: str | None
    submission_deadline: LocalDatetime | None = None  # the agency's own (with its extension)
    review_deadline: LocalDatetime | None = None
    review_comment: str | None
    editable: bool
    sections: list[SectionOut]
    missing: list[str] = Field(default_factory=list)
    preview: PreviewScore | None = None


class QueueItem(BaseModel):
    """One submission in an assessor's queue."""

    submission_id: int
    period_code: str
    agency_code: str
    agency_name_vi: str
    group_code: str | None
    status: str
    submitted_at: LocalDatetime | None
    pending: int
    version: int


class RankingRow(BaseModel):
    """One line of the public ranking of a period and group."""

    rank: int | None
    agency_code: str
    agency_name_vi: str
    group: str
    total: float
    max_points: float
    band: str | None
    points_change: float | None
    rank_change: int | None
    status: str | None
    #: The rank interval it was published with (5th and 95th percentile ranks over the replications of
    #: the framework's uncertainty spec), the median rank, whether the interval is one rank wide, and the
    #: share of replications in each band. None: published without intervals.
    rank_low: int | None = None
    rank_high: int | None = None
    rank_median: int | None = None
    rank_firm: bool | None = None
    band_probabilities: dict[str, float] | None = None


class IntervalMethod(BaseModel):
    """How a ranking's rank intervals were computed (replayable from seed and spec), or why they are not."""

    replications: int | None = None
    seed: int | None = None
    sampling: str | None = None
    percentiles: list[int] = Field(default_factory=lambda: [5, 95])
    factors: list[str] = Field(default_factory=list)
    engine_version: str | None = None
    error_vi: str | None = None
    error_en: str | None = None


class Ranking(BaseModel):
    """The published ranking of a period (one group or all), with its revision and date."""

    period_code: str
    period_name_vi: str
    group: str | None
    revision: int
    published_at: LocalDatetime | None  # None for a preview, which is not published
    reason: str
    framework_id: str
    framework_version: str
    rows: list[RankingRow]
    intervals: IntervalMethod | None = None


class PeriodOut(BaseModel):
    """One assessment period with its progress (submissions per status)."""

    code: str
    name_vi: str
    name_en: str | None
    period: str
    framework_id: str
    framework_version: str
    status: str
    submission_deadline: LocalDatetime
    review_deadline: LocalDatetime
    groups: list[str]
    progress: dict[str, int]
    published_revision: int | None


class PeriodSubmission(BaseModel):
    """One agency's submission as the period page lists it."""

    agency_code: str
    agency_name_vi: str
    group_code: str | None
    status: str
    extended_until: LocalDatetime | None


class PeriodDetail(BaseModel):
    """A period with the submissions the viewer may see."""

    period: PeriodOut
    submissions: list[PeriodSubmission]


class PublishedPeriod(BaseModel):
    """A period with published results: its latest revision and the groups ranked."""

    code: str
    name_vi: str
    revision: int
    published_at: LocalDatetime
    groups: list[str]


class AuditFilters(BaseModel):
    """The audit page's filters (query parameters)."""

    action: str | None = None
    username: str | None = None
    object_type: str | None = None
    agency: str | None = None  # an agency's code: entries about it, its submissions, values, evidence
    since: str | None = None  # a day typed dd/mm/yyyy (province time), inclusive
    until: str | None = None
    page: int = Field(default=1, ge=1, le=1_000_000)


class AuditEntryOut(BaseModel):
    """One audit entry: who changed what, when, from which value to which, and why."""

    id: int
    at: LocalDatetime
    username: str | None
    action: str
    object_type: str
    object_id: str
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    object_label: str | None = None  # the object named for people ("Sở ... · DNG-2026"), when it exists


class CriterionHistory(BaseModel):
    """Every change of one criterion's value and review in one agency's submission, oldest first."""

    period_code: str
    agency_code: str
    agency_name_vi: str
    indicator_code: str
    name_vi: str
    name_en: str
    rows: list[AuditEntryOut]


class AuditPage(BaseModel):
    """One page of the audit log (100 entries, newest first) with the filters and the total."""

    filters: AuditFilters
    total: int
    page: int
    pages: int
    rows: list[AuditEntryOut]


class RankingPage(Ranking):
    """A published ranking with what its page offers: the other groups and revisions of the period."""

    groups: list[str] = Field(default_factory=list)
    revisions: list[int] = Field(default_factory=list)
