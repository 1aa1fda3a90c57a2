"""The live 766 board: every agency's score and components for one month, quarter or year, with a trend.

Monitoring layer; reads the record store, imports nothing from store/, web/, cli/ or flows/. The
caching, the background recomputation and the agencies' names are the flow's job
(`chiso.flows.live`); this module computes one board and filters or sorts a computed one.

An agency with no dossier in the period has no data: its total, rank, band and components are null
(shown "—"), it is never ranked and never scored from the zero-denominator policy.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel

from chiso.errors import InvalidInput, Problem
from chiso.monitoring.periods import Period, bucket_of, parse_period
from chiso.monitoring.runner import compute_from_store
from chiso.monitoring.score766 import score_values

GROUPS: tuple[tuple[str, str, str, float], ...] = (
    ("TRANSPARENCY", "Công khai, minh bạch", "Transparency", 18),
    ("TIMELINESS_GROUP", "Tiến độ giải quyết", "Timeliness", 20),
    ("ONLINE", "Dịch vụ công trực tuyến", "Online services", 12),
    ("DIGITISATION", "Số hóa hồ sơ", "Digitisation", 22),
    ("SATISFACTION", "Mức độ hài lòng", "Satisfaction", 18),
    ("PAYMENT", "Thanh toán trực tuyến", "Online payment", 10),
)
GROUP_CODES = tuple(g[0] for g in GROUPS)
SORT_KEYS = ("rank", "total", "agency_code", "name", "received", *GROUP_CODES)
# How many periods the trend shows, per kind of period picked.
TREND_LENGTH = {"month": 6, "quarter": 4, "year": 2}
RECEIVED_METRIC = "TIMELINESS"  # its denominator counts every dossier received in the period
# The province-wide service rates a leader reads beside the points (percent of the counts summed).
RATE_METRICS = ("ONLINE_FULL_DOSSIER_RATE", "ONLINE_SUBMISSION_RATE", "PAYMENT_DOSSIERS", "TIMELINESS")


class LiveRow(BaseModel):
    """One agency on the live board; total, rank, band and components are null when it has no data."""

    agency_code: str
    name: str
    level: str | None = None
    total: float | None
    rank: int | None
    band: str | None
    received: int
    components: dict[str, float | None]
    trend: list[float | None]


class LiveBoard(BaseModel):
    """The live board of one period (JSON twin of the page)."""

    period: str
    period_kind: str
    as_of: datetime
    months: list[str]
    groups: list[dict[str, object]]
    sort: str
    order: Literal["asc", "desc"]
    group: str | None = None
    search: str | None = None
    levels: list[str] = []
    rows: list[LiveRow]
    rates: dict[str, float | None] = {}
    computed_seconds: float
    version: str = ""


def shift_period(period: Period, n: int) -> Period:
    """Return the month, quarter or year `n` periods before `period` (same kind)."""
    step = {"month": 1, "quarter": 3, "year": 12}[period.kind]
    index = period.start.year * 12 + period.start.month - 1 - n * step
    return bucket_of(date(index // 12, index % 12 + 1, 1), period.kind)


def pick_period(text: str | None, *, now: datetime) -> Period:
    """Return the board's period: `text` (a month, quarter or year) or the month of `now`.

    Raises:
        InvalidInput: not a month, quarter or year, or a period that has not started yet.
    """
    period = parse_period(text) if text else bucket_of(now.date(), "month")
    if period.kind not in TREND_LENGTH or period.start > now.date():
        raise InvalidInput(
            f"Không xem được bảng giám sát của kỳ '{text}'",
            f"No live board for the period '{text}'",
            [
                Problem(
                    "Chọn một tháng (2026-06), quý (2026-Q2) hoặc năm (2026) đã bắt đầu",
                    "Pick a month (2026-06), quarter (2026-Q2) or year (2026) that has started",
                    field="period",
                )
            ],  # fmt: skip
        )
    return period


def with_data(values: pd.DataFrame) -> pd.DataFrame:
    """Keep the (agency, period) pairs that received at least one dossier (no data is never scored)."""
    received = values[values["indicator_code"] == RECEIVED_METRIC]
    alive = received[received["denominator"].fillna(0) > 0][["agency_code", "period"]].drop_duplicates()
    return values.merge(alive, on=["agency_code", "period"], how="inner")


def _names(agencies: pd.DataFrame | None, column: str) -> dict[str, str]:
    if agencies is None or column not in agencies:
        return {}
    codes = agencies["agency_code"].astype(str)
    return dict(zip(codes, agencies[column].astype(str), strict=True))


def _points(table: pd.DataFrame, nodes: list[str]) -> dict[str, dict[str, float]]:
    part = table[table["node_code"].isin(nodes)]
    out: dict[str, dict[str, float]] = {}
    for code, node, points in zip(part["agency_code"], part["node_code"], part["published"], strict=True):
        if not pd.isna(points):  # a group without data stays null, never 0
            out.setdefault(str(code), {})[str(node)] = float(points)
    return out


def compute_live_board(
    *,
    data_dir: Path,
    now: datetime,
    period: Period | None = None,
    agencies: pd.DataFrame | None = None,
) -> LiveBoard:
    """Compute the board of `period` (default the month of `now`; cut-off `now`) and its trend.

    Args:
        data_dir: the record store's data dir.
        now: the cut-off for still-open dossiers, province wall time without a zone.
        period: a month, quarter or year (see `pick_period`).
        agencies: agency_code, name, parent_code, level of the agencies to show (others are left out).
    """
    started = time.perf_counter()
    chosen = period or pick_period(None, now=now)
    first = shift_period(chosen, TREND_LENGTH[chosen.kind] - 1)
    whole = f"{first.start.isoformat()}..{chosen.last_day.isoformat()}"
    values = compute_from_store(whole, data_dir=data_dir, by=chosen.kind, as_of=now, agencies=agencies)
    (board,) = boards_from_values(values, [chosen], now=now, agencies=agencies)
    return board.model_copy(update={"computed_seconds": round(time.perf_counter() - started, 3)})


def compute_month_boards(
    *, data_dir: Path, first: Period, last: Period, now: datetime, agencies: pd.DataFrame | None = None
) -> list[LiveBoard]:
    """Compute the board of every month from `first` to `last` in one pass over the store (history)."""
    values = compute_from_store(
        f"{first.start.isoformat()}..{last.last_day.isoformat()}",
        data_dir=data_dir, by="month", as_of=now, agencies=agencies,
    )  # fmt: skip
    months, month = [], first
    while month.start <= last.start:
        months.append(month)
        month = shift_period(month, -1)
    return boards_from_values(values, months, now=now, agencies=agencies)


def boards_from_values(
    values: pd.DataFrame, periods: list[Period], *, now: datetime, agencies: pd.DataFrame | None
) -> list[LiveBoard]:
    """Score the values once (agency-periods without dossiers left out) and build each period's board."""
    table = pd.DataFrame(columns=["agency_code", "period", "node_code", "published", "rank", "band"])
    scored = with_data(values)
    if len(scored):
        table = score_values(scored, agencies=agencies).table
        table = table.assign(period=table["period"].astype(str))
    totals = table[table["node_code"] == "TOTAL"]
    trends: dict[str, dict[str, float]] = {}
    for code, label, points in zip(totals["agency_code"], totals["period"], totals["published"], strict=True):
        if not pd.isna(points):
            trends.setdefault(str(code), {})[str(label)] = float(points)
    labels = sorted(values["period"].astype(str).unique())
    out = []
    for period in periods:
        shown = [lb for lb in labels if lb <= period.label][-TREND_LENGTH[period.kind] :]
        out.append(_board(values, table, trends, period, shown, now=now, agencies=agencies))
    return out


def province_rates(current: pd.DataFrame, agencies: pd.DataFrame | None) -> dict[str, float | None]:
    """Return each of `RATE_METRICS` province-wide: summed numerators over summed denominators, in percent.

    Only the roots of the agency tree are summed (a parent's counts already hold its children's), so no
    dossier counts twice; a zero denominator gives None (no data, never 0).
    """
    part = current[current["indicator_code"].isin(RATE_METRICS)]
    if agencies is not None and "parent_code" in agencies and len(part):
        known = set(agencies["agency_code"].astype(str))
        roots = {
            str(code) for code, parent in zip(agencies["agency_code"], agencies["parent_code"], strict=True)
            if parent is None or pd.isna(parent) or str(parent) not in known
        }  # fmt: skip
        part = part[part["agency_code"].astype(str).isin(roots)]
    sums = part.groupby("indicator_code")[["numerator", "denominator"]].sum()
    out: dict[str, float | None] = {}
    numerators, denominators = sums["numerator"].to_dict(), sums["denominator"].to_dict()
    for code in RATE_METRICS:
        den = float(denominators.get(code, 0.0) or 0.0)
        out[code] = round(100.0 * float(numerators[code]) / den, 2) if den > 0 else None
    return out


def _board(
    values: pd.DataFrame,
    table: pd.DataFrame,
    trends: dict[str, dict[str, float]],
    period: Period,
    labels: list[str],
    *,
    now: datetime,
    agencies: pd.DataFrame | None,
) -> LiveBoard:
    current = values[values["period"].astype(str) == period.label]
    received = current[current["indicator_code"] == RECEIVED_METRIC].set_index("agency_code")["denominator"]
    now_table = table[table["period"] == period.label]
    totals = now_table[now_table["node_code"] == "TOTAL"]
    components = _points(now_table, list(GROUP_CODES))
    scores = {
        str(code): (
            None if pd.isna(points) else float(points),
            None if pd.isna(rank) else int(rank),
            None if pd.isna(band) else str(band),
        )
        for code, points, rank, band in zip(
            totals["agency_code"], totals["published"], totals["rank"], totals["band"], strict=True
        )
    }
    names, levels = _names(agencies, "name"), _names(agencies, "level")
    rows = []
    for code in sorted({str(c) for c in current["agency_code"]}):
        total, rank, band = scores.get(code, (None, None, None))
        rows.append(
            LiveRow(
                agency_code=code,
                name=names.get(code, code),
                level=levels.get(code),
                total=total,
                rank=rank,
                band=band,
                received=int(received.get(code, 0) or 0),
                components={g: components.get(code, {}).get(g) for g in GROUP_CODES},
                trend=[trends.get(code, {}).get(label) for label in labels],
            )
        )
    board = LiveBoard(
        period=period.label,
        period_kind=period.kind,
        as_of=now,
        months=labels,
        groups=[{"code": c, "name_vi": vi, "name_en": en, "max_points": m} for c, vi, en, m in GROUPS],
        sort="rank",
        order="asc",
        levels=sorted({lv for lv in levels.values() if lv} & {r.level for r in rows if r.level}),
        rows=rows,
        rates=province_rates(current, agencies),
        computed_seconds=0.0,
    )
    return board.model_copy(update={"version": board_version(board)})


def board_version(board: LiveBoard) -> str:
    """Return a short hash of the board's figures (not its computation time): same figures, same version."""
    payload = board.model_dump_json(include={"period", "months", "rows"})
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=8).hexdigest()


def filter_board(board: LiveBoard, *, group: str | None = None, search: str | None = None) -> LiveBoard:
    """Return the board's rows of one group of agencies (level) and/or matching a search in code or name."""
    rows = board.rows
    if group:
        rows = [r for r in rows if r.level == group]
    needle = (search or "").strip().casefold()
    if needle:
        rows = [r for r in rows if needle in r.agency_code.casefold() or needle in r.name.casefold()]
    return board.model_copy(update={"rows": rows, "group": group or None, "search": needle or None})


def sort_board(board: LiveBoard, *, sort: str = "rank", order: str = "asc") -> LiveBoard:
    """Return the board sorted by a column (rank, total, agency_code, name, received or a group code).

    Agencies without data (null) come last in either order.

    Raises:
        InvalidInput: an unknown column or order.
    """
    if sort not in SORT_KEYS or order not in ("asc", "desc"):
        raise InvalidInput(
            f"Không sắp xếp được theo '{sort}' ({order})",
            f"Cannot sort by '{sort}' ({order})",
            [
                Problem(
                    f"Dùng: {', '.join(SORT_KEYS)}; asc|desc",
                    f"Use: {', '.join(SORT_KEYS)}; asc|desc",
                    field="sort",
                )
            ],  # fmt: skip
        )

    def key(row: LiveRow) -> object:
        if sort in ("agency_code", "name", "total", "received"):
            return getattr(row, sort)
        if sort == "rank":  # ranks are within a level: keep each level's ranking together
            return None if row.rank is None else (row.level or "", row.rank)
        return row.components.get(sort)

    known = [r for r in board.rows if key(r) is not None]
    known.sort(key=key, reverse=(order == "desc"))  # type: ignore[arg-type]
    rows = known + [r for r in board.rows if key(r) is None]
    return board.model_copy(update={"rows": rows, "sort": sort, "order": order})
