"""The drill cube of a live 766 period: every agency's scored 766 tree, the province's roll-up, the queries.

Flows layer: composes chiso.flows.live (the agencies valid in the period, the store's manifest stamp)
with chiso.monitoring (the metric values, the 766 scoring, `drilldown.AgencyQueries`). The province is a
roll-up of every agency, as the national portal computes it. A cube is computed once per period, kept
while the record store is unchanged and younger than `MAX_AGE_S`, then recomputed in one background
thread while the old one still answers. The pages are built from it by `chiso.flows.drill766`.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chiso.config import get_settings
from chiso.flows.live import agency_table, local_now, manifest_stamp
from chiso.frameworks import load_framework
from chiso.monitoring.drilldown import AgencyQueries, records_of_period
from chiso.monitoring.live import pick_period, with_data
from chiso.monitoring.periods import Period, bucket_of
from chiso.monitoring.runner import compute_from_store
from chiso.monitoring.score766 import FRAMEWORK_ID, score_values

PROVINCE = "TOAN_TINH"  # the roll-up of every agency; no agency of the register has this code
PROVINCE_NAME = ("Toàn tỉnh", "Whole province")
MAX_AGE_S = 300.0
MAX_CUBES = 6


@dataclass
class DrillCube:
    """A period's scored 766 tree for every agency and the province, and its per-agency queries."""

    period: Period
    as_of: datetime
    points: dict[tuple[str, str], tuple[float | None, float | None, int | None, str | None]]
    counts: dict[tuple[str, str], tuple[int | None, int | None, float | None]]
    names: dict[str, str]
    kinds: dict[str, str]
    children: dict[str, list[str]]
    queries: AgencyQueries
    procedures: dict[str, str] = field(default_factory=dict)
    _order: dict[str, list[str]] = field(default_factory=dict)

    def weakest_first(self, group: str) -> list[str]:
        """Return the agencies (not the province) by their points in a group, lowest first, no data last."""
        order = self._order.get(group)
        if order is None:
            keyed = [(self.points.get((c, group), (None,))[0], c) for c in self.names if c != PROVINCE]
            keyed.sort(key=lambda item: (item[0] is None, item[0] or 0.0, item[1]))
            order = self._order[group] = [c for _, c in keyed]
        return order

    def subtree(self, code: str) -> list[str]:
        """Return `code` and every agency below it (the province: every agency)."""
        out, todo = [], [code]
        while todo:
            here = todo.pop()
            out.append(here)
            todo.extend(self.children.get(here, []))
        return [c for c in out if c != PROVINCE]


@functools.cache
def tree() -> list[Any]:
    return list(load_framework(FRAMEWORK_ID).nodes)


def build_cube(period: Period, *, data_dir: Path, now: datetime, url: str | None = None) -> DrillCube:
    """Compute a period's drill cube: every agency's values and points, plus the province's roll-up."""
    agencies = agency_table(on=min(period.last_day, now.date()), url=url)
    if agencies is None:
        agencies = pd.DataFrame(columns=["agency_code", "name", "parent_code", "level"])
    agencies = agencies.assign(
        parent_code=agencies["parent_code"].where(agencies["parent_code"].notna(), PROVINCE)
    )
    root = pd.DataFrame(
        [{"agency_code": PROVINCE, "name": PROVINCE_NAME[0], "parent_code": None, "level": "province"}]
    )
    agencies = pd.concat([root, agencies], ignore_index=True)
    values = compute_from_store(period, data_dir=data_dir, by=period.kind, as_of=now, agencies=agencies)
    values = values[values["period"].astype(str) == period.label]
    points: dict[tuple[str, str], tuple[float | None, float | None, int | None, str | None]] = {}
    scored = with_data(values)
    if len(scored):
        table = score_values(scored, agencies=agencies).table
        for code, node, pts, top, rank, band in zip(
            table["agency_code"], table["node_code"], table["published"], table["max_points"],
            table["rank"], table["band"], strict=True,
        ):  # fmt: skip
            points[(str(code), str(node))] = (
                _num(pts),
                _num(top),
                _int(rank),
                None if pd.isna(band) else str(band),
            )
    counts = {
        (str(a), str(i)): (_int(n), _int(d), _num(v))
        for a, i, n, d, v in zip(
            values["agency_code"],
            values["indicator_code"],
            values["numerator"],
            values["denominator"],
            values["value"],
            strict=True,
        )  # fmt: skip
    }
    children: dict[str, list[str]] = {}
    for code, parent in zip(agencies["agency_code"], agencies["parent_code"], strict=True):
        if parent is not None and not pd.isna(parent):
            children.setdefault(str(parent), []).append(str(code))
    queries = AgencyQueries(records_of_period(period, data_dir=data_dir), period, as_of=now)
    procedures: dict[str, str] = {}
    catalogue = queries.records.procedures
    if catalogue is not None:
        frame = catalogue.select("procedure_code", "name").to_pandas()
        procedures = dict(zip(frame["procedure_code"].astype(str), frame["name"].astype(str), strict=True))
    return DrillCube(
        period=period, as_of=now, points=points, counts=counts,
        names=dict(zip(agencies["agency_code"].astype(str), agencies["name"].astype(str), strict=True)),
        kinds=dict(zip(agencies["agency_code"].astype(str), agencies["level"].astype(str), strict=True)),
        children=children, queries=queries, procedures=procedures,
    )  # fmt: skip


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


@dataclass
class _Slot:
    cube: DrillCube | None = None
    stamp: float = -1.0
    computed_at: float = 0.0
    pending: Future[DrillCube] | None = None


class CubeCache:
    """The last cube per (data dir, database, period); a stale one answers while one thread recomputes."""

    def __init__(self) -> None:
        self._slots: OrderedDict[tuple[str, str, str], _Slot] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chiso-drill")

    def _compute(
        self, slot: _Slot, period: Period, data_dir: Path, url: str | None, stamp: float
    ) -> DrillCube:
        try:
            cube = build_cube(period, data_dir=data_dir, now=local_now(), url=url)
        finally:
            with self._lock:
                slot.pending = None
        with self._lock:
            slot.cube, slot.stamp, slot.computed_at = cube, stamp, time.monotonic()
        return cube

    def get(self, period: Period, *, data_dir: Path, url: str | None) -> DrillCube:
        """Return the period's cube: the kept one (refreshed behind when stale), or a new one."""
        stamp = manifest_stamp(data_dir)
        key = (str(data_dir), url or "", period.label)
        with self._lock:
            slot = self._slots.setdefault(key, _Slot())
            self._slots.move_to_end(key)
            while len(self._slots) > MAX_CUBES:
                self._slots.popitem(last=False)
            stale = (
                slot.cube is None or slot.stamp != stamp or time.monotonic() - slot.computed_at > MAX_AGE_S
            )
            if stale and slot.pending is None:
                slot.pending = self._executor.submit(self._compute, slot, period, data_dir, url, stamp)
            cube, pending = slot.cube, slot.pending
        if cube is not None:
            return cube
        assert pending is not None
        return pending.result()

    def clear(self) -> None:
        """Forget every cube (tests)."""
        with self._lock:
            self._slots.clear()


CUBES = CubeCache()


def get_cube(period_text: str | None, *, url: str | None = None) -> DrillCube:
    """Return the drill cube of a period (a month, quarter or year that has started; default this month).

    Raises:
        InvalidInput: not a month, quarter or year, or one that has not started.
    """
    period = pick_period(period_text, now=local_now())
    settings = get_settings()
    return CUBES.get(period, data_dir=settings.data_dir, url=url or settings.database_url)


def warm_current(*, url: str | None = None) -> list[str]:
    """Build this month's, quarter's and year's cubes before the first leader asks for them.

    At national scale a cube takes seconds of CPU (tens of seconds of wall on a busy machine), so
    `chiso serve` runs this once in the background; later changes refresh the kept cubes behind.
    Returns the periods built.
    """
    today = local_now().date()
    labels = [bucket_of(today, kind).label for kind in ("month", "quarter", "year")]
    for label in labels:
        get_cube(label, url=url)
    return labels
