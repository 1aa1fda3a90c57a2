"""The live 766 board: every agency's score and components for the current month, with a trend.

Monitoring layer; reads the record store and the clock, imports nothing from web/ or cli/. The web
page polls it every ~2 s: the board is recomputed when the store's manifest changes (an ingest
swapped it) or when the cached board is older than `MAX_AGE_S` (open dossiers age with the clock),
so new records show on the next poll without recomputing a year of data every 2 seconds.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel

from chiso.errors import InvalidInput, Problem
from chiso.monitoring.periods import parse_period
from chiso.monitoring.records.manifest import MANIFEST, records_dir
from chiso.monitoring.runner import compute_from_store
from chiso.monitoring.score766 import score_values

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_AGE_S = 60.0
GROUPS: tuple[tuple[str, str, str, float], ...] = (
    ("TRANSPARENCY", "Công khai, minh bạch", "Transparency", 18),
    ("TIMELINESS_GROUP", "Tiến độ giải quyết", "Timeliness", 20),
    ("ONLINE", "Dịch vụ công trực tuyến", "Online services", 12),
    ("DIGITISATION", "Số hóa hồ sơ", "Digitisation", 22),
    ("SATISFACTION", "Mức độ hài lòng", "Satisfaction", 18),
    ("PAYMENT", "Thanh toán trực tuyến", "Online payment", 10),
)
SORT_KEYS = ("rank", "total", "agency_code", "name", "received", *(g[0] for g in GROUPS))


class LiveRow(BaseModel):
    """One agency on the live board."""

    agency_code: str
    name: str
    level: str | None = None
    total: float
    rank: int | None
    band: str | None
    received: int
    components: dict[str, float]
    trend: list[float | None]


class LiveBoard(BaseModel):
    """The live board of one month (JSON twin of the page)."""

    period: str
    as_of: datetime
    months: list[str]
    groups: list[dict[str, object]]
    sort: str
    order: Literal["asc", "desc"]
    rows: list[LiveRow]
    computed_seconds: float


_CACHE: dict[tuple[str, str, int], tuple[float, float, LiveBoard]] = {}
_LOCK = threading.Lock()


def now_in_vietnam() -> datetime:
    """Return the current wall-clock time in Vietnam, without a time zone (as records store it)."""
    return datetime.now(VIETNAM).replace(tzinfo=None, microsecond=0)


def _month_back(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def _manifest_stamp(data_dir: Path) -> float:
    path = records_dir(data_dir) / MANIFEST
    try:
        return path.stat().st_mtime_ns / 1e9
    except OSError:
        return 0.0


def compute_live_board(
    *,
    data_dir: Path,
    now: datetime,
    months: int = 6,
    agencies: pd.DataFrame | None = None,
) -> LiveBoard:
    """Compute the board for the month of ``now`` (cut-off ``now``) and the ``months`` - 1 before it."""
    started = time.perf_counter()
    first = _month_back(now.date(), months - 1)
    month = parse_period(f"{now.year}-{now.month:02d}")
    whole = f"{first.isoformat()}..{month.last_day.isoformat()}"
    values = compute_from_store(whole, data_dir=data_dir, by="month", as_of=now, agencies=agencies)
    labels = sorted(values["period"].unique())
    rows: list[LiveRow] = []
    if len(values):
        result = score_values(values, agencies=agencies)
        table = result.table
        table = table.assign(period=table["period"].astype(str))
        current = table[table["period"] == month.label]
        totals = current[current["node_code"] == "TOTAL"].set_index("agency_code")
        comps = current[current["node_code"].isin([g[0] for g in GROUPS])]
        components: dict[str, dict[str, float]] = {}
        cols = (comps["agency_code"], comps["node_code"], comps["published"])
        for code, node, points in zip(*cols, strict=True):
            components.setdefault(str(code), {})[str(node)] = float(points)
        history = table[table["node_code"] == "TOTAL"]
        trends: dict[str, dict[str, float]] = {}
        cols = (history["agency_code"], history["period"], history["published"])
        for code, label, points in zip(*cols, strict=True):
            trends.setdefault(str(code), {})[str(label)] = float(points)
        received = values[(values["indicator_code"] == "TIMELINESS") & (values["period"] == month.label)]
        received_by = received.set_index("agency_code")["denominator"]
        names: dict[str, str] = {}
        levels: dict[str, str] = {}
        if agencies is not None:
            codes = agencies["agency_code"].astype(str)
            if "name" in agencies:
                names = dict(zip(codes, agencies["name"].astype(str), strict=True))
            if "level" in agencies:
                levels = dict(zip(codes, agencies["level"].astype(str), strict=True))
        for code, total in totals.iterrows():
            rank = total["rank"]
            rows.append(
                LiveRow(
                    agency_code=str(code),
                    name=names.get(str(code), str(code)),
                    level=levels.get(str(code)),
                    total=float(total["published"]),
                    rank=None if pd.isna(rank) else int(rank),
                    band=None if pd.isna(total["band"]) else str(total["band"]),
                    received=int(received_by.get(code, 0)),
                    components=components.get(str(code), {}),
                    trend=[trends.get(str(code), {}).get(label) for label in labels],
                )
            )
    return LiveBoard(
        period=month.label,
        as_of=now,
        months=labels,
        groups=[{"code": c, "name_vi": vi, "name_en": en, "max_points": m} for c, vi, en, m in GROUPS],
        sort="rank",
        order="asc",
        rows=rows,
        computed_seconds=round(time.perf_counter() - started, 3),
    )


def sort_board(board: LiveBoard, *, sort: str = "rank", order: str = "asc") -> LiveBoard:
    """Return the board sorted by a column (rank, total, agency_code, name, received or a group code).

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

    def key(row: LiveRow) -> tuple[int, object]:
        if sort in ("agency_code", "name"):
            value: object = getattr(row, sort)
        elif sort == "rank":  # ranks are within a level: keep each level's ranking together
            value = None if row.rank is None else (row.level or "", row.rank)
        elif sort in ("total", "received"):
            value = getattr(row, sort)
        else:
            value = row.components.get(sort)
        return (1, 0) if value is None else (0, value)

    rows = sorted(board.rows, key=key, reverse=(order == "desc"))
    if order == "desc":  # keep missing values last either way
        rows = [r for r in rows if key(r)[0] == 0] + [r for r in rows if key(r)[0] == 1]
    return board.model_copy(update={"rows": rows, "sort": sort, "order": order})


def get_live_board(
    *,
    data_dir: Path,
    sort: str = "rank",
    order: str = "asc",
    months: int = 6,
    agencies: pd.DataFrame | None = None,
    now: datetime | None = None,
) -> LiveBoard:
    """Return the live board, recomputed only when the record store changed or the cache is stale."""
    moment = now or now_in_vietnam()
    key = (str(data_dir), f"{moment.year}-{moment.month:02d}", months)
    stamp = _manifest_stamp(data_dir)
    with _LOCK:
        cached = _CACHE.get(key)
        fresh = cached is not None and cached[0] == stamp and time.monotonic() - cached[1] < MAX_AGE_S
        if not fresh or now is not None:
            board = compute_live_board(data_dir=data_dir, now=moment, months=months, agencies=agencies)
            _CACHE[key] = (stamp, time.monotonic(), board)
        else:
            assert cached is not None
            board = cached[2]
    return sort_board(board, sort=sort, order=order)
