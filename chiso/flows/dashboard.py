"""The leader's dashboard (`/dashboard`): the province's key figures, the red-first list, trends, years.

Flows layer: composes the dashboard's parts (dashboard_live: the live board and its stored monthly
snapshots; dashboard_years: published rankings; dashboard_red: targets, statuses, late submissions).
It reads results that exist - the live board computed for the live page, the history job's snapshots,
published snapshots, the follow-up job's target statuses - and never computes the index again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.errors import PermissionDenied
from chiso.flows import dashboard_live as live
from chiso.flows import dashboard_red as red
from chiso.flows.dashboard_models import Dashboard, KeyFigure, MonthPoint, NodeName
from chiso.flows.dashboard_years import dti_figures, published_years
from chiso.flows.live import cached_live_board, get_live_board, peek_live_board
from chiso.monitoring.live import GROUPS, LiveBoard
from chiso.monitoring.metrics import builtin_metrics

TREND_MONTHS = 12
MOVERS_SHOWN = 15
READERS = ("secretariat", "leader")
SORTS = ("improvement", "decline")
RATE_NAMES = {
    "ONLINE_FULL_DOSSIER_RATE": ("Tỷ lệ hồ sơ trực tuyến toàn trình", "Full-online dossiers"),
    "ONLINE_SUBMISSION_RATE": ("Tỷ lệ hồ sơ nộp trực tuyến", "Dossiers submitted online"),
    "PAYMENT_DOSSIERS": ("Tỷ lệ hồ sơ thanh toán trực tuyến", "Dossiers paid online"),
    "TIMELINESS": ("Tỷ lệ hồ sơ giải quyết đúng hạn", "Dossiers settled on time"),
}


def check_reader(actor: Actor) -> None:
    """Allow the secretariat, leaders and the system (the dashboard shows drafts' context and targets).

    Raises:
        PermissionDenied: any other role.
    """
    if not is_system(actor) and actor.role not in READERS:
        raise PermissionDenied(
            "Chỉ văn phòng và lãnh đạo xem bảng điều hành",
            "Only the secretariat and leaders see the dashboard",
        )


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 2)


def _point(point: MonthPoint, code: str) -> float | None:
    return point.total if code == "TOTAL" else point.groups.get(code)


def score_figures(now: MonthPoint, before: MonthPoint, year_ago: MonthPoint) -> list[KeyFigure]:
    """Return the total and the six groups this month, last month and a year ago, with the changes."""
    names = [("TOTAL", "Điểm Bộ chỉ số 766", "766 index total", 100.0), *GROUPS]
    out = []
    for code, vi, en, most in names:
        value, last, old = _point(now, code), _point(before, code), _point(year_ago, code)
        out.append(
            KeyFigure(
                code=code, name_vi=vi, name_en=en, unit="points", max_points=most, value=value,
                last_month=last, last_year=old,
                change_month=_change(value, last), change_year=_change(value, old),
            )
        )  # fmt: skip
    return out


def rate_figures(board: LiveBoard, before: LiveBoard | None, year_ago: LiveBoard | None) -> list[KeyFigure]:
    """Return the province-wide service rates the live boards keep for their month (percent).

    Last month's and last year's boards are the live page's own, when they have been computed (the
    snapshots keep points, not rates); otherwise their rates are "no data".
    """
    known = {m.code for m in builtin_metrics()}
    out = []
    for code, (vi, en) in RATE_NAMES.items():
        if code not in known:
            continue
        value = board.rates.get(code)
        last = before.rates.get(code) if before is not None else None
        old = year_ago.rates.get(code) if year_ago is not None else None
        out.append(
            KeyFigure(
                code=code, name_vi=vi, name_en=en, unit="percent", max_points=100.0, value=value,
                last_month=last, last_year=old,
                change_month=_change(value, last), change_year=_change(value, old),
            )
        )  # fmt: skip
    return out


def _computed(month: str) -> LiveBoard | None:
    """Return a month's live board if it is in the cache, without starting its computation."""
    return cached_live_board(month)


def _board(month: str | None) -> LiveBoard:
    return get_live_board(month or None)


def get_dashboard(
    session: Session,
    *,
    actor: Actor,
    month: str | None = None,
    sort: str = "improvement",
    top: int | None = MOVERS_SHOWN,
) -> Dashboard:
    """Return the leader's dashboard of a month (default this month, to date).

    Args:
        month: YYYY-MM; its live board is the live page's (waited for once, then served from its cache).
        sort: the movers' order, "improvement" (risers first) or "decline".
        top: how many movers to list (None: every agency, for the download).

    Raises:
        PermissionDenied: not the secretariat or a leader.
        InvalidInput: not a month that has started, or an unknown sort.
        BoardUnavailable: the month's live board could not be computed.
    """
    check_reader(actor)
    if sort not in SORTS:
        sort = "improvement"
    board = _board(month)
    return compose(session, board, sort=sort, top=top)


def _figures(session: Session, board: LiveBoard) -> tuple[live.History, list[KeyFigure]]:
    """Return the board's history and the key figures with their targets."""
    history = live.live_history(
        session, board, months=TREND_MONTHS, current=clock.local_now().strftime("%Y-%m")
    )
    last_label, year_label = history.before.month, history.year_ago.month
    # Last month's and last year's rates only when their boards are already computed (someone opened
    # that month's live page): asking for them here would recompute two boards a minute.
    rates = rate_figures(board, _computed(last_label), _computed(year_label))
    points = score_figures(history.trend[-1], history.before, history.year_ago)
    return history, red.with_targets(session, points + rates, on=clock.today())


def compose(session: Session, board: LiveBoard, *, sort: str, top: int | None) -> Dashboard:
    """Compose the dashboard from a computed live board and the stored results around it."""
    history, figures = _figures(session, board)
    last_label, year_label = history.before.month, history.year_ago.month
    listed, fallers = live.movers(
        board, history.matrices[-1], history.last_month, history.matrices[0], sort=sort, top=top
    )
    names = {r.agency_code: r.name for r in board.rows}
    reds = {
        "indicator": red.indicators_missed(figures),
        "targets": red.below_target(session, names=names, top=red.SHOWN if top is not None else None),
        "falling": red.falling(fallers, month=board.period),
        "late": red.late(session, now=clock.now(), names=names),
    }
    red_total = {
        "indicator": len(reds["indicator"]),
        **red.status_counts(session),
        "falling": len(reds["falling"]),
        "late": len(reds["late"]),
    }
    limit = red.SHOWN if top is not None else None
    red_list = [*reds["indicator"], *reds["targets"], *reds["falling"], *reds["late"][:limit]]
    years = published_years(session)
    return Dashboard(
        month=board.period,
        last_month=last_label,
        last_year_month=year_label,
        as_of=board.as_of.replace(tzinfo=clock.local_zone()),
        groups=[NodeName(code=c, name_vi=vi, name_en=en, max_points=m) for c, vi, en, m in GROUPS],
        figures=figures,
        bands=list(live.band_labels()),
        band_shares=live.band_shares(board),
        trend=history.trend,
        level_trends=history.level_trends,
        movers_sort="decline" if sort == "decline" else "improvement",
        movers=listed,
        red=red_list,
        red_total=red_total,
        years=years,
        dti_period=years[-1].period_code if years else None,
        dti_previous_period=years[-2].period_code if len(years) > 1 and not years[-1].formula_break else None,
        dti=dti_figures(years),
        brief_months=[board.period, *(m for m in reversed(history.months[:-1]))][:3],
    )


def key_figures(session: Session, *, actor: Actor) -> list[KeyFigure] | None:
    """Return this month's key figures for the home page, or None while the first board is computed.

    Never waits: the home page shows what exists and links to the dashboard.
    """
    check_reader(actor)
    board = peek_live_board(None)
    if board is None:
        return None
    return _figures(session, board)[1]


TABLES = ("figures", "bands", "trend", "levels", "movers", "red", "years", "dti")


def table_rows(dash: Dashboard, table: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Return one of the dashboard's tables as rows and columns (the CSV/Excel downloads beside charts)."""
    rows: list[dict[str, Any]]
    if table == "figures":
        rows = [f.model_dump(exclude={"name_en"}) | {"month": dash.month} for f in dash.figures]
    elif table == "bands":
        rows = [
            {"month": dash.month, "level": b.level, "agencies": b.agencies, "no_data": b.no_data,
             **{f"count {k}": v for k, v in b.counts.items()},
             **{f"share {k}": v for k, v in b.shares.items()}}
            for b in dash.band_shares
        ]  # fmt: skip
    elif table == "trend":
        rows = [{"month": p.month, "closed": p.closed, "TOTAL": p.total, **p.groups} for p in dash.trend]
    elif table == "levels":
        months = [p.month for p in dash.trend]
        rows = [
            {"level": t.level, **dict(zip(months, t.values, strict=True)), "change": t.change}
            for t in dash.level_trends
        ]
    elif table == "movers":
        rows = [m.model_dump() for m in dash.movers]
    elif table == "red":
        rows = [i.model_dump() for i in dash.red]
    elif table == "years":
        rows = [
            {"period": y.period_code, "year": y.year, "framework": f"{y.framework_id} v{y.framework_version}",
             "formula_break": y.formula_break, "group": g.code, "agencies": g.agencies, "mean": g.mean,
             **g.pillars, **{f"band {k}": v for k, v in g.bands.items()}}
            for y in dash.years for g in y.groups
        ]  # fmt: skip
    else:
        rows = [d.model_dump(exclude={"group_name_en", "node_name_en"}) for d in dash.dti]
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    return rows, columns or ["month"]
