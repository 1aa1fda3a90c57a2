"""The published years of the yearly index on the leader's dashboard: means per group and pillar, breaks.

Flows layer: reads each published ranking through `chiso.flows.reports.ranking_input` (its latest
revision's rows and snapshot, never a new scoring run) and summarises it. A published revision never
changes, so its summary is kept per (period, publication id); a new revision has a new id.
"""

from __future__ import annotations

import statistics
import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.assessment import publication
from chiso.flows.dashboard_models import DtiFigure, GroupYear, NodeName, YearSummary
from chiso.flows.reports import ranking_input
from chiso.store.models.assessment import AssessmentPeriod

YEARS_SHOWN = 5
_KEPT: OrderedDict[tuple[str, int], YearSummary] = OrderedDict()
_GUARD = threading.Lock()  # guards the dict only; a summary is built outside it


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def summarise(session: Session, *, period_code: str) -> YearSummary:
    """Return a published period's summary: mean total and pillars per group, band counts."""
    ranking = ranking_input(session, period_code=period_code, actor=None)
    groups = []
    for g in ranking.groups:
        mine = [a for a in ranking.agencies if a.group == g.code]
        pillars = {
            p.code: _mean([v for a in mine if (v := a.pillars.get(p.code)) is not None])
            for p in ranking.framework.pillars
        }
        bands = {b.label_vi: sum(1 for a in mine if a.band == b.label_vi) for b in ranking.framework.bands}
        groups.append(
            GroupYear(
                code=g.code,
                name_vi=g.name_vi,
                name_en=g.name_en,
                agencies=len(mine),
                mean=_mean([a.total for a in mine]),
                pillars=pillars,
                bands=bands,
            )
        )
    return YearSummary(
        period_code=ranking.period.code,
        name_vi=ranking.period.name_vi,
        name_en=ranking.period.name_en,
        year=ranking.period.year,
        revision=ranking.revision,
        framework_id=ranking.framework.id,
        framework_version=ranking.framework.version,
        max_points=ranking.framework.max_points,
        mean=_mean([a.total for a in ranking.agencies]),
        groups=groups,
        pillars=[
            NodeName(code=p.code, name_vi=p.name_vi, name_en=p.name_en, max_points=p.max_points)
            for p in ranking.framework.pillars
        ],
    )


def published_years(session: Session, *, shown: int = YEARS_SHOWN) -> list[YearSummary]:
    """Return the last `shown` published periods, oldest first, each marked when its formula changed.

    A break is marked where the framework (id or version) differs from the year before: the points of
    the two years are not comparable, so no trend line crosses it.
    """
    periods = list(session.scalars(select(AssessmentPeriod).where(AssessmentPeriod.status == "published")))
    periods.sort(key=lambda p: (p.period, p.code))
    out: list[YearSummary] = []
    for period in periods[-shown:]:
        pub = publication.latest_publication(session, period=period)
        if pub is None:
            continue
        key = (period.code, pub.id)
        with _GUARD:
            summary = _KEPT.get(key)
        if summary is None:
            summary = summarise(session, period_code=period.code)
            with _GUARD:
                _KEPT[key] = summary
                while len(_KEPT) > 4 * YEARS_SHOWN:
                    _KEPT.popitem(last=False)
        out.append(summary)
    marked = []
    for i, year in enumerate(out):
        before = out[i - 1] if i else None
        changed = before is not None and (
            (before.framework_id, before.framework_version) != (year.framework_id, year.framework_version)
        )
        marked.append(year.model_copy(update={"formula_break": changed}))
    return marked


def dti_figures(years: list[YearSummary]) -> list[DtiFigure]:
    """Return the latest year's mean total and pillars per group against the year before (same codes)."""
    if not years:
        return []
    latest, before = years[-1], (years[-2] if len(years) > 1 else None)
    earlier = {g.code: g for g in before.groups} if before is not None else {}
    comparable = before is not None and not latest.formula_break
    out = []
    for g in latest.groups:
        old = earlier.get(g.code) if comparable else None
        nodes = [
            NodeName(code="TOTAL", name_vi="Tổng điểm", name_en="Total", max_points=latest.max_points),
            *latest.pillars,
        ]
        for node in nodes:
            mean = g.mean if node.code == "TOTAL" else g.pillars.get(node.code)
            prev = None if old is None else (old.mean if node.code == "TOTAL" else old.pillars.get(node.code))
            out.append(
                DtiFigure(
                    group_code=g.code,
                    group_name_vi=g.name_vi,
                    group_name_en=g.name_en,
                    node_code=node.code,
                    node_name_vi=node.name_vi,
                    node_name_en=node.name_en,
                    max_points=node.max_points,
                    mean=mean,
                    previous_mean=prev,
                    change=None if mean is None or prev is None else round(mean - prev, 2),
                )
            )
    return out
