"""The yearly index drill-down: province -> peer group -> agency -> pillar -> criterion -> evidence.

Flows layer: composes chiso.flows.reports (a period's published ranking; drafts for staff only, as it
checks), chiso.flows.scorecard (the agency's pillars and criteria against its group) and the assessment
room's evidence items (their number, date and summary are public once the period is published; their
files stay behind the evidence permissions of `/assessment/files/{id}`). Nothing is rescored.
"""

from __future__ import annotations

import statistics
from datetime import date
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.errors import NotFound
from chiso.flows import reports as flow
from chiso.flows.drill766 import Crumb, DrillChild
from chiso.flows.scorecard import Scorecard, get_scorecard, latest_published_period
from chiso.reports.schemas import RankingInput
from chiso.store.models import Agency
from chiso.store.models.assessment import AssessmentPeriod, Evidence, Submission

IndexLevel = Literal["province", "group", "agency", "pillar", "criterion"]


class IndexChild(DrillChild):
    """A row of a level with its peer group's mean and median when they apply."""

    mean: float | None = None
    median: float | None = None
    count: int | None = None


class EvidenceLine(BaseModel):
    """An evidence item of a criterion: its document, and its files (opened with the evidence permissions)."""

    document_number: str
    document_date: date | None
    summary: str
    files: list[dict[str, Any]]


class IndexDrill(BaseModel):
    """One level of the yearly index drill-down (the page and its JSON twin)."""

    level: IndexLevel
    period: str
    period_name_vi: str
    period_name_en: str = ""
    published: bool
    crumbs: list[Crumb]
    code: str
    name_vi: str
    name_en: str = ""
    points: float | None = None
    max_points: float | None = None
    band: str | None = None
    value: float | str | None = None
    child_kind: str | None = None
    children: list[IndexChild] = []
    evidence: list[EvidenceLine] | None = None
    download: str = ""


def index_url(period: str, *parts: str) -> str:
    """Return the URL of a level: /rankings/{period}/drill/{group}/{agency}/{pillar}/{criterion}."""
    return f"/rankings/{quote(period, safe='')}/drill" + "".join("/" + quote(p, safe="") for p in parts)


def _ranking(session: Session, period: str | None, actor: Actor | None) -> RankingInput:
    return flow.ranking_input(session, period_code=period or latest_published_period(session), actor=actor)


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _group(ranking: RankingInput, code: str) -> Any:
    group = next((g for g in ranking.groups if g.code == code), None)
    if group is None:
        raise NotFound(
            f"Không có nhóm {code} trong kỳ {ranking.period.code}",
            f"No group {code} in {ranking.period.code}",
        )
    return group


def _crumbs(ranking: RankingInput, card: Scorecard | None, *parts: str) -> list[Crumb]:
    p = ranking.period.code
    out = [Crumb(label_vi="Toàn tỉnh", label_en="Whole province", url=index_url(p))]
    if parts:
        g = _group(ranking, parts[0])
        out.append(Crumb(label_vi=g.name_vi, label_en=g.name_en or g.name_vi, url=index_url(p, parts[0])))
    if len(parts) > 1 and card is not None:
        out.append(
            Crumb(label_vi=card.name_vi, label_en=card.name_en or card.name_vi, url=index_url(p, *parts[:2]))
        )
    if len(parts) > 2 and card is not None:
        pillar = next(x for x in card.pillars if x.code == parts[2])
        out.append(
            Crumb(
                label_vi=pillar.name_vi,
                label_en=pillar.name_en or pillar.name_vi,
                url=index_url(p, *parts[:3]),
            )
        )
    if len(parts) > 3 and card is not None:
        line = next(x for x in card.criteria if x.code == parts[3])
        out.append(
            Crumb(label_vi=line.name_vi, label_en=line.name_en or line.name_vi, url=index_url(p, *parts))
        )
    return out


def _base(ranking: RankingInput, level: IndexLevel, crumbs: list[Crumb]) -> dict[str, Any]:
    return {
        "level": level,
        "period": ranking.period.code,
        "period_name_vi": ranking.period.name_vi,
        "period_name_en": ranking.period.name_en,
        "published": ranking.published,
        "crumbs": crumbs,
    }


def get_index_province(session: Session, *, period: str | None, actor: Actor | None) -> IndexDrill:
    """Return the province: each peer group's mean total (bars per group) and the province's mean."""
    ranking = _ranking(session, period, actor)
    p = ranking.period.code
    children = []
    for g in ranking.groups:
        totals = [a.total for a in ranking.agencies if a.group == g.code]
        children.append(
            IndexChild(
                code=g.code,
                name_vi=g.name_vi,
                name_en=g.name_en or g.name_vi,
                points=_mean(totals),
                max_points=ranking.framework.max_points,
                count=len(totals),
                median=_median(totals),
                url=index_url(p, g.code),
            )
        )
    return IndexDrill(
        **_base(ranking, "province", _crumbs(ranking, None)),
        code="TOAN_TINH",
        name_vi="Toàn tỉnh",
        name_en="Whole province",
        points=_mean([a.total for a in ranking.agencies]),
        max_points=ranking.framework.max_points,
        child_kind="group",
        children=children,
        download=index_url(p).replace("/drill", "/drill.csv"),
    )


def get_index_group(session: Session, *, period: str | None, group: str, actor: Actor | None) -> IndexDrill:
    """Return a peer group: its agencies by rank, with total and band."""
    ranking = _ranking(session, period, actor)
    g = _group(ranking, group)
    p = ranking.period.code
    members = sorted(
        (a for a in ranking.agencies if a.group == group), key=lambda a: (a.rank or 10**6, a.agency_code)
    )
    totals = [a.total for a in members]
    children = [
        IndexChild(
            code=a.agency_code,
            name_vi=a.name_vi,
            name_en=a.name_en or a.name_vi,
            points=a.total,
            max_points=ranking.framework.max_points,
            rank=a.rank,
            band=a.band,
            url=index_url(p, group, a.agency_code),
        )
        for a in members
    ]
    return IndexDrill(
        **_base(ranking, "group", _crumbs(ranking, None, group)),
        code=group,
        name_vi=g.name_vi,
        name_en=g.name_en or g.name_vi,
        points=_mean(totals),
        max_points=ranking.framework.max_points,
        child_kind="agency",
        children=children,
        download=index_url(p).replace("/drill", "/drill.csv") + f"?group={quote(group)}",
    )


def get_index_agency(
    session: Session, *, period: str | None, group: str, agency: str, actor: Actor | None
) -> IndexDrill:
    """Return an agency: its points per pillar against its group's mean and median (the scorecard's)."""
    ranking = _ranking(session, period, actor)
    card = get_scorecard(session, agency_code=agency, period_code=ranking.period.code, actor=actor)
    p = ranking.period.code
    children = [
        IndexChild(
            code=x.code,
            name_vi=x.name_vi,
            name_en=x.name_en or x.name_vi,
            points=x.points,
            max_points=x.max_points,
            mean=x.mean,
            median=x.median,
            url=index_url(p, group, agency, x.code),
        )
        for x in card.pillars
    ]
    return IndexDrill(
        **_base(ranking, "agency", _crumbs(ranking, card, group, agency)),
        code=agency,
        name_vi=card.name_vi,
        name_en=card.name_en or card.name_vi,
        points=card.total,
        max_points=card.max_points,
        band=card.band,
        child_kind="pillar",
        children=children,
        download=f"/agencies/{quote(agency, safe='')}/scorecard.csv?period={quote(p)}",
    )


def get_index_pillar(
    session: Session, *, period: str | None, group: str, agency: str, pillar: str, actor: Actor | None
) -> IndexDrill:
    """Return a pillar of an agency: its criteria's points against the group's median."""
    ranking = _ranking(session, period, actor)
    card = get_scorecard(session, agency_code=agency, period_code=ranking.period.code, actor=actor)
    bar = next((x for x in card.pillars if x.code == pillar), None)
    if bar is None:
        raise NotFound(f"Không có chỉ số chính {pillar}", f"No pillar {pillar}")
    p = ranking.period.code
    children = [
        IndexChild(
            code=c.code,
            name_vi=c.name_vi,
            name_en=c.name_en or c.name_vi,
            points=c.points,
            max_points=c.max_points,
            median=c.group_median,
            url=index_url(p, group, agency, pillar, c.code),
        )
        for c in card.criteria
        if c.pillar_code == pillar
    ]
    return IndexDrill(
        **_base(ranking, "pillar", _crumbs(ranking, card, group, agency, pillar)),
        code=pillar,
        name_vi=bar.name_vi,
        name_en=bar.name_en or bar.name_vi,
        points=bar.points,
        max_points=bar.max_points,
        child_kind="criterion",
        children=children,
        download=f"/agencies/{quote(agency, safe='')}/scorecard.csv?period={quote(p)}",
    )


def get_index_criterion(
    session: Session,
    *,
    period: str | None,
    group: str,
    agency: str,
    pillar: str,
    criterion: str,
    actor: Actor | None,
) -> IndexDrill:
    """Return a criterion of an agency: its points, value and the evidence items behind it."""
    ranking = _ranking(session, period, actor)
    card = get_scorecard(session, agency_code=agency, period_code=ranking.period.code, actor=actor)
    line = next((c for c in card.criteria if c.code == criterion and c.pillar_code == pillar), None)
    if line is None:
        raise NotFound(
            f"Không có tiêu chí {criterion} trong {pillar}", f"No criterion {criterion} in {pillar}"
        )
    result = next(a for a in ranking.agencies if a.agency_code == agency)
    value = next((c.value for c in result.criteria if c.code == criterion), None)
    return IndexDrill(
        **_base(ranking, "criterion", _crumbs(ranking, card, group, agency, pillar, criterion)),
        code=criterion,
        name_vi=line.name_vi,
        name_en=line.name_en or line.name_vi,
        points=line.points,
        max_points=line.max_points,
        value=value,
        evidence=_evidence(session, ranking.period.code, agency, criterion),
    )


def _evidence(session: Session, period: str, agency: str, criterion: str) -> list[EvidenceLine]:
    items = session.scalars(
        select(Evidence)
        .join(Submission, Submission.id == Evidence.submission_id)
        .join(AssessmentPeriod, AssessmentPeriod.id == Submission.period_id)
        .join(Agency, Agency.id == Submission.agency_id)
        .where(AssessmentPeriod.code == period, Agency.code == agency, Evidence.indicator_code == criterion)
        .order_by(Evidence.id)
    )
    return [
        EvidenceLine(
            document_number=e.document_number,
            document_date=e.document_date,
            summary=e.summary,
            files=[{"id": f.id, "filename": f.filename, "url": f"/assessment/files/{f.id}"} for f in e.files],
        )
        for e in items
    ]


def index_table(drill: IndexDrill) -> list[dict[str, object]]:
    """Return a level's rows for download (empty cells = no data)."""
    return [
        {
            "period": drill.period,
            "level": drill.level,
            "parent": drill.code,
            "code": c.code,
            "name": c.name_vi,
            "points": c.points,
            "max_points": c.max_points,
            "rank": c.rank,
            "count": c.count,
            "band": c.band,
            "mean": c.mean,
            "median": c.median,
        }
        for c in drill.children
    ]
