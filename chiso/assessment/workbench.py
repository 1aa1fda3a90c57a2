"""The secretariat's workbench of one period: progress by group, overdue agencies, assessors and their load.

Domain layer: store models and the period services; nothing from flows, web or cli. One fixed number of
queries per call, whatever the number of agencies. Overdue and days waiting are counted in the
province's local days (chiso.clock), so "overdue" flips at local midnight of the deadline, as people
read it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.assessment.access import check_secretariat
from chiso.assessment.overview import period_detail
from chiso.assessment.periods import (
    assign_assessor,
    get_period,
    resubmission_deadline_for,
    submission_deadline_for,
)
from chiso.assessment.schemas import PeriodOut
from chiso.clock import LocalDatetime
from chiso.store.models import Agency, PeerGroup
from chiso.store.models.assessment import (
    SUBMISSION_STATUSES,
    AssessmentPeriod,
    AssessorAssignment,
    PeriodGroup,
    Submission,
)
from chiso.store.models.users import User
from chiso.units.text import fold, sort_key

#: the statuses in which the agency, not the assessor, has to act next
WITH_AGENCY = ("draft", "returned")


class WorkbenchRow(BaseModel):
    """One agency's submission as the secretariat follows it."""

    agency_code: str
    agency_name_vi: str
    group_code: str | None
    status: str
    deadline: LocalDatetime
    submitted_at: LocalDatetime | None
    days_waiting: int | None  # days since the last step (None once approved)
    overdue: bool  # deadline passed and still with the agency
    days_overdue: int | None
    extended_until: LocalDatetime | None


class GroupProgress(BaseModel):
    """Counts by status of one group of the period, with its overdue agencies."""

    group_code: str
    group_name_vi: str
    counts: dict[str, int]
    total: int
    overdue: int
    assessors: list[str] = Field(default_factory=list)


class AssessorLoad(BaseModel):
    """One assessor: the groups of this period assigned, the submissions there and those waiting."""

    username: str
    full_name: str
    groups: list[str]
    submissions: int
    waiting: int


class Workbench(BaseModel):
    """The secretariat's view of a period: progress, the submissions overdue first, the assessors."""

    period: PeriodOut
    today: date
    groups: list[GroupProgress]
    rows: list[WorkbenchRow]
    assessors: list[AssessorLoad]
    available_assessors: list[str]  # usernames of every active assessor, for the assign form


def _row(
    period: AssessmentPeriod, sub: Submission, code: str, name: str, group: str | None, now: datetime
) -> WorkbenchRow:
    deadline = (
        submission_deadline_for(period, sub)
        if sub.status == "draft"
        else resubmission_deadline_for(period, sub)
    )
    today = clock.to_local(now).date()
    overdue = sub.status in WITH_AGENCY and now > deadline
    since = sub.submitted_at if sub.status in ("submitted", "resubmitted") else sub.updated_at
    if sub.status == "draft":
        since = period.created_at  # a draft has waited since the period opened
    waiting = (
        None if sub.status == "approved" or since is None else (today - clock.to_local(since).date()).days
    )
    return WorkbenchRow(
        agency_code=code,
        agency_name_vi=name,
        group_code=group,
        status=sub.status,
        deadline=deadline,
        submitted_at=sub.submitted_at,
        days_waiting=waiting,
        overdue=overdue,
        days_overdue=(today - clock.to_local(deadline).date()).days if overdue else None,
        extended_until=sub.extended_until,
    )


def get_workbench(
    session: Session, *, period_code: str, actor: Actor, now: datetime | None = None
) -> Workbench:
    """Return a period's progress by group, its submissions (overdue first, longest waiting next), assessors.

    Raises:
        PermissionDenied: the actor is not the secretariat.
        NotFound: no such period.
    """
    check_secretariat(actor)
    now = now or clock.now()
    period = get_period(session, code=period_code)
    stmt = (
        select(Submission, Agency.code, Agency.name_vi, PeerGroup.code)
        .join(Agency, Agency.id == Submission.agency_id)
        .outerjoin(PeerGroup, PeerGroup.id == Submission.group_id)
        .where(Submission.period_id == period.id)
    )
    rows = [_row(period, sub, code, name, group, now) for sub, code, name, group in session.execute(stmt)]
    rows.sort(
        key=lambda r: (
            not r.overdue,
            -(r.days_overdue or 0),
            -(r.days_waiting or -1),
            r.group_code or "",
            r.agency_code,
        )
    )
    groups = list(
        session.execute(
            select(PeerGroup.id, PeerGroup.code, PeerGroup.name_vi)
            .join(PeriodGroup, PeriodGroup.group_id == PeerGroup.id)
            .where(PeriodGroup.period_id == period.id)
            .order_by(PeerGroup.code)
        )
    )
    assigned = list(
        session.execute(
            select(User.username, User.full_name, PeerGroup.code)
            .join(AssessorAssignment, AssessorAssignment.user_id == User.id)
            .join(PeerGroup, PeerGroup.id == AssessorAssignment.group_id)
            .where(AssessorAssignment.group_id.in_([g.id for g in groups]))
            .order_by(User.username, PeerGroup.code)
        )
    )
    per_group: dict[str, list[WorkbenchRow]] = defaultdict(list)
    for r in rows:
        per_group[r.group_code or ""].append(r)
    assessors_of: dict[str, list[str]] = defaultdict(list)
    for username, _full, group_code in assigned:
        assessors_of[group_code].append(username)
    progress = []
    for _gid, code, name in groups:
        counts = Counter(r.status for r in per_group[code])
        progress.append(
            GroupProgress(
                group_code=code,
                group_name_vi=name,
                counts={s: counts.get(s, 0) for s in SUBMISSION_STATUSES},
                total=len(per_group[code]),
                overdue=sum(r.overdue for r in per_group[code]),
                assessors=assessors_of[code],
            )
        )
    return Workbench(
        period=period_detail(session, period_code=period_code, actor=actor).period,
        today=clock.to_local(now).date(),
        groups=progress,
        rows=rows,
        assessors=_loads(assigned, per_group),
        available_assessors=list(
            session.scalars(
                select(User.username).where(User.role == "assessor", User.is_active).order_by(User.username)
            )
        ),
    )


def _loads(
    assigned: Sequence[tuple[str, str, str]], per_group: dict[str, list[WorkbenchRow]]
) -> list[AssessorLoad]:
    """Return each assessor's groups, submissions there and those waiting for review."""
    by_user: dict[str, tuple[str, list[str]]] = {}
    for username, full_name, group_code in assigned:
        by_user.setdefault(username, (full_name, []))[1].append(group_code)
    return [
        AssessorLoad(
            username=username,
            full_name=full_name,
            groups=groups,
            submissions=sum(len(per_group[g]) for g in groups),
            waiting=sum(r.status in ("submitted", "resubmitted") for g in groups for r in per_group[g]),
        )
        for username, (full_name, groups) in sorted(by_user.items())
    ]


def is_assigned(session: Session, *, period_code: str, group_code: str, username: str) -> bool:
    """Return whether `username` already reviews `group_code` of the period."""
    period = get_period(session, code=period_code)
    found = session.scalar(
        select(AssessorAssignment.user_id)
        .join(User, User.id == AssessorAssignment.user_id)
        .join(PeerGroup, PeerGroup.id == AssessorAssignment.group_id)
        .join(PeriodGroup, PeriodGroup.group_id == PeerGroup.id)
        .where(PeriodGroup.period_id == period.id, PeerGroup.code == group_code, User.username == username)
    )
    return found is not None


def assign_once(session: Session, *, period_code: str, group_code: str, username: str, actor: Actor) -> bool:
    """Assign an assessor to a group; return False (and change nothing) when already assigned."""
    if is_assigned(session, period_code=period_code, group_code=group_code, username=username):
        check_secretariat(actor)
        return False
    assign_assessor(session, period_code=period_code, group_code=group_code, username=username, actor=actor)
    return True


class WorkbenchFilters(BaseModel):
    """The workbench's filters over the submissions (query parameters)."""

    status: str | None = None
    group: str | None = None
    q: str | None = None  # part of the agency's name or code, accents ignored
    overdue: bool = False
    sort: str = "urgent"  # urgent | agency | status | days | deadline


SORTS = ("urgent", "agency", "status", "days", "deadline")


def filter_rows(rows: list[WorkbenchRow], filters: WorkbenchFilters) -> list[WorkbenchRow]:
    """Return the rows matching the filters, in the chosen order ("urgent": overdue first, as listed)."""
    needle = fold(filters.q or "")
    out = [
        r
        for r in rows
        if (not filters.status or r.status == filters.status)
        and (not filters.group or r.group_code == filters.group)
        and (not filters.overdue or r.overdue)
        and (not needle or needle in fold(f"{r.agency_name_vi} {r.agency_code}"))
    ]
    if filters.sort == "agency":
        out.sort(key=lambda r: sort_key(r.agency_name_vi))
    elif filters.sort == "status":
        out.sort(key=lambda r: (SUBMISSION_STATUSES.index(r.status), sort_key(r.agency_name_vi)))
    elif filters.sort == "days":
        out.sort(key=lambda r: -(r.days_waiting if r.days_waiting is not None else -1))
    elif filters.sort == "deadline":
        out.sort(key=lambda r: (r.deadline, sort_key(r.agency_name_vi)))
    return out
