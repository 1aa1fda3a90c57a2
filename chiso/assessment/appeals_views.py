"""What the reply and appeal pages read: the cases a viewer may see, one case, an agency's results.

Domain layer: store models, chiso.assessment services and schemas; nothing from flows, web or cli. Lists
filter with `readable_submissions`, the rule of `check_can_read`, so a reporter sees only its agency's
cases and results, an assessor those of its groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.assessment import appeals, publication
from chiso.assessment.access import check_can_read, readable_submissions
from chiso.assessment.appeals_schemas import (
    AgencyChoice,
    AgencyResults,
    CaseFileOut,
    CaseList,
    CaseOut,
    ResultCriterion,
)
from chiso.assessment.periods import get_period, get_submission_for
from chiso.assessment.submissions import period_form
from chiso.clock import as_utc
from chiso.errors import InvalidInput, NotFound, PermissionDenied
from chiso.store.models import Agency, PeerGroup, User
from chiso.store.models.appeals import CASE_STATUSES, AppealCase
from chiso.store.models.assessment import AssessmentPeriod, Submission


def _may_answer(session: Session, actor: Actor, case: AppealCase, sub: Submission) -> bool:
    if case.status != "open":
        return False
    try:
        appeals.check_can_answer(session, actor=actor, case=case, submission=sub)
    except PermissionDenied:
        return False
    return True


def _cases_out(
    session: Session, rows: Sequence[tuple[AppealCase, Submission]], *, actor: Actor, now: datetime
) -> list[CaseOut]:
    agencies = {
        a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_({s.agency_id for _, s in rows})))
    }
    groups = dict(session.execute(select(PeerGroup.id, PeerGroup.code)).all()) if rows else {}
    periods = {
        p.id: p
        for p in session.scalars(
            select(AssessmentPeriod).where(AssessmentPeriod.id.in_({c.period_id for c, _ in rows}))
        )
    }
    people = {c.filed_by for c, _ in rows} | {c.answered_by for c, _ in rows}
    names: dict[int | None, str] = {None: ""}
    for user_id, full_name in session.execute(
        select(User.id, User.full_name).where(User.id.in_(people - {None}))
    ):
        names[user_id] = full_name
    forms = {pid: period_form(p) for pid, p in periods.items()}
    out = []
    for case, sub in rows:
        agency = agencies[sub.agency_id]
        crit = next((c for c in forms[case.period_id].criteria if c.code == case.indicator_code), None)
        out.append(
            CaseOut(
                id=case.id,
                kind=case.kind,
                status=case.status,
                period_code=periods[case.period_id].code,
                agency_code=agency.code,
                agency_name_vi=agency.name_vi,
                group_code=groups.get(sub.group_id) if sub.group_id is not None else None,
                indicator_code=case.indicator_code,
                criterion_name_vi=crit.name_vi if crit else case.indicator_code,
                criterion_name_en=crit.name_en if crit else case.indicator_code,
                max_points=crit.max_points if crit else None,
                text=case.text,
                requested_points=case.requested_points,
                points_before=case.points_before,
                points_after=case.points_after,
                filed_at=case.filed_at,
                filed_by=names.get(case.filed_by) or None,
                answer_due=case.answer_due,
                overdue=case.status == "open" and as_utc(case.answer_due) < now,
                answer=case.answer,
                answered_at=case.answered_at,
                answered_by=names.get(case.answered_by) or None,
                revision=case.revision,
                version=case.version,
                files=[
                    CaseFileOut(id=f.id, filename=f.filename, file_type=f.file_type, size_bytes=f.size_bytes)
                    for f in case.files
                ],
                can_answer=_may_answer(session, actor, case, sub),
            )
        )
    return out


def list_cases(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    status: str | None = "open",
    period_code: str | None = None,
    agency_code: str | None = None,
) -> CaseList:
    """List the replies and appeals the actor may see, the nearest answer date first.

    Args:
        status: one of open, upheld, changed, rejected; None for all.
    """
    if status is not None and status not in CASE_STATUSES:
        raise InvalidInput(
            f"Trạng thái không hợp lệ: {status}", f"Unknown status {status!r}; use {', '.join(CASE_STATUSES)}"
        )
    stmt = (
        select(AppealCase, Submission)
        .join(Submission, Submission.id == AppealCase.submission_id)
        .where(readable_submissions(session, actor=actor))
    )
    if period_code:
        stmt = stmt.where(AppealCase.period_id == get_period(session, code=period_code).id)
    if agency_code:
        stmt = stmt.join(Agency, Agency.id == Submission.agency_id).where(Agency.code == agency_code)
    everything = _cases_out(
        session,
        [(c, s) for c, s in session.execute(stmt.order_by(AppealCase.answer_due, AppealCase.id))],
        actor=actor,
        now=now,
    )
    counts = {s: sum(1 for c in everything if c.status == s) for s in CASE_STATUSES}
    rows = [c for c in everything if status is None or c.status == status]
    return CaseList(status=status, period_code=period_code, rows=rows, counts=counts)


def get_case(session: Session, *, case_id: int, actor: Actor, now: datetime) -> CaseOut:
    """Return one reply or appeal with its files and answer, once the actor may read its agency's results."""
    case = session.get(AppealCase, case_id)
    if case is None:
        raise NotFound(f"Không có ý kiến, phúc khảo #{case_id}", f"No reply or appeal #{case_id}")
    sub = session.get(Submission, case.submission_id)
    assert sub is not None
    check_can_read(session, actor=actor, submission=sub)
    return _cases_out(session, [(case, sub)], actor=actor, now=now)[0]


def _agency_choices(session: Session, *, period: AssessmentPeriod, actor: Actor) -> list[AgencyChoice]:
    rows = session.execute(
        select(Agency.code, Agency.name_vi)
        .join(Submission, Submission.agency_id == Agency.id)
        .where(Submission.period_id == period.id, readable_submissions(session, actor=actor))
        .order_by(Agency.code)
    )
    return [AgencyChoice(code=c, name_vi=n) for c, n in rows]


def agency_results(
    session: Session,
    *,
    period_code: str,
    agency_code: str | None,
    actor: Actor,
    window_until: datetime | None,
    now: datetime,
) -> AgencyResults:
    """Return an agency's preliminary or published results, its group's ranking and its cases.

    Args:
        agency_code: None: the reporter's own agency, or the first the viewer may see.
        window_until: the end of the reply or appeal window (counted by the flow), None when none.

    Raises:
        NotFound: nothing released or published, or the agency is not in the period.
        PermissionDenied: the viewer may not see this agency's results.
    """
    period = get_period(session, code=period_code)
    stage, rows, revision = appeals.result_rows(session, period=period)
    choices = _agency_choices(session, period=period, actor=actor)
    code = agency_code or (choices[0].code if choices else None)
    if code is None:
        raise PermissionDenied("Bạn không xem được kết quả của đơn vị nào", "You may see no agency's results")
    sub = get_submission_for(session, period=period, agency_code=code)
    check_can_read(session, actor=actor, submission=sub)
    agency = session.get(Agency, sub.agency_id)
    assert agency is not None
    mine = {str(r["node_code"]): r for r in rows if r.get("agency_code") == code}
    total = mine.get("TOTAL", {})
    group = None if not total else str(total.get("group"))
    cases = list_cases(
        session, actor=actor, now=now, status=None, period_code=period_code, agency_code=code
    ).rows
    open_cases = {c.indicator_code: c.id for c in cases if c.status == "open"}
    criteria = [
        ResultCriterion(
            code=c.code,
            name_vi=c.name_vi,
            name_en=c.name_en,
            section_code=c.section_code,
            points=appeals.points_of(rows, agency_code=code, node_code=c.code),
            max_points=c.max_points,
            open_case_id=open_cases.get(c.code),
        )
        for c in period_form(period).criteria_for(agency.kind)
    ]
    ranking = publication.ranking_from_table(
        session,
        period=period,
        table=pd.DataFrame.from_records(rows),
        group=group,
        revision=revision or 0,
        published_at=None,
        reason="",
        framework_id=period.framework_id,
        framework_version=period.framework_version,
    )
    window_open = window_until is not None and now <= as_utc(window_until)
    return AgencyResults(
        period_code=period.code,
        period_name_vi=period.name_vi,
        stage=stage,
        revision=revision,
        agency_code=code,
        agency_name_vi=agency.name_vi,
        group=group,
        total=None if total.get("published") is None else float(total["published"]),
        max_points=None if total.get("max_points") is None else float(total["max_points"]),
        rank=None if total.get("rank") is None else int(total["rank"]),
        band=total.get("band"),
        window_until=window_until,
        window_open=window_open,
        criteria=criteria,
        ranking=ranking.rows,
        cases=cases,
        agencies=choices,
        can_file=window_open and actor.role == "reporter" and actor.agency_id == sub.agency_id,
    )
