"""An agency's scorecard page: its published result against its peer group, criterion by criterion.

Flows layer: composes chiso.flows.reports (the ranking the reports take, drafts for staff only),
chiso.reports.peers (the group as matrices, statistics in numpy), chiso.assessment (the rank intervals
stored with the publication), chiso.frameworks.diff (which criteria compare with last period) and
chiso.flows.live_history (the live 766 months). Nothing is rescored: every figure is the published one.
A published revision never changes, so what is derived from it is kept (chiso.flows.published_cache):
a request for one agency of a national ranking reads one row of arrays, not the whole ranking.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM, Actor, is_system
from chiso.assessment.published_intervals import intervals_by_id
from chiso.errors import InvalidInput, NotFound, PermissionDenied
from chiso.flows import reports as flow
from chiso.flows.live_history import get_monthly_history
from chiso.flows.published_cache import Key, cached, publication_key
from chiso.flows.scorecard_models import (
    Comparison,
    CriterionLine,
    Goal,
    Improvement,
    LiveMonth,
    Neighbour,
    PeerOption,
    PillarBar,
    RankInterval,
    Scorecard,
    YearPoint,
)
from chiso.frameworks import Framework, framework_from_dict
from chiso.frameworks.diff import diff_frameworks
from chiso.monitoring.live import GROUP_CODES
from chiso.reports.peers import GroupFigures, group_figures
from chiso.reports.schemas import AgencyResult, BandInfo, RankingInput
from chiso.store.db import session_scope
from chiso.store.models import Agency
from chiso.store.models.assessment import Publication
from chiso.store.models.results import ResultSnapshot

__all__ = [
    "Scorecard",
    "criterion_table",
    "get_scorecard",
    "is_own_agency",
    "latest_published_period",
    "warm_published",
]

SIDE = 3  # strengths and weaknesses shown on each side
AROUND = 3  # neighbours above and below
IMPROVEMENTS = 5
OPTIONS = 300  # peers the comparison select lists (the nearest by rank in a large group)


def _round(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(value, decimals)


def _ranking(session: Session, code: str, actor: Actor | None) -> tuple[RankingInput, Key | None]:
    """Return the period's ranking: kept per published revision, a draft read afresh (staff only)."""
    key = publication_key(session, period_code=code)
    if key is None:
        return flow.ranking_input(session, period_code=code, actor=actor), None
    return cached(key, "ranking", lambda: flow.ranking_input(session, period_code=code, actor=actor)), key


def _framework(session: Session, key: Key) -> Framework | None:
    document = session.scalar(
        select(ResultSnapshot.framework_document)
        .join(Publication, Publication.snapshot_id == ResultSnapshot.id)
        .where(Publication.id == key[1])
    )
    return None if document is None else framework_from_dict(document)


def _comparable(
    session: Session, ranking: RankingInput, key: Key | None, actor: Actor | None
) -> tuple[dict[str, str] | None, str | None]:
    """Return new code -> last period's code of the criteria whose points compare, and that framework.

    Both published with a snapshot: chiso.frameworks.diff decides (re-weighted or re-ruled = a break).
    Otherwise the same code with the same maximum. None: no previous period to read.
    """
    before = ranking.period.previous_code
    if before is None:
        return None, None
    old_key = publication_key(session, period_code=before)
    if key is not None and old_key is not None:

        def diff() -> tuple[dict[str, str], str] | None:
            old, new = _framework(session, old_key), _framework(session, key)
            if old is None or new is None:
                return None
            return diff_frameworks(old, new).comparable(), f"{old.id} {old.version}"

        found = cached(key, ("comparable", old_key), diff)
        if found is not None:
            return found
    try:
        previous, _ = _ranking(session, before, actor)
    except (NotFound, PermissionDenied, InvalidInput):
        return None, None
    maxima = {c.code: c.max_points for c in previous.framework.criteria}
    same = {c.code: c.code for c in ranking.framework.criteria if maxima.get(c.code) == c.max_points}
    return same, f"{previous.framework.id} {previous.framework.version}"


def _pillars(ranking: RankingInput, agency: AgencyResult, group: GroupFigures) -> list[PillarBar]:
    out = []
    for p in ranking.framework.pillars:
        stats = group.pillar_stats[p.code]
        out.append(
            PillarBar(
                code=p.code,
                name_vi=p.name_vi,
                name_en=p.name_en,
                max_points=p.max_points,
                points=agency.pillars.get(p.code),
                previous_points=agency.previous_pillars.get(p.code),
                mean=stats.mean,
                median=stats.median,
                best=stats.best,
            )  # fmt: skip
        )
    return out


def _criteria(
    ranking: RankingInput, agency: AgencyResult, group: GroupFigures, comparable: dict[str, str] | None
) -> list[CriterionLine]:
    """Return each criterion's line; a change only where the criterion compares with last period's."""
    decimals = ranking.framework.decimals
    mine = {c.code: c for c in agency.criteria}
    lines = []
    for node in ranking.framework.criteria:
        result = mine.get(node.code)
        now = None if result is None else result.points
        old_code = None if comparable is None else comparable.get(node.code)
        previous = result.previous_points if result is not None and old_code is not None else None
        stats = group.criterion_stats[node.code]
        lines.append(
            CriterionLine(
                code=node.code,
                name_vi=node.name_vi,
                name_en=node.name_en,
                pillar_code=node.parent_code,
                max_points=node.max_points,
                value=None if result is None else result.value,
                points=now,
                previous_code=old_code,
                previous_points=previous,
                existed_before=old_code is not None,
                comparable=old_code is not None,
                change=None if now is None or previous is None else round(now - previous, decimals),
                group_mean=_round(stats.mean, decimals),
                group_median=stats.median,
                group_best=stats.best,
                gap_to_median=None
                if now is None or stats.median is None
                else round(now - stats.median, decimals),
            )  # fmt: skip
        )
    return lines


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


def _improvements(
    lines: list[CriterionLine], group: GroupFigures, row: int, decimals: int
) -> list[Improvement]:
    """Rank the criteria by points available x how far peers got: the group's best minus the agency's
    points (a peer has shown them reachable); more peers ahead breaks ties."""
    above = group.share_above(row)
    out = []
    for i, c in enumerate(lines):
        if c.points is None or c.group_best is None or c.group_best <= c.points:
            continue
        out.append(
            Improvement(
                code=c.code,
                name_vi=c.name_vi,
                name_en=c.name_en,
                points=c.points,
                max_points=c.max_points,
                available=round(c.max_points - c.points, decimals),
                best=c.group_best,
                reachable=round(c.group_best - c.points, decimals),
                peers_above=round(float(above[i]), 4),
            )  # fmt: skip
        )
    out.sort(key=lambda m: (-m.reachable, -m.peers_above, m.code))
    return out[:IMPROVEMENTS]


def _goals(
    bands: list[BandInfo], agency: AgencyResult, group: GroupFigures, top: int, decimals: int
) -> list[Goal]:
    """What the next band and the group's top N take in total points (bands are best first)."""
    above = [b for b in bands if b.min is not None and b.min > agency.total]
    nxt = min(above, key=lambda b: b.min or 0.0) if above else None
    goals = [
        Goal(
            goal="next-band",
            label_vi=f"Lên xếp loại {nxt.label_vi}" if nxt else "Đã ở xếp loại cao nhất",
            label_en=f"To band {nxt.label_en or nxt.label_vi}" if nxt else "Already in the best band",
            target=None if nxt is None else nxt.min,
            gap=None if nxt is None or nxt.min is None else round(nxt.min - agency.total, decimals),
        )
    ]
    ranked = np.sort(group.totals)[::-1]
    if ranked.size >= top:
        target = float(ranked[top - 1])
        inside = agency.rank is not None and agency.rank <= top
        goals.append(
            Goal(
                goal=f"top:{top}",
                label_vi=f"Vào top {top} của nhóm",
                label_en=f"Into the group's top {top}",
                target=target,
                gap=0.0 if inside else round(max(0.0, target - agency.total), decimals),
            )  # fmt: skip
        )
    return goals


def _neighbour(a: AgencyResult, me: str) -> Neighbour:
    return Neighbour(rank=a.rank, agency_code=a.agency_code, name_vi=a.name_vi, name_en=a.name_en,
                     total=a.total, band=a.band, is_self=a.agency_code == me)  # fmt: skip


def _neighbours(group: GroupFigures, row: int) -> list[Neighbour]:
    """Return the group's first and the agencies ranked within +-3 of this one."""
    rows = list(range(max(0, row - AROUND), min(len(group.members), row + AROUND + 1)))
    if rows and rows[0] != 0:
        rows.insert(0, 0)
    me = group.members[row].agency_code
    return [_neighbour(group.members[i], me) for i in rows]


def _options(group: GroupFigures, row: int) -> list[PeerOption]:
    start = max(0, min(row - OPTIONS // 2, len(group.members) - OPTIONS))
    return [
        PeerOption(agency_code=a.agency_code, name_vi=a.name_vi, name_en=a.name_en, rank=a.rank)
        for i, a in enumerate(group.members[start : start + OPTIONS], start)
        if i != row
    ]


def _compare(group: GroupFigures, code: str | None, me: str) -> Comparison | None:
    """Return the chosen peer side by side (None: none chosen, or not in the group)."""
    if not code or code == me or code not in group.index:
        return None
    a = group.members[group.index[code]]
    return Comparison(
        agency_code=a.agency_code, name_vi=a.name_vi, name_en=a.name_en, total=a.total, rank=a.rank,
        band=a.band, pillars=dict(a.pillars), criteria={c.code: c.points for c in a.criteria},
    )  # fmt: skip


def _interval(session: Session, key: Key | None, agency_code: str) -> RankInterval | None:
    """Return the rank interval stored with the publication (None: a draft, or published without)."""
    if key is None:
        return None

    def load() -> tuple[dict[str, dict[str, Any]], int | None, int]:
        record = intervals_by_id(session, publication_id=key[1])
        if record is None or "error" in record.log:
            return {}, None, 90
        low, high = (list(record.log.get("interval", [5, 95])) + [5, 95])[:2]
        rows = {str(r["agency_code"]): r for r in record.rows}
        return rows, record.log.get("replications"), int(round(float(high) - float(low)))

    rows, replications, coverage = cached(key, "intervals", load)
    row = rows.get(agency_code)
    if row is None or not row.get("rank_low") or not row.get("rank_high"):
        return None
    return RankInterval(
        low=int(row["rank_low"]), high=int(row["rank_high"]),
        median=int(row["rank_median"]) if row.get("rank_median") else None,
        firm=bool(row.get("firm")) or int(row["rank_low"]) == int(row["rank_high"]),
        coverage=coverage, replications=replications,
    )  # fmt: skip


def _live(session: Session, agency_code: str) -> list[LiveMonth]:
    """The agency's live 766 figures over the last 12 months (months without a snapshot left out)."""
    out = []
    for point in get_monthly_history(session, agency_code=agency_code, months=12):
        figures = point.figures
        rank = figures.get("RANK")
        out.append(
            LiveMonth(
                month=point.month,
                closed=point.closed,
                total=figures.get("TOTAL"),
                rank=None if rank is None else int(rank),
                components={g: figures.get(g) for g in GROUP_CODES},
            )  # fmt: skip
        )
    return out if any(m.total is not None for m in out) else []


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
    """Return True when the actor works for the agency, leads, or is the secretariat (planner readers)."""
    if actor is None:
        return False
    if is_system(actor) or actor.role in flow.DRAFT_ROLES:
        return True
    agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
    return agency_id is not None and getattr(actor, "agency_id", None) == agency_id


def _group(ranking: RankingInput, key: Key | None, group: str) -> GroupFigures:
    if key is None:
        return group_figures(ranking, group)
    return cached(key, ("group", group), lambda: group_figures(ranking, group))


def get_scorecard(
    session: Session,
    *,
    agency_code: str,
    period_code: str | None,
    actor: Actor | None,
    compare: str | None = None,
    top: int = 3,
) -> Scorecard:
    """Return an agency's scorecard for a period (the latest published one when None).

    A published period is public; a period not yet published is a draft for the secretariat and
    leaders only (`flow.ranking_input` checks it). `compare` names a peer of the group to show side by
    side; `top` the N of the "group's top N" goal.

    Raises:
        NotFound: no such period, nothing published, or the agency is not in the period's results.
        PermissionDenied: a draft asked by someone who may not see it.
    """
    periods = flow.published_period_codes(session)
    if period_code is None and not periods:
        raise NotFound("Chưa có kỳ đánh giá nào được công bố", "No assessment period is published yet")
    code = period_code or periods[0]
    ranking, key = _ranking(session, code, actor)
    agencies = {a.agency_code for a in ranking.agencies}
    if agency_code not in agencies:
        raise NotFound(
            f"Đơn vị {agency_code} không có trong kết quả kỳ {ranking.period.code}",
            f"Agency {agency_code} is not in the results of period {ranking.period.code}",
        )
    group_code = next(a.group for a in ranking.agencies if a.agency_code == agency_code)
    group = _group(ranking, key, group_code)
    row = group.index[agency_code]
    agency = group.members[row]
    info = next(g for g in ranking.groups if g.code == agency.group)
    band = next((b for b in ranking.framework.bands if b.label_vi == agency.band), None)
    comparable, before = _comparable(session, ranking, key, actor)
    lines = _criteria(ranking, agency, group, comparable)
    strengths, weaknesses = _sides(lines)
    decimals = ranking.framework.decimals
    own = is_own_agency(session, actor=actor, agency_code=agency_code)
    yearly = [YearPoint(period_code=code, total=agency.total, rank=agency.rank)]
    if ranking.period.previous_code and agency.previous_total is not None:
        yearly.insert(0, YearPoint(period_code=ranking.period.previous_code, total=agency.previous_total,
                                   rank=agency.previous_rank))  # fmt: skip
    return Scorecard(
        period=ranking.period, published=ranking.published, published_at=ranking.published_at,
        revision=ranking.revision, framework_id=ranking.framework.id,
        framework_version=ranking.framework.version, previous_framework=before,
        agency_code=agency.agency_code, name_vi=agency.name_vi, name_en=agency.name_en,
        group_code=info.code, group_name_vi=info.name_vi, group_name_en=info.name_en,
        group_size=len(group.members), total=agency.total, max_points=ranking.framework.max_points,
        rank=agency.rank, band=agency.band, band_en=(band.label_en or None) if band is not None else None,
        bands=ranking.framework.bands, interval=_interval(session, key, agency_code),
        previous_total=agency.previous_total, points_change=agency.points_change,
        previous_rank=agency.previous_rank, rank_change=agency.rank_change, status=agency.status,
        predecessors=agency.predecessors, pillars=_pillars(ranking, agency, group), criteria=lines,
        strengths=strengths, weaknesses=weaknesses,
        improvements=_improvements(lines, group, row, decimals), top=top,
        goals=_goals(ranking.framework.bands, agency, group, top, decimals),
        neighbours=_neighbours(group, row), compare=_compare(group, compare, agency_code),
        compare_options=_options(group, row), live=_live(session, agency_code), yearly=yearly,
        pdf_url=f"/rankings/{code}/agencies/{agency_code}/scorecard.pdf",
        whatif_url=f"/assessment/{code}/agencies/{agency_code}/whatif" if own else None,
        published_periods=periods,
    )  # fmt: skip


def criterion_table(card: Scorecard) -> list[dict[str, object]]:
    """Return the scorecard as the download writes it: one row per criterion (empty = no data), with the
    agency's total, rank, interval and band repeated so each row stands alone in a spreadsheet."""
    peer = card.compare
    return [
        {
            "period": card.period.code,
            "agency_code": card.agency_code,
            "agency": card.name_vi,
            "group": card.group_code,
            "total": card.total,
            "rank": card.rank,
            "group_size": card.group_size,
            "rank_low": card.interval.low if card.interval else None,
            "rank_high": card.interval.high if card.interval else None,
            "band": card.band,
            "criterion_code": c.code,
            "criterion": c.name_vi,
            "pillar_code": c.pillar_code,
            "points": c.points,
            "max_points": c.max_points,
            "previous_points": c.previous_points,
            "change": c.change,
            "comparable": c.comparable,
            "group_mean": c.group_mean,
            "group_median": c.group_median,
            "group_best": c.group_best,
            "gap_to_median": c.gap_to_median,
            **({f"peer_{peer.agency_code}": peer.criteria.get(c.code)} if peer else {}),
        }
        for c in card.criteria
    ]


def warm_published(*, url: str | None = None) -> int:
    """Build what the scorecards of every published period read, before the first visitor asks.

    A published revision's figures are kept per process (chiso.flows.published_cache); at national scale
    the first build takes tens of seconds, so `chiso serve` runs this once in the background at start.
    Returns the number of scorecards built (one per group and period).
    """
    built = 0
    with session_scope(url) as session:
        for code in flow.published_period_codes(session):
            ranking, _key = _ranking(session, code, SYSTEM)
            firsts = {a.group: a.agency_code for a in reversed(ranking.agencies)}
            for agency_code in firsts.values():
                get_scorecard(session, agency_code=agency_code, period_code=code, actor=None)
                built += 1
    return built
