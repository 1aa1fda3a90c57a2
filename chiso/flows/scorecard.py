"""An agency's scorecard page: its published result against its peer group, criterion by criterion.

Flows layer: composes chiso.flows.reports (the ranking the reports take, drafts for staff only) and
chiso.reports (the group's pillar figures). Nothing is rescored: every figure is the published one;
only the group's median and the gaps to it are derived here, from the same published figures.
"""

from __future__ import annotations

import statistics
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor, is_system
from chiso.errors import InvalidInput, NotFound, PermissionDenied
from chiso.flows import reports as flow
from chiso.reports.schemas import AgencyResult, BandInfo, PeriodInfo, RankingInput
from chiso.reports.scorecard import find_agency
from chiso.reports.stats import group_pillar_stats
from chiso.store.models import Agency

SIDE = 3  # strengths and weaknesses shown on each side


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
    """A criterion: points, last period's points (None when it did not exist then) and the group median."""

    code: str
    name_vi: str
    name_en: str = ""
    pillar_code: str | None
    max_points: float
    points: float | None
    previous_points: float | None
    change: float | None
    existed_before: bool
    group_median: float | None
    gap_to_median: float | None


class Scorecard(BaseModel):
    """An agency's scorecard for one period: total, rank n / N, band, change, pillars and criteria."""

    period: PeriodInfo
    published: bool
    published_at: datetime | None
    revision: int
    framework_id: str
    framework_version: str
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
    pdf_url: str
    whatif_url: str | None = None
    published_periods: list[str]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _pillars(ranking: RankingInput, agency: AgencyResult, peers: list[AgencyResult]) -> list[PillarBar]:
    stats = {s.code: s for s in group_pillar_stats(ranking, agency.group)}
    return [
        PillarBar(
            code=p.code,
            name_vi=p.name_vi,
            name_en=p.name_en,
            max_points=p.max_points,
            points=agency.pillars.get(p.code),
            previous_points=agency.previous_pillars.get(p.code),
            mean=stats[p.code].mean,
            best=stats[p.code].best,
            median=_median([v for a in peers if (v := a.pillars.get(p.code)) is not None]),
        )
        for p in ranking.framework.pillars
    ]


def _criteria(
    ranking: RankingInput, agency: AgencyResult, peers: list[AgencyResult], before: set[str] | None
) -> list[CriterionLine]:
    """Return each criterion's line; a change only when the criterion existed in the previous framework."""
    points = {c.code: c for c in agency.criteria}
    lines = []
    for node in ranking.framework.criteria:
        mine = points.get(node.code)
        now = None if mine is None else mine.points
        existed = before is not None and node.code in before
        previous = mine.previous_points if mine is not None and existed else None
        median = _median(
            [v for a in peers for c in a.criteria if c.code == node.code and (v := c.points) is not None]
        )
        lines.append(
            CriterionLine(
                code=node.code,
                name_vi=node.name_vi,
                name_en=node.name_en,
                pillar_code=node.parent_code,
                max_points=node.max_points,
                points=now,
                previous_points=previous,
                existed_before=existed,
                change=None
                if now is None or previous is None
                else round(now - previous, ranking.framework.decimals),
                group_median=median,
                gap_to_median=None
                if now is None or median is None
                else round(now - median, ranking.framework.decimals),
            )
        )
    return lines


def _previous_criteria(session: Session, period: PeriodInfo, actor: Actor | None) -> set[str] | None:
    """Return the criterion codes of the previous period's framework; None when there is none to read."""
    if period.previous_code is None:
        return None
    try:
        return {
            c.code
            for c in flow.ranking_input(
                session, period_code=period.previous_code, actor=actor
            ).framework.criteria
        }
    except (NotFound, PermissionDenied, InvalidInput):
        return None


def _sides(lines: list[CriterionLine]) -> tuple[list[str], list[str]]:
    """Return the criteria furthest above and below the group median (framework order breaks ties)."""
    order = {c.code: i for i, c in enumerate(lines)}
    above = sorted(
        (c for c in lines if (c.gap_to_median or 0) > 0),
        key=lambda c: (-(c.gap_to_median or 0), order[c.code]),
    )
    below = sorted(
        (c for c in lines if (c.gap_to_median or 0) < 0), key=lambda c: (c.gap_to_median or 0, order[c.code])
    )
    return [c.code for c in above[:SIDE]], [c.code for c in below[:SIDE]]


def latest_published_period(session: Session) -> str:
    """Return the code of the newest published period.

    Raises:
        NotFound: nothing is published yet.
    """
    codes = flow.published_period_codes(session)
    if not codes:
        raise NotFound("Chưa có kỳ đánh giá nào được công bố", "No assessment period is published yet")
    return codes[0]


def is_own_agency(session: Session, *, actor: Actor | None, agency_code: str) -> bool:
    """Return True when the actor works for the agency, leads, or is the secretariat (the what-if readers)."""
    if actor is None:
        return False
    if is_system(actor) or actor.role in flow.DRAFT_ROLES:
        return True
    agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
    return agency_id is not None and getattr(actor, "agency_id", None) == agency_id


def get_scorecard(
    session: Session, *, agency_code: str, period_code: str | None, actor: Actor | None
) -> Scorecard:
    """Return an agency's scorecard for a period (the latest published one when None).

    A published period is public; a period not yet published is a draft for the secretariat and
    leaders only (`flow.ranking_input` checks it).

    Raises:
        NotFound: no such period, nothing published, or the agency is not in the period's results.
        PermissionDenied: a draft asked by someone who may not see it.
    """
    code = period_code or latest_published_period(session)
    ranking = flow.ranking_input(session, period_code=code, actor=actor)
    agency = find_agency(ranking, agency_code)
    peers = [a for a in ranking.agencies if a.group == agency.group]
    group = next(g for g in ranking.groups if g.code == agency.group)
    band = next((b for b in ranking.framework.bands if b.label_vi == agency.band), None)
    lines = _criteria(ranking, agency, peers, _previous_criteria(session, ranking.period, actor))
    strengths, weaknesses = _sides(lines)
    own = is_own_agency(session, actor=actor, agency_code=agency_code)
    return Scorecard(
        period=ranking.period,
        published=ranking.published,
        published_at=ranking.published_at,
        revision=ranking.revision,
        framework_id=ranking.framework.id,
        framework_version=ranking.framework.version,
        agency_code=agency.agency_code,
        name_vi=agency.name_vi,
        name_en=agency.name_en,
        group_code=group.code,
        group_name_vi=group.name_vi,
        group_name_en=group.name_en,
        group_size=len(peers),
        total=agency.total,
        max_points=ranking.framework.max_points,
        rank=agency.rank,
        band=agency.band,
        band_en=(band.label_en or None) if band is not None else None,
        bands=ranking.framework.bands,
        previous_total=agency.previous_total,
        points_change=agency.points_change,
        previous_rank=agency.previous_rank,
        rank_change=agency.rank_change,
        status=agency.status,
        predecessors=agency.predecessors,
        pillars=_pillars(ranking, agency, peers),
        criteria=lines,
        strengths=strengths,
        weaknesses=weaknesses,
        pdf_url=f"/rankings/{code}/agencies/{agency_code}/scorecard.pdf",
        whatif_url=f"/assessment/{code}/agencies/{agency_code}/whatif" if own else None,
        published_periods=flow.published_period_codes(session),
    )


def criterion_table(card: Scorecard) -> list[dict[str, object]]:
    """Return the criterion table as the download writes it (one row per criterion; empty = no data)."""
    return [
        {
            "period": card.period.code,
            "agency_code": card.agency_code,
            "agency": card.name_vi,
            "criterion_code": c.code,
            "criterion": c.name_vi,
            "pillar_code": c.pillar_code,
            "points": c.points,
            "max_points": c.max_points,
            "previous_points": c.previous_points,
            "change": c.change,
            "group_median": c.group_median,
            "gap_to_median": c.gap_to_median,
        }
        for c in card.criteria
    ]
