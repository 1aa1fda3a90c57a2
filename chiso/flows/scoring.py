"""A scoring run of an assessment period, gathered in one place: preview, publish, the live form preview.

Flows layer: composes chiso.assessment (values, peer groups, previous results, lineage, publication
records) with chiso.scoring (the engine). Every caller that scores a period -- the ranking preview, the
publication, the reporter's live preview -- goes through `gather_period_run`, so they all score the
same inputs the same way (lineage included) and a preview can never differ from what is published.
A publication (and its preview) carries the rank intervals of chiso.flows.intervals, computed on the
same run with the framework's uncertainty spec and a fixed seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.assessment import publication, submissions
from chiso.assessment.access import check_secretariat
from chiso.assessment.form import load_form
from chiso.assessment.periods import get_period
from chiso.assessment.published_intervals import IntervalRecord
from chiso.assessment.schemas import PreviewScore, Ranking, SubmissionView
from chiso.assessment.scores import groups_frame, lineage_frame, values_frame
from chiso.errors import Conflict, InvalidInput
from chiso.flows import followup_notices
from chiso.flows.intervals import record_for_run
from chiso.frameworks import Framework
from chiso.scoring import Run, ScoreResult, result_of_run, run_pipeline, score
from chiso.store.models.assessment import AssessmentPeriod, Publication


@dataclass
class PeriodRun:
    """A period's scoring run with the exact inputs it used (kept with the snapshot when published)."""

    period: AssessmentPeriod
    framework: Framework
    result: ScoreResult
    values: pd.DataFrame
    groups: pd.DataFrame
    lineage: pd.DataFrame | None
    previous: pd.DataFrame | None
    previous_snapshot_id: int | None
    #: The engine's run behind `result` (what-if, planner and rank intervals start from it).
    pipeline: Run | None = None


def gather_period_run(
    session: Session, *, period: AssessmentPeriod, submission_ids: list[int] | None = None
) -> PeriodRun:
    """Score a period's submissions (all, or these ids) with its framework, groups, lineage and predecessor.

    Raises:
        InvalidInput: the period (or the chosen submissions) has no values at all.
    """
    framework, form = load_form(period.framework_id)
    values = values_frame(session, period=period, form=form, submission_ids=submission_ids)
    if values.empty:
        raise InvalidInput(
            f"Kỳ {period.code} chưa có giá trị nào để tính điểm",
            f"Period {period.code} has no values to score yet",
        )
    groups = groups_frame(session, period=period, submission_ids=submission_ids)
    lineage = lineage_frame(session)
    previous, previous_snapshot_id = publication.previous_results(session, period=period)
    run = run_pipeline(framework, values, groups=groups, previous=previous, lineage=lineage)
    result = result_of_run(run, rows=len(values))
    return PeriodRun(period, framework, result, values, groups, lineage, previous, previous_snapshot_id, run)


def score_period(
    session: Session, *, period_code: str, actor: Actor, require_approved: bool = True
) -> PeriodRun:
    """Score every submission of a period (secretariat).

    Raises:
        Conflict: some submissions are not approved yet (named), unless `require_approved` is False.
        InvalidInput: the period has no values at all.
    """
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    if require_approved:
        waiting = publication.not_approved(session, period=period)
        if waiting:
            shown = ", ".join(f"{a} ({s})" for a, s in waiting[:15]) + (" ..." if len(waiting) > 15 else "")
            raise Conflict(
                f"Còn {len(waiting)} đơn vị chưa được duyệt: {shown}",
                f"{len(waiting)} submissions are not approved yet: {shown}",
            )
    return gather_period_run(session, period=period)


def preview_ranking(
    session: Session,
    *,
    period_code: str,
    actor: Actor,
    group: str | None = None,
    require_approved: bool = True,
    with_intervals: bool = True,
) -> Ranking:
    """Compute the ranking that `publish_period` would publish, without storing it (revision 0).

    `with_intervals=False` skips the rank intervals (seconds of Monte Carlo) for a quick look.
    """
    run = score_period(session, period_code=period_code, actor=actor, require_approved=require_approved)
    return publication.ranking_from_table(
        session,
        period=run.period,
        table=run.result.table,
        group=group,
        revision=0,
        published_at=None,
        reason="preview",
        framework_id=run.result.framework_id,
        framework_version=run.result.framework_version,
        intervals=_intervals(run) if with_intervals else None,
    )


def _intervals(run: PeriodRun) -> IntervalRecord:
    assert run.pipeline is not None  # gather_period_run always keeps it
    return record_for_run(run.pipeline, framework_id=run.period.framework_id)


def publish_period(
    session: Session, *, period_code: str, actor: Actor, reason: str = "", now: datetime | None = None
) -> Publication:
    """Publish a period's results as a new immutable revision (the first, or a correction with a reason).

    Raises:
        Conflict: submissions not all approved.
        InvalidInput: a correction (revision 2 and later) without a reason.
    """
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    revision = publication.next_revision(session, period=period, reason=reason)
    run = score_period(session, period_code=period_code, actor=actor)
    published = publication.record_publication(
        session,
        period=period,
        revision=revision,
        result=run.result,
        inputs=publication.RunInputs(
            run.values, run.groups, run.lineage, run.previous, run.previous_snapshot_id
        ),
        reason=reason,
        actor=actor,
        now=now or clock.now(),
        intervals=_intervals(run),
    )
    followup_notices.ranking_published(session, period_code=period_code, revision=published.revision)
    return published


def preview_agency(session: Session, *, period_code: str, agency_code: str, actor: Actor) -> PreviewScore:
    """Score one agency's current values (draft included) within its whole peer group: the live preview.

    The agency is scored with every submission of its group, so group-relative rules (min-max,
    percentile) give it the points the published ranking would, not full marks for being alone.
    Empty criteria count as the framework's missing-value policy says (usually zero).
    """
    period, sub = submissions.open_submission(
        session, period_code=period_code, agency_code=agency_code, actor=actor
    )
    form = submissions.period_form(period)
    complete = not submissions.missing_criteria(session, form=form, submission=sub)
    top = [s.code for s in form.sections]
    own = values_frame(session, period=period, form=form, submission_ids=[sub.id])
    if own.empty:
        return PreviewScore(
            agency_code=agency_code,
            total=0.0,
            published_total=0.0,
            max_points=float(sum(c.max_points for c in form.criteria if c.max_points > 0)),
            band=None,
            sections={code: 0.0 for code in top},
            complete=False,
        )
    peers = submissions.group_submission_ids(session, submission=sub)
    run = gather_period_run(session, period=period, submission_ids=peers)
    table = run.result.table
    mine = table[table["agency_code"].astype(str) == agency_code]
    total = mine[mine["node_code"].astype(str) == "TOTAL"].iloc[0]
    published = list(zip(mine["node_code"].astype(str), mine["published"].astype(float), strict=True))
    leaves = {c.code for c in form.criteria}
    band = total["band"]
    return PreviewScore(
        agency_code=agency_code,
        total=float(total["points"]),
        published_total=float(total["published"]),
        max_points=float(total["max_points"]),
        band=None if pd.isna(band) else str(band),
        sections={code: value for code, value in published if code in top},
        complete=complete,
        criteria={code: value for code, value in published if code in leaves and not pd.isna(value)},
    )


def submission_page(session: Session, *, period_code: str, agency_code: str, actor: Actor) -> SubmissionView:
    """Return an agency's form (values, evidence, review state) with its live score preview."""
    view = submissions.get_submission_view(
        session, period_code=period_code, agency_code=agency_code, actor=actor
    )
    preview = preview_agency(session, period_code=period_code, agency_code=agency_code, actor=actor)
    return view.model_copy(update={"preview": preview})


def score_tables(framework: Framework, values: pd.DataFrame, **tables: Any) -> ScoreResult:
    """Score tables read from files (`chiso score`): the engine's `score`, rows numbered as in a CSV.

    Args:
        framework, values: as for chiso.scoring.score.
        **tables: score's other arguments (groups, previous, lineage, lineage_policy, source).

    Raises:
        ScoringError: bad input, listing every offending row (counted from 2, below the header).
    """
    return score(framework, values, **tables, first_row=2)


def run_tables(
    framework: Framework,
    values: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    source: str | None = None,
) -> Run:
    """Return the engine's run of tables read from files (what rank intervals and plans start from)."""
    return run_pipeline(framework, values, groups=groups, previous=previous, source=source, first_row=2)
