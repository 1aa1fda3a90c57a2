"""What the period pages list: every period with its progress, one period's submissions, published periods.

Domain layer: store models, chiso.assessment.access (the same read rule as one submission's page) and the
schemas; nothing from flows, web or cli. Each list is a fixed number of queries, whatever the number of
periods (no query per period).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.assessment.access import readable_submissions
from chiso.assessment.periods import get_period, list_periods
from chiso.assessment.publication import ranked_groups
from chiso.assessment.schemas import PeriodDetail, PeriodOut, PeriodSubmission, PublishedPeriod
from chiso.store.models import Agency, PeerGroup
from chiso.store.models.assessment import (
    SUBMISSION_STATUSES,
    AssessmentPeriod,
    PeriodGroup,
    Publication,
    Submission,
)
from chiso.store.rows import model_of


def _group_codes(session: Session, period_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(PeriodGroup.period_id, PeerGroup.code)
        .join(PeerGroup, PeerGroup.id == PeriodGroup.group_id)
        .where(PeriodGroup.period_id.in_(period_ids))
        .order_by(PeerGroup.code)
    )
    out: dict[int, list[str]] = defaultdict(list)
    for period_id, code in rows:
        out[period_id].append(code)
    return out


def _progress(session: Session, period_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(Submission.period_id, Submission.status, func.count())
        .where(Submission.period_id.in_(period_ids))
        .group_by(Submission.period_id, Submission.status)
    )
    out: dict[int, dict[str, int]] = {pid: dict.fromkeys(SUBMISSION_STATUSES, 0) for pid in period_ids}
    for period_id, status, count in rows:
        out[period_id][status] = int(count)
    return out


def _latest_publications(session: Session, period_ids: list[int]) -> dict[int, Publication]:
    newest = (
        select(Publication.period_id, func.max(Publication.revision).label("revision"))
        .where(Publication.period_id.in_(period_ids))
        .group_by(Publication.period_id)
        .subquery()
    )
    rows = session.scalars(
        select(Publication).join(
            newest,
            (Publication.period_id == newest.c.period_id) & (Publication.revision == newest.c.revision),
        )
    )
    return {p.period_id: p for p in rows}


def _overviews(session: Session, found: list[AssessmentPeriod]) -> list[PeriodOut]:
    ids = [p.id for p in found]
    groups, progress, published = (
        _group_codes(session, ids),
        _progress(session, ids),
        _latest_publications(session, ids),
    )
    return [
        model_of(
            PeriodOut,
            p,
            groups=groups.get(p.id, []),
            progress=progress[p.id],
            published_revision=published[p.id].revision if p.id in published else None,
        )
        for p in found
    ]


def list_period_overviews(session: Session) -> list[PeriodOut]:
    """Return every period, newest submission deadline first, with its groups, progress and publication."""
    return _overviews(session, list_periods(session))


def period_detail(session: Session, *, period_code: str, actor: Actor) -> PeriodDetail:
    """Return a period and the submissions `actor` may see (own agency, assigned groups, or all)."""
    period = get_period(session, code=period_code)
    stmt = (
        select(Submission, Agency.code, Agency.name_vi, PeerGroup.code)
        .join(Agency, Agency.id == Submission.agency_id)
        .outerjoin(PeerGroup, PeerGroup.id == Submission.group_id)
        .where(Submission.period_id == period.id, readable_submissions(session, actor=actor))
        .order_by(PeerGroup.code, Agency.code)
    )
    rows = [
        PeriodSubmission(
            agency_code=code,
            agency_name_vi=name,
            group_code=group,
            status=sub.status,
            extended_until=sub.extended_until,
        )
        for sub, code, name, group in session.execute(stmt)
    ]
    return PeriodDetail(period=_overviews(session, [period])[0], submissions=rows)


def published_periods(session: Session) -> list[PublishedPeriod]:
    """Return the periods with published results (public), newest first, with their ranked groups."""
    found = list_periods(session)
    latest = _latest_publications(session, [p.id for p in found])
    out = []
    for p in found:
        pub = latest.get(p.id)
        if pub is not None:
            out.append(
                PublishedPeriod(
                    code=p.code, name_vi=p.name_vi, revision=pub.revision, published_at=pub.published_at,
                    groups=ranked_groups(pub.rows),
                )
            )  # fmt: skip
    return out
