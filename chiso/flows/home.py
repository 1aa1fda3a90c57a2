"""What the home page shows each role first: the leader and the secretariat the dashboard's key figures,
the reporter its submission and scorecard, the assessor its review queue, everyone the latest ranking.

Flows layer: reads the dashboard's figures (chiso.flows.dashboard, never waiting for a board), the
assessment room's periods, submissions and review queue, and the latest published ranking's rows (its
leaders kept per publication: a revision never changes).
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.assessment import publication
from chiso.assessment.periods import get_period, get_submission_for, list_periods, submission_deadline_for
from chiso.assessment.review import review_queue
from chiso.clock import LocalDatetime
from chiso.errors import NotFound
from chiso.flows.dashboard import READERS, key_figures
from chiso.flows.dashboard_models import KeyFigure
from chiso.flows.reports import published_period_codes
from chiso.store.models.agencies import Agency

LEADERS_PER_GROUP = 3
_LEADERS: dict[tuple[str, int], LatestRanking] = {}
_GUARD = threading.Lock()  # guards the dict only


class OwnSubmission(BaseModel):
    """The reporter's self-assessment of an open period."""

    period_code: str
    period_name_vi: str
    status: str
    deadline: LocalDatetime
    url: str


class RankedAgency(BaseModel):
    """An agency at the top of its group in the latest published ranking."""

    agency_code: str
    name_vi: str
    group: str
    rank: int | None
    total: float
    band: str | None = None


class LatestRanking(BaseModel):
    """The latest published ranking: its period and the leaders of each group."""

    period_code: str
    name_vi: str
    name_en: str = ""
    leaders: list[RankedAgency] = Field(default_factory=list)


class HomePanels(BaseModel):
    """The role's first panels on the home page (empty lists and None: nothing to show)."""

    figures: list[KeyFigure] | None = None
    figures_pending: bool = False  # the live board is still being computed
    agency_code: str | None = None
    scorecard_url: str | None = None
    submissions: list[OwnSubmission] = Field(default_factory=list)
    review_waiting: int | None = None
    review_first: list[str] = Field(default_factory=list)
    latest_ranking: LatestRanking | None = None


def latest_ranking(session: Session) -> LatestRanking | None:
    """Return the latest published ranking's leaders per group, or None before any publication."""
    codes = published_period_codes(session)
    if not codes:
        return None
    period = get_period(session, code=codes[0])
    pub = publication.latest_publication(session, period=period)
    if pub is None:
        return None
    key = (period.code, pub.id)
    with _GUARD:
        kept = _LEADERS.get(key)
    if kept is not None:
        return kept
    # The publication's own TOTAL rows (rank, points, band as published): no snapshot or framework to load.
    totals: list[dict[str, Any]] = [
        r for r in pub.rows if r.get("node_code") == "TOTAL" and r.get("rank") is not None
    ]
    totals.sort(key=lambda r: (str(r.get("group")), int(r["rank"])))
    top = [r for r in totals if int(r["rank"]) <= LEADERS_PER_GROUP]
    codes = sorted({str(r["agency_code"]) for r in top})
    pairs = session.execute(select(Agency.code, Agency.name_vi).where(Agency.code.in_(codes)))
    names = {str(code): str(name) for code, name in pairs}
    leaders = [
        RankedAgency(agency_code=code, name_vi=names.get(code, code), group=str(r.get("group")),
                     rank=int(r["rank"]), total=float(r.get("published") or 0.0), band=r.get("band"))
        for r in top
        for code in [str(r["agency_code"])]
    ]  # fmt: skip
    found = LatestRanking(
        period_code=period.code, name_vi=period.name_vi, name_en=period.name_en or "", leaders=leaders
    )
    with _GUARD:
        _LEADERS.clear()  # one ranking is the latest at a time
        _LEADERS[key] = found
    return found


def _own_submissions(session: Session, agency_code: str) -> list[OwnSubmission]:
    out = []
    for period in list_periods(session, status="open"):
        try:
            sub = get_submission_for(session, period=period, agency_code=agency_code)
        except NotFound:
            continue
        out.append(
            OwnSubmission(
                period_code=period.code,
                period_name_vi=period.name_vi,
                status=sub.status,
                deadline=submission_deadline_for(period, sub),
                url=f"/assessment/{period.code}/agencies/{agency_code}",
            )
        )
    return out


def home_panels(session: Session, *, actor: Actor | None, agency_id: int | None = None) -> HomePanels:
    """Return what the viewer's role sees first (anonymous: `actor` None, the public's panels)."""
    panels = HomePanels(latest_ranking=latest_ranking(session))
    role = "public" if actor is None else actor.role
    if actor is not None and role in READERS:
        panels.figures = key_figures(session, actor=actor)
        panels.figures_pending = panels.figures is None
    if role == "reporter" and agency_id is not None:
        code = session.scalar(select(Agency.code).where(Agency.id == agency_id))
        if code is not None:
            panels.agency_code = code
            panels.scorecard_url = f"/agencies/{code}/scorecard"
            panels.submissions = _own_submissions(session, code)
    if actor is not None and role == "assessor":
        queue = review_queue(session, actor=actor)
        panels.review_waiting = len(queue)
        panels.review_first = [q.agency_name_vi for q in queue[:5]]
    return panels
