"""The inputs of every report, built from the store: a published snapshot (or a draft run) and the 766 index.

Flows layer: composes chiso.assessment (periods, publications, snapshots), chiso.flows.scoring (the one
scoring run a draft shares with the preview and the publication), chiso.units (names, parents, groups),
chiso.monitoring (the live 766 board) and chiso.reports (the plain inputs). Nothing is recomputed here:
a published ranking is read from its publication rows and snapshot; a draft is `gather_period_run`.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.assessment import publication
from chiso.assessment.form import load_form
from chiso.assessment.periods import get_period, list_period_groups
from chiso.assessment.snapshots import load_snapshot
from chiso.errors import InvalidInput, NotFound, PermissionDenied
from chiso.flows.live import agencies_on
from chiso.flows.scoring import gather_period_run
from chiso.frameworks import Framework, framework_from_dict
from chiso.frameworks.schema import node_max
from chiso.monitoring.live import GROUPS as GROUPS_766
from chiso.monitoring.live import LiveBoard, compute_live_board
from chiso.monitoring.periods import parse_period
from chiso.reports.schemas import (
    AgencyResult,
    BandInfo,
    CriterionResult,
    FrameworkInfo,
    GroupInfo,
    Index766Agency,
    Index766Month,
    IndexFigures,
    NodeInfo,
    PeriodInfo,
    RankingInput,
)
from chiso.store.models import Agency
from chiso.store.models.assessment import AssessmentPeriod, Publication

DRAFT_ROLES = ("secretariat", "leader")
# The nouns of the groups the demo and the decrees use ("24 sở, ngành"); other groups say "đơn vị".
UNIT_NOUNS = {
    "SBN": ("sở, ban, ngành", "departments"),
    "TW": ("cơ quan", "agencies"),
    "QH": ("quận, huyện", "districts"),
    "PX": ("phường, xã", "wards and communes"),
}


def check_draft_reader(actor: Actor | None) -> None:
    """Refuse a draft (unpublished) report unless the actor is the secretariat, a leader or the system."""
    if actor is None:
        raise PermissionDenied(
            "Kỳ này chưa công bố; cần đăng nhập (Văn phòng thường trực, lãnh đạo) để xem báo cáo dự thảo",
            "This period is not published yet; log in (secretariat, leader) to see the draft report",
        )
    if is_system(actor) or actor.role in DRAFT_ROLES:
        return
    raise PermissionDenied(
        "Chỉ Văn phòng thường trực và lãnh đạo được xem báo cáo dự thảo (chưa công bố)",
        "Only the secretariat and leaders may see a draft (unpublished) report",
    )


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def framework_info(framework: Framework) -> FrameworkInfo:
    """Return the framework as the reports show it: bands best first, pillars, criteria under their pillar."""
    leaves = {node.code for node in framework.leaves()}
    criteria = [
        NodeInfo(
            code=n.code, name_vi=n.name_vi, name_en=n.name_en, max_points=node_max(n), parent_code=path[0]
        )
        for n, path in framework.walk()
        if n.code in leaves
    ]
    bands = [BandInfo(code=b.code, label_vi=b.label_vi, label_en=b.label_en, min=b.min, max=b.max)
             for b in framework.bands]  # fmt: skip
    bands.sort(key=lambda b: -(b.min if b.min is not None else -math.inf))
    return FrameworkInfo(
        id=framework.id,
        version=framework.version,
        name_vi=framework.name_vi,
        name_en=framework.name_en,
        decision=framework.decision,
        max_points=float(framework.max_points or node_max(framework.root())),
        decimals=min(framework.decimals, 6),
        bands=bands,
        pillars=[
            NodeInfo(code=n.code, name_vi=n.name_vi, name_en=n.name_en, max_points=node_max(n))
            for n in framework.nodes
        ],
        criteria=criteria,
    )


def period_info(session: Session, period: AssessmentPeriod) -> PeriodInfo:
    """Return the period and the one it is compared with (through `previous_period_id`)."""
    before = session.get(AssessmentPeriod, period.previous_period_id) if period.previous_period_id else None
    year = int(period.period[:4]) if period.period[:4].isdigit() else None
    return PeriodInfo(
        code=period.code,
        name_vi=period.name_vi,
        name_en=period.name_en or "",
        year=year,
        previous_code=None if before is None else before.code,
        previous_name_vi=None if before is None else before.name_vi,
        previous_name_en=None if before is None else (before.name_en or before.name_vi),
    )


def _agencies(session: Session, codes: set[str]) -> dict[str, Agency]:
    found = session.scalars(
        select(Agency).where(Agency.code.in_(sorted(codes))).options(selectinload(Agency.parent))
    )
    return {a.code: a for a in found}


def _predecessors(lineage: pd.DataFrame | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    if lineage is not None:
        for before, after in zip(lineage["predecessor_code"], lineage["successor_code"], strict=True):
            out[str(after)].append(str(before))
    return out


def _values(values: pd.DataFrame | None) -> dict[tuple[str, str], float | None]:
    if values is None or values.empty:
        return {}
    cols = (values["agency_code"].astype(str), values["indicator_code"].astype(str), values["value"])
    return {(a, c): _num(v) for a, c, v in zip(*cols, strict=True)}


def agency_results(
    session: Session,
    *,
    rows: list[dict[str, Any]],
    framework: FrameworkInfo,
    values: pd.DataFrame | None,
    lineage: pd.DataFrame | None,
) -> list[AgencyResult]:
    """Turn the rows of a results table (one per agency and node) into the reports' agency results."""
    by_agency: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        by_agency[str(row["agency_code"])][str(row["node_code"])] = row
    known = _agencies(session, set(by_agency) | {c for cs in _predecessors(lineage).values() for c in cs})
    before = _predecessors(lineage)
    reported = _values(values)
    out = []
    for code, nodes in by_agency.items():
        total = nodes.get("TOTAL")
        if total is None:
            continue
        agency = known.get(code)
        parent = agency.parent if agency is not None else None
        status = total.get("status")
        out.append(
            AgencyResult(
                agency_code=code,
                name_vi=agency.name_vi if agency is not None else code,
                name_en=(agency.name_en or "") if agency is not None else "",
                group=str(total.get("group")),
                parent_code=None if parent is None else parent.code,
                parent_name_vi=None if parent is None else parent.name_vi,
                rank=_int(total.get("rank")),
                rank_low=_int(total.get("rank_low")),
                rank_high=_int(total.get("rank_high")),
                total=_num(total.get("published")) or 0.0,
                band=total.get("band"),
                pillars={p.code: _num(nodes.get(p.code, {}).get("published")) for p in framework.pillars},
                previous_total=_num(total.get("previous_points")),
                points_change=_num(total.get("points_change")),
                previous_rank=_int(total.get("previous_rank")),
                rank_change=_int(total.get("rank_change")),
                previous_pillars={
                    p.code: _num(nodes.get(p.code, {}).get("previous_points")) for p in framework.pillars
                },
                status=status if status in ("new", "continuing", "successor", "merged") else None,
                predecessors=[known[c].name_vi if c in known else c for c in before.get(code, [])]
                if status in ("successor", "merged")
                else [],
                criteria=[
                    CriterionResult(
                        code=c.code,
                        points=_num(nodes.get(c.code, {}).get("published")),
                        value=reported.get((code, c.code)),
                        previous_points=_num(nodes.get(c.code, {}).get("previous_points")),
                    )
                    for c in framework.criteria
                ],
            )
        )
    return out


def _groups(session: Session, period: AssessmentPeriod, present: set[str]) -> list[GroupInfo]:
    named = {g.code: g for g in list_period_groups(session, period=period)}
    out = []
    order = list(UNIT_NOUNS)  # departments first, wards and communes last, as decisions list them
    for code in sorted(present, key=lambda c: (order.index(c) if c in order else len(order), c)):
        group = named.get(code)
        noun_vi, noun_en = UNIT_NOUNS.get(code, ("đơn vị", "agencies"))
        out.append(
            GroupInfo(
                code=code,
                name_vi=group.name_vi if group is not None else code,
                name_en=(group.name_en or "") if group is not None else "",
                unit_noun_vi=noun_vi,
                unit_noun_en=noun_en,
            )
        )
    return out


def _publication(session: Session, period: AssessmentPeriod, revision: int | None) -> Publication | None:
    if revision is None:
        return publication.latest_publication(session, period=period)
    found = [
        p for p in publication.list_publications(session, period_code=period.code) if p.revision == revision
    ]
    if not found:
        raise NotFound(
            f"Kỳ {period.code} không có lần công bố {revision}",
            f"Period {period.code} has no published revision {revision}",
        )
    return found[0]


def ranking_input(
    session: Session, *, period_code: str, actor: Actor | None, revision: int | None = None
) -> RankingInput:
    """Return the ranking of a period as the reports take it: published (public) or a draft (staff).

    A published period gives its latest revision (or `revision`), read from the publication and its
    snapshot (framework, reported values, lineage). A period not yet published gives a draft: the
    current submissions scored by `gather_period_run`, the run the preview and the publication use,
    allowed to the secretariat and leaders only; its documents carry the "DỰ THẢO" watermark.

    Raises:
        NotFound: no such period or revision.
        PermissionDenied: a draft asked by someone who may not see it.
        InvalidInput: a draft of a period without any value yet.
    """
    period = get_period(session, code=period_code)
    pub = _publication(session, period, revision)
    if pub is None:
        check_draft_reader(actor)
        run = gather_period_run(session, period=period)
        rows: list[dict[str, Any]] = [
            {str(k): v for k, v in r.items()} for r in run.result.table.to_dict("records")
        ]
        framework, values, lineage = run.framework, run.values, run.lineage
        published_at, number, reason = None, 0, ""
    else:
        rows, published_at, number, reason = pub.rows, pub.published_at, pub.revision, pub.reason
        if pub.snapshot_id is not None:
            data = load_snapshot(session, snapshot_id=pub.snapshot_id, table=False, previous=False)
            framework = framework_from_dict(data.snapshot.framework_document)
            values, lineage = data.values, data.lineage
        else:  # an early publication without snapshot: the framework as registered, no values
            framework, values, lineage = load_form(pub.framework_id)[0], None, None
    info = framework_info(framework)
    agencies = agency_results(session, rows=rows, framework=info, values=values, lineage=lineage)
    return RankingInput(
        period=period_info(session, period),
        framework=info,
        groups=_groups(session, period, {a.group for a in agencies}),
        agencies=agencies,
        revision=number,
        published_at=published_at,
        reason=reason,
    )


def is_published(session: Session, *, period_code: str) -> bool:
    """Return True when the period has at least one published revision."""
    period = get_period(session, code=period_code)
    return publication.latest_publication(session, period=period) is not None


def published_period_codes(session: Session) -> list[str]:
    """List the codes of the periods with a published ranking (the open-data list), newest first."""
    periods = session.scalars(select(AssessmentPeriod).where(AssessmentPeriod.status == "published"))
    return sorted((p.code for p in periods), reverse=True)


def _previous_month(label: str) -> str:
    year, month = int(label[:4]), int(label[5:7])
    index = year * 12 + month - 2
    return f"{index // 12}-{index % 12 + 1:02d}"


def closed_months(*, months: int = 12) -> list[str]:
    """List the closed months of the 766 index (the current month is still open), newest first."""
    today = clock.today()
    label = f"{today.year}-{today.month:02d}"
    out = []
    for _ in range(months):
        label = _previous_month(label)
        out.append(label)
    return out


def _board(session: Session, *, data_dir: Path, month: str) -> LiveBoard | None:
    """Return a month's live board computed at its end (now, for the current month); None before it starts."""
    period = parse_period(month)
    now = clock.local_now().replace(tzinfo=None)
    if now < datetime.combine(period.start, datetime.min.time()):
        return None
    cutoff = min(period.cutoff, now)
    agencies = agencies_on(session, on=clock.today())
    return compute_live_board(data_dir=data_dir, now=cutoff, period=period, agencies=agencies)


def _province(board: LiveBoard | None) -> IndexFigures | None:
    """Return the province's figures: its own row when the board rolls up to it, else the agencies' mean."""
    if board is None or not board.rows:
        return None
    own = [r for r in board.rows if r.level == "province"]
    if own:
        return IndexFigures(total=own[0].total, groups=dict(own[0].components))
    codes = [c for c, *_ in GROUPS_766]
    groups = {
        c: round(statistics.fmean(vals), 2)
        if (vals := [v for r in board.rows if (v := r.components.get(c)) is not None])
        else None
        for c in codes
    }
    totals = [r.total for r in board.rows if r.total is not None]  # agencies without data are not zeros
    return IndexFigures(total=round(statistics.fmean(totals), 2) if totals else None, groups=groups)


def index766_month(session: Session, *, month: str, data_dir: Path, province_name: str) -> Index766Month:
    """Return a month of the 766 index: the live board computed at the month's end, and the month before.

    Both months come from `compute_live_board` (the board page's own computation). The province's
    figures are its own row when the agencies roll up to it, else the plain mean of its agencies'.

    Raises:
        InvalidInput: not a month (YYYY-MM), or a month that has not started yet.
    """
    if parse_period(month).kind != "month":
        raise InvalidInput(f"Tháng không hợp lệ: {month} (YYYY-MM)", f"Not a month: {month} (use YYYY-MM)")
    board = _board(session, data_dir=data_dir, month=month)
    if board is None:
        raise InvalidInput(f"Tháng {month} chưa bắt đầu", f"The month {month} has not started yet")
    before_label = _previous_month(board.period)
    before = _board(session, data_dir=data_dir, month=before_label)
    earlier = {r.agency_code: r for r in before.rows} if before is not None else {}
    agencies = [
        Index766Agency(
            agency_code=r.agency_code,
            name=r.name,
            level=r.level,
            total=r.total,
            rank=r.rank,
            band=r.band,
            previous_total=earlier[r.agency_code].total if r.agency_code in earlier else None,
            previous_rank=earlier[r.agency_code].rank if r.agency_code in earlier else None,
            groups={k: None if v is None else float(v) for k, v in r.components.items()},
            received=r.received,
        )
        for r in board.rows
    ]
    return Index766Month(
        period=board.period,
        previous_period=before_label,
        as_of=board.as_of.replace(tzinfo=clock.local_zone()),
        province_name=province_name,
        groups=[NodeInfo(code=c, name_vi=vi, name_en=en, max_points=m) for c, vi, en, m in GROUPS_766],
        province=_province(board) or IndexFigures(total=None),
        previous_province=_province(before),
        agencies=agencies,
    )
