"""How firm a published ranking is, and what would lift an agency: sensitivity, replay, what-if, plans.

Flows layer: composes chiso.assessment (periods, publications, snapshots, submissions and their
access rules) with chiso.scoring (uncertainty, sensitivity, what-if, planner). Published analyses
start from the publication's snapshot (its frozen inputs), the reporter's what-if from the agency's
whole peer group scored with its current draft (chiso.flows.scoring.gather_period_run), so the
answers are the engine's own arithmetic on the figures the ranking shows.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.assessment import publication, submissions
from chiso.assessment.access import check_secretariat
from chiso.assessment.periods import get_period
from chiso.assessment.published_intervals import publication_intervals
from chiso.assessment.scores import values_frame
from chiso.assessment.snapshots import load_snapshot, run_snapshot
from chiso.errors import ChisoError, InvalidInput, NotFound
from chiso.flows.intervals import period_spec
from chiso.flows.published_cache import cached, publication_key
from chiso.flows.scoring import gather_period_run
from chiso.frameworks import load_uncertainty
from chiso.scoring import Run
from chiso.scoring.planner import Improvement, PlanResult, plan_improvements
from chiso.scoring.sensitivity import compute_removal_impact, compute_sensitivity
from chiso.scoring.uncertainty import RankIntervals, compute_rank_intervals, replay_rank_intervals
from chiso.scoring.whatif import CriterionChange, Standing, what_if
from chiso.store.models.assessment import Publication

#: Rows of A and B of the sensitivity analysis (base x (factors + 2) replications in all). On the demo's
#: 81 agencies 256 gave a first-order index of 1.09 above its total of 0.72 (noise); 2048 keeps the
#: total-order bootstrap interval within +-0.05 there, in about a second.
SENSITIVITY_SAMPLES = 2048


def published_run(
    session: Session, *, period_code: str, revision: int | None = None
) -> tuple[Publication, Run]:
    """Return a published revision and the engine's run of its frozen inputs (its snapshot).

    Raises:
        NotFound: nothing published for the period (or no such revision), or no snapshot kept.
    """
    period = get_period(session, code=period_code)
    pubs = publication.list_publications(session, period_code=period_code)
    pub = next((p for p in reversed(pubs) if revision in (None, p.revision)), None)
    if pub is None or pub.snapshot_id is None:
        raise NotFound(
            f"Kỳ {period.code} chưa công bố kết quả (hoặc không có lần công bố {revision})",
            f"No published results (or no revision {revision}) for period {period.code}",
        )
    return pub, run_snapshot(load_snapshot(session, snapshot_id=pub.snapshot_id, table=False))


def replay_published_intervals(
    session: Session, *, period_code: str, revision: int | None = None
) -> RankIntervals:
    """Recompute a published ranking's rank intervals from its snapshot, seed and spec, and check them.

    Raises:
        NotFound: nothing published, or the revision was published without intervals.
        ScoringError: the recomputed intervals differ from the stored ones.
    """
    pub, run = published_run(session, period_code=period_code, revision=revision)
    stored = publication_intervals(session, publication=pub)
    if stored is None or "error" in stored.log:
        raise NotFound(
            f"Lần công bố {pub.revision} của kỳ {period_code} không kèm khoảng xếp hạng",
            f"Revision {pub.revision} of period {period_code} was published without rank intervals",
        )
    return replay_rank_intervals(stored.log, run)


class FactorIndex(BaseModel):
    """One assumption's Sobol' indices on the mean absolute rank change, with 95 % bootstrap bounds."""

    factor: str
    kind: str
    first_order: float
    total_order: float
    total_order_low: float | None = None
    total_order_high: float | None = None


class RemovalImpact(BaseModel):
    """What leaving one pillar (or indicator) out does to the ranks."""

    node_code: str
    name_vi: str
    mean_rank_change: float
    max_rank_change: int
    agencies_moved: int
    band_changes: int


class SensitivityReport(BaseModel):
    """Which assumption moves a published ranking most, and what each pillar's removal does."""

    period_code: str
    period_name_vi: str
    revision: int
    framework_id: str
    replications: int
    seed: int
    variance: float
    factors: list[FactorIndex]
    pillars: list[RemovalImpact]
    indicators: list[RemovalImpact]


def period_sensitivity(
    session: Session, *, period_code: str, actor: Actor, revision: int | None = None
) -> SensitivityReport:
    """Measure a published ranking's sensitivity to its assumptions and to leaving out each pillar.

    Raises:
        PermissionDenied: not the secretariat.
        NotFound: nothing published for the period.
    """
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    pub, run = published_run(session, period_code=period_code, revision=revision)
    spec = period_spec(run.framework, period.framework_id)
    result = compute_sensitivity(run, spec, base_samples=SENSITIVITY_SAMPLES, bootstrap=100)
    names = {node.code: node.name_vi for node, _ in run.framework.walk()}

    def removals(level: Literal["indicators", "pillars"]) -> list[RemovalImpact]:
        frame = compute_removal_impact(run, level=level)
        return [
            RemovalImpact(
                node_code=str(r["indicator_code"]),
                name_vi=names.get(str(r["indicator_code"]), str(r["indicator_code"])),
                **{
                    k: r[k] for k in ("mean_rank_change", "max_rank_change", "agencies_moved", "band_changes")
                },
            )
            for r in frame.to_dict("records")
        ]

    factors = [
        FactorIndex.model_validate({str(k): v for k, v in r.items()})
        for r in result.indices.to_dict("records")
    ]
    factors.sort(key=lambda f: -f.total_order)
    return SensitivityReport(
        period_code=period.code,
        period_name_vi=period.name_vi,
        revision=pub.revision,
        framework_id=run.framework.id,
        replications=int(result.log["replications"]),
        seed=int(result.log["seed"]),
        variance=result.variance,
        factors=factors,
        pillars=removals("pillars"),
        indicators=removals("indicators")[:10],
    )


class StandingOut(BaseModel):
    """An agency's published total, rank in its group and band."""

    published: float | None
    rank: int | None
    band: str | None


class StepOut(BaseModel):
    """One criterion improvement of a plan, in the units the agency controls."""

    indicator_code: str
    name_vi: str
    unit: str
    current: float
    target: float
    denominator: float | None
    points_before: float
    points_after: float


class GoalPlan(BaseModel):
    """The least-effort plan to one goal (next band, top N), or why there is none."""

    goal: str
    target: float | None
    reachable: bool
    steps: list[StepOut] = Field(default_factory=list)
    after: StandingOut | None = None
    message_vi: str = ""
    message_en: str = ""


class WhatIfPanel(BaseModel):
    """What would lift an agency: its standing among its peers now, and plans to the next band and top N."""

    period_code: str
    agency_code: str
    group: str | None
    group_size: int
    top: int
    now: StandingOut | None
    plans: list[GoalPlan]
    #: Criteria without a value yet: the plans leave them out (a cell without data is not planned).
    missing: list[str] = Field(default_factory=list)
    message_vi: str = ""
    message_en: str = ""


def _standing(standing: Standing) -> StandingOut:
    return StandingOut(published=standing.published, rank=standing.rank, band=standing.band)


def whatif_panel(
    session: Session, *, period_code: str, agency_code: str, actor: Actor, top: int = 3
) -> WhatIfPanel:
    """Plan what would lift an agency to the next band and to its group's top N, from its current
    values (draft included), scoring its whole peer group as the published ranking would.

    Raises:
        PermissionDenied: the actor may not read this agency's submission.
    """
    period, sub = submissions.open_submission(
        session, period_code=period_code, agency_code=agency_code, actor=actor
    )
    form = submissions.period_form(period)
    peers = submissions.group_submission_ids(session, submission=sub)
    base = WhatIfPanel(
        period_code=period.code, agency_code=agency_code, group=None, group_size=len(peers), top=top,
        now=None, plans=[],
    )  # fmt: skip
    if values_frame(session, period=period, form=form, submission_ids=[sub.id]).empty:
        base.message_vi = "Chưa có giá trị nào: hãy nhập số liệu để xem điều gì giúp tăng hạng"
        base.message_en = "No values yet: enter some to see what would lift your rank"
        return base
    run = gather_period_run(session, period=period, submission_ids=peers).pipeline
    assert run is not None  # gather_period_run keeps the engine's run
    names = {c.code: c.name_vi for c in form.criteria}
    base.missing = submissions.missing_criteria(session, form=form, submission=sub)
    start = what_if(run, agency_code, {})
    base.group, base.now = start.group, _standing(start.before)
    for goal in ("next-band", f"top:{top}"):
        base.plans.append(_goal_plan(run, agency_code, goal, names))
    return base


def _goal_plan(run: Run, agency_code: str, goal: str, names: dict[str, str]) -> GoalPlan:
    try:
        plan = plan_improvements(run, agency_code, goal)
    except ChisoError as exc:
        return GoalPlan(goal=goal, target=None, reachable=False, message_vi=exc.message_vi,
                        message_en=exc.message_en)  # fmt: skip
    return GoalPlan(
        goal=goal,
        target=plan.target,
        reachable=plan.reachable,
        steps=[_step(i, names) for i in plan.improvements],
        after=_standing(plan.after),
        message_vi=plan.message_vi or _done(plan)[0],
        message_en=plan.message_en or _done(plan)[1],
    )


def _done(plan: PlanResult) -> tuple[str, str]:
    if plan.target is None:
        return "Đã ở mức cao nhất của mục tiêu này", "Already at the top for this goal"
    if plan.reachable and not plan.improvements:
        return "Đã đạt mục tiêu", "The goal is already reached"
    return "", ""


def _step(item: Improvement, names: dict[str, str]) -> StepOut:
    return StepOut(
        indicator_code=item.indicator_code,
        name_vi=names.get(item.indicator_code, item.indicator_code),
        unit=item.unit,
        current=item.current,
        target=item.target,
        denominator=item.denominator,
        points_before=item.points_before,
        points_after=item.points_after,
    )


def intervals_of_tables(
    run: Run,
    *,
    framework_source: str,
    spec_file: str | None = None,
    period: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
) -> RankIntervals:
    """Rank intervals of a run scored from files (`chiso score uncertainty`).

    Args:
        run: the run (chiso.flows.scoring.run_tables).
        framework_source: the framework's built-in id or file (its spec may sit beside it).
        spec_file: an uncertainty spec file (default: beside the framework, else the default spec).
        period, replications, seed: as for chiso.scoring.uncertainty.compute_rank_intervals.

    Raises:
        NotFound: the spec file does not exist.
        InvalidInput: the spec does not fit the framework.
    """
    spec = load_uncertainty(run.framework, spec_file, framework_source=framework_source)
    return compute_rank_intervals(run, spec, period=period, replications=replications, seed=seed)


def plan_of_tables(
    run: Run,
    *,
    agency_code: str,
    goal: str,
    period: str | None = None,
    effort: dict[str, float] | None = None,
    step: dict[str, float] | None = None,
) -> PlanResult:
    """The least-effort plan of one agency of a run scored from files (`chiso score plan`)."""
    return plan_improvements(run, agency_code, goal, period=period, effort=effort, step=step)


class ChangeIn(BaseModel):
    """A criterion's assumed input: a value, or numerator and denominator (nothing: the value is missing)."""

    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None


class WhatIfOut(BaseModel):
    """An agency's total, rank and band now and with some criterion values changed (peers unchanged)."""

    period_code: str
    agency_code: str
    group: str
    before: StandingOut
    after: StandingOut
    method: str
    reason_vi: str = ""
    reason_en: str = ""


def what_if_draft(
    session: Session, *, period_code: str, agency_code: str, changes: dict[str, ChangeIn], actor: Actor
) -> WhatIfOut:
    """Score an agency's current values with some criteria changed, within its whole peer group.

    Raises:
        PermissionDenied: the actor may not read this agency's submission.
        InvalidInput: the agency has no values yet.
        ScoringError: an unknown criterion or a value its rule refuses (each named).
    """
    period, sub = submissions.open_submission(
        session, period_code=period_code, agency_code=agency_code, actor=actor
    )
    form = submissions.period_form(period)
    if values_frame(session, period=period, form=form, submission_ids=[sub.id]).empty:
        raise InvalidInput(
            f"{agency_code} chưa có giá trị nào trong kỳ {period.code}: hãy nhập số liệu trước",
            f"{agency_code} has no values in period {period.code} yet: enter some first",
        )
    peers = submissions.group_submission_ids(session, submission=sub)
    run = gather_period_run(session, period=period, submission_ids=peers).pipeline
    assert run is not None  # gather_period_run keeps the engine's run
    return _what_if_out(run, period.code, agency_code, changes)


def what_if_published(
    session: Session, *, period_code: str, agency_code: str, changes: dict[str, ChangeIn]
) -> WhatIfOut:
    """Score a published agency with some criteria changed, on the publication's frozen inputs (peers
    unchanged). Public, as the published ranking is: nothing is saved. The engine's run of a revision is
    kept once built (chiso.flows.published_cache), so an answer costs one agency's re-score.

    Raises:
        NotFound: the period is not published.
        ScoringError: an unknown agency or criterion, or a value its rule refuses (each named).
    """
    return _what_if_out(_kept_run(session, period_code), period_code, agency_code, changes)


def _kept_run(session: Session, period_code: str) -> Run:
    """The engine's run of the period's latest published revision, built once per revision."""
    key = publication_key(session, period_code=period_code)
    if key is None:
        raise NotFound(
            f"Kỳ {period_code} chưa công bố kết quả", f"No published results for period {period_code}"
        )
    return cached(key, "run", lambda: published_run(session, period_code=period_code)[1])


def _what_if_out(run: Run, period_code: str, agency_code: str, changes: dict[str, ChangeIn]) -> WhatIfOut:
    engine_changes = {code: CriterionChange(**change.model_dump()) for code, change in changes.items()}
    result = what_if(run, agency_code, engine_changes)
    return WhatIfOut(
        period_code=period_code,
        agency_code=agency_code,
        group=result.group,
        before=_standing(result.before),
        after=_standing(result.after),
        method=result.method,
        reason_vi=result.reason_vi,
        reason_en=result.reason_en,
    )


class PublishedWhatIf(BaseModel):
    """The scorecard's what-if: the values the reader typed and the answer (or why there is none)."""

    period_code: str
    agency_code: str
    changes: dict[str, float | None]
    result: WhatIfOut | None = None
    #: The framework's band labels in English, by their Vietnamese label (the standings carry the latter).
    bands_en: dict[str, str] = Field(default_factory=dict)
    error_vi: str = ""
    error_en: str = ""


def what_if_typed(
    session: Session, *, period_code: str, agency_code: str, typed: dict[str, str]
) -> PublishedWhatIf:
    """Answer the scorecard's what-if form: criterion code -> the value typed ("" = unchanged; a decimal
    comma is read as a point). A value the rule refuses is an answer too (its message), not a failure.

    Raises:
        NotFound: the period is not published.
    """
    changes: dict[str, float | None] = {}
    bad = []
    bands = {b.label_vi: b.label_en or b.label_vi for b in _kept_run(session, period_code).framework.bands}
    for code, text in typed.items():
        if text.strip():
            try:
                changes[code] = float(text.strip().replace(",", "."))
            except ValueError:
                bad.append(code)
    out = PublishedWhatIf(period_code=period_code, agency_code=agency_code, changes=changes, bands_en=bands)
    if bad:
        out.error_vi = f"Không phải số: {', '.join(bad)}"
        out.error_en = f"Not a number: {', '.join(bad)}"
        return out
    try:
        out.result = what_if_published(
            session, period_code=period_code, agency_code=agency_code,
            changes={code: ChangeIn(value=v) for code, v in changes.items()},
        )  # fmt: skip
    except NotFound:
        raise
    except ChisoError as exc:
        out.error_vi = "; ".join([exc.message_vi, *(p.message_vi for p in exc.problems)])
        out.error_en = "; ".join([exc.message_en, *(p.message_en or p.message_vi for p in exc.problems)])
    return out
