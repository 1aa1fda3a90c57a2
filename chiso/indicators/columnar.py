"""The columnar cube: indicator values in Parquet files read by DuckDB, overlaid with recent SQL entries.

Indicators room; imports chiso.store, the roll-up rule and the lineage mapping; never flows/web/cli.
Layout of a cube folder (written only by chiso.indicators.compaction, one writer at a time):

    manifest.json             the current generation, its watermark, one entry per indicator
    g-<stamp>/<code>.parquet  one file per indicator: period, unit_code, value, entered; sorted by
                              period then unit in row groups of ROW_GROUP_ROWS, so a period reads one
    g-<stamp>/rollups.parquet per indicator x period: units, sum, weighted sum and weight total
    g-<stamp>/own.parquet     the values of province codes (two digits), the province's own figures

Files are never changed once written; a compaction writes a new generation and swaps the manifest.
SQL (`indicator_values`) stays the source of truth for what departments enter: a query answers from
the files overlaid with the SQL rows entered or approved after the compaction's watermark, so a value
shows at once. A value deleted in SQL disappears from the cube at the next compaction.
"""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chiso.indicators.lineage import current_breakdown, ended_before_reform, merged_province, predecessors_for
from chiso.indicators.rollup import Rule, Series, operands, province_value, unit_cell
from chiso.store.models.indicators import IndicatorValue

ROW_GROUP_ROWS = 8_192
"""Rows per row group: 4,300 communes x one month is about half a group, so a breakdown reads one or
two groups of one file, and a whole-indicator rewrite still compresses well (benchmarks/RESULTS.md)."""

SUMMARY_ROW_GROUP_ROWS = 2_048
"""Rows per row group of the roll-ups (about 34 indicators x 60 months): a dashboard's first read of an
indicator's roll-ups skips the other groups."""

MANIFEST = "manifest.json"
VALUE_COLUMNS = "period, unit_code, value, entered"
RawDict = dict[str, dict[str, dict[str, float]]]

_local = threading.local()


def connection() -> duckdb.DuckDBPyConnection:
    """Return this thread's in-memory DuckDB connection (cheap to reuse, not shareable across threads)."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect()
        con.execute("SET threads TO 2").fetchall()
        con.execute("SET parquet_metadata_cache = true").fetchall()  # files never change once written
        _local.con = con
    return con


@dataclass(frozen=True)
class Manifest:
    """The current generation of a cube folder."""

    generation: str
    watermark: datetime | None
    files: dict[str, str] = field(default_factory=dict)  # indicator code -> file name in the generation
    fingerprints: dict[str, str] = field(default_factory=dict)  # code -> hash of its compacted SQL rows
    weights: dict[str, str] = field(default_factory=dict)  # code -> weight code the roll-ups used
    counts: dict[str, int] = field(default_factory=dict)  # code -> values in its file

    @property
    def rows(self) -> int:
        """Return how many values the generation holds."""
        return sum(self.counts.values())

    def path(self, folder: Path, name: str) -> Path:
        return folder / self.generation / name

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "generation": self.generation,
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "files": self.files,
            "fingerprints": self.fingerprints,
            "weights": self.weights,
            "counts": self.counts,
            "rows": self.rows,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        mark = data.get("watermark")
        return cls(
            generation=data["generation"],
            watermark=datetime.fromisoformat(mark) if mark else None,
            files=dict(data.get("files", {})),
            fingerprints=dict(data.get("fingerprints", {})),
            weights=dict(data.get("weights", {})),
            counts={code: int(n) for code, n in data.get("counts", {}).items()},
        )


def read_manifest(folder: Path) -> Manifest | None:
    """Return the folder's current manifest, or None when no compaction has completed there."""
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return Manifest.from_json(json.loads(text))


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically (a temporary file fsynced, then renamed over the old one)."""
    tmp = folder / f"{MANIFEST}.tmp"
    with tmp.open("w", encoding="utf-8") as out:
        json.dump(manifest.to_json(), out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, folder / MANIFEST)
    fsync_path(folder)


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries (so a rename in it survives a crash), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sql_text(value: object) -> str:
    """Return `value` as a SQL string literal (paths and codes written into DuckDB statements)."""
    return "'" + str(value).replace("'", "''") + "'"


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(sql_text(p) for p in paths) + "]"


class Agg(NamedTuple):
    """One indicator x period's precomputed roll-up."""

    n: int
    total: float | None
    weight_code: str | None
    wn: int
    wsum: float | None
    wtotal: float | None


def _from_agg(rule: Rule, agg: Agg | None) -> float | None:
    """Return the province figure from a precomputed roll-up (same arithmetic as `roll_up`)."""
    if agg is None or agg.n == 0 or rule.aggregation == "none":
        return None
    if rule.aggregation == "sum":
        return agg.total
    if rule.aggregation == "mean":
        return None if agg.total is None else agg.total / agg.n
    if not agg.wn or not agg.wtotal or agg.wsum is None:
        return None
    return agg.wsum / agg.wtotal


class Summary:
    """A generation's roll-ups and province-own values, read per indicator on first use and kept.

    Files never change once written, so what was read stays true for the generation's life; a process
    holds the newest generation of each folder (about 5 MB for 1,000 indicators x 60 periods).
    """

    def __init__(self, folder: Path, manifest: Manifest) -> None:
        self.rollups = str(manifest.path(folder, "rollups.parquet"))
        self.owns = str(manifest.path(folder, "own.parquet"))
        self.aggs: dict[tuple[str, str], Agg] = {}  # (code, period) -> roll-up
        self.own: dict[tuple[str, str, str], float] = {}  # (code, period, province code) -> value
        self.loaded: set[str] = set()
        self.lock = threading.Lock()
        count = connection().execute("SELECT count(*) FROM read_parquet(?)", [self.owns]).fetchall()
        self.has_own = bool(count[0][0])  # most provinces report no own value of a commune indicator

    def load(self, codes: Sequence[str]) -> None:
        """Read the roll-ups of the codes not read yet (one query per file)."""
        missing = sorted(set(codes) - self.loaded)
        if not missing:
            return
        marks = ", ".join("?" * len(missing))
        con = connection()
        aggs = con.execute(
            "SELECT indicator_code, period, n, total, weight_code, wn, wsum, wtotal "
            f"FROM read_parquet(?) WHERE indicator_code IN ({marks})",
            [self.rollups, *missing],
        ).fetchall()
        own = (
            con.execute(
                "SELECT indicator_code, period, unit_code, value "
                f"FROM read_parquet(?) WHERE indicator_code IN ({marks})",
                [self.owns, *missing],
            ).fetchall()
            if self.has_own
            else []
        )
        with self.lock:
            self.aggs.update({(r[0], r[1]): Agg(*r[2:]) for r in aggs})
            self.own.update({(c, p, u): v for c, p, u, v in own})
            self.loaded.update(missing)


MAX_FOLDERS = 4  # a server has one cube folder; tests and benchmarks open many
_summaries: dict[tuple[str, str], Summary] = {}
_summaries_lock = threading.Lock()


def summary_of(folder: Path, manifest: Manifest, codes: Sequence[str]) -> Summary:
    """Return the generation's summary with the roll-ups of `codes` read."""
    key = (str(folder), manifest.generation)
    with _summaries_lock:
        found = _summaries.get(key)
        if found is None:
            for old in [k for k in _summaries if k[0] == key[0]] + list(_summaries)[:-MAX_FOLDERS]:
                _summaries.pop(old, None)  # a newer generation replaces the older; few folders kept
            found = _summaries[key] = Summary(folder, manifest)
    found.load(codes)
    return found


class ColumnarCube:
    """The cube over a folder's Parquet files plus the SQL rows newer than its last compaction."""

    def __init__(
        self,
        session: Session | None,
        catalogue: Mapping[str, Rule],
        folder: Path,
        *,
        manifest: Manifest | None = None,
        current_units: bool = True,
    ) -> None:
        self.session = session
        self.catalogue = catalogue
        self.folder = folder
        found = manifest or read_manifest(folder)
        if found is None:
            raise FileNotFoundError(f"no indicator cube in {folder} (run the compaction first)")
        self.manifest = found
        self.current_units = current_units
        self._recent: dict[str, list[tuple[str, str, str, float]]] = {}
        self._olds: dict[tuple[str, bool], tuple[str, ...]] = {}
        self._read: dict[tuple[str, str], dict[str, float]] = {}  # (code, period) -> unit -> value

    # --- reading the files --------------------------------------------------------------------------
    def _files(self, codes: Sequence[str]) -> list[Path]:
        names = [self.manifest.files[c] for c in sorted(set(codes)) if c in self.manifest.files]
        return [self.manifest.path(self.folder, name) for name in names]

    def _units(self, codes: Sequence[str], periods: Sequence[str]) -> RawDict:
        """Return the files' values of `codes` in `periods`, each (code, period) read once per cube."""
        missing = [(c, p) for c in sorted(set(codes)) for p in periods if (c, p) not in self._read]
        files = self._files(sorted({c for c, _ in missing}))
        wanted = sorted({p for _, p in missing})
        for pair in missing:
            self._read[pair] = {}
        if files and wanted:
            rows = (
                connection()
                .execute(
                    f"SELECT indicator_code, period, unit_code, value FROM read_parquet({_sql_list(files)}) "
                    f"WHERE period IN ({', '.join('?' * len(wanted))})",
                    wanted,
                )
                .fetchall()
            )
            for code, period, unit, value in rows:
                if (code, period) in self._read:
                    self._read[(code, period)][unit] = value
        found: RawDict = defaultdict(lambda: defaultdict(dict))
        for code in codes:
            for period in periods:
                if self._read.get((code, period)):
                    found[code][period] = dict(self._read[(code, period)])
        return found

    def _predecessors(self, province_code: str, periods: Sequence[str]) -> tuple[str, ...]:
        if not self.current_units or self.session is None:
            return ()
        key = (province_code, any(ended_before_reform(p) for p in periods))
        if key not in self._olds:
            self._olds[key] = predecessors_for(self.session, province_code, periods)
        return self._olds[key]

    def _summary(self, codes: Sequence[str]) -> Summary:
        return summary_of(self.folder, self.manifest, codes)

    def _overlay(self, codes: Sequence[str], periods: Sequence[str]) -> list[tuple[str, str, str, float]]:
        """Return the SQL rows entered or approved after the watermark (code, period, unit, value).

        Read once per code for the cube's life (one request): a dashboard asks the same codes often.
        """
        missing = sorted(set(codes) - set(self._recent))
        if self.session is not None and missing:
            for code in missing:
                self._recent[code] = []
            query = select(
                IndicatorValue.indicator_code,
                IndicatorValue.period,
                IndicatorValue.unit_code,
                IndicatorValue.value,
            ).where(IndicatorValue.indicator_code.in_(missing))
            mark = self.manifest.watermark
            if mark is not None:
                query = query.where(or_(IndicatorValue.entered_at > mark, IndicatorValue.approved_at > mark))
            for code, period, unit, value in self.session.connection().execute(query):  # Core rows: no ORM
                self._recent[code].append((code, period, unit, value))
        wanted = set(periods)
        return [row for code in codes for row in self._recent.get(code, []) if row[1] in wanted]

    def _raw(
        self, codes: Sequence[str], periods: Sequence[str], overlay: Sequence[tuple[str, str, str, float]]
    ) -> RawDict:
        raw = self._units(codes, periods)
        wanted_codes, wanted_periods = set(codes), set(periods)
        for code, period, unit, value in overlay:
            if code in wanted_codes and period in wanted_periods:
                raw[code][period][unit] = value
        return raw

    # --- the Cube door ------------------------------------------------------------------------------
    def series(self, rules: Sequence[Rule], periods: Sequence[str], province_code: str) -> dict[str, Series]:
        """Return each indicator's province figure per period, from the roll-ups where nothing is newer."""
        codes = sorted(operands(rules, self.catalogue))
        overlay = self._overlay(codes, periods)
        dirty = {(code, period) for code, period, _, _ in overlay}
        stale_weights = {
            c
            for c in codes
            if (r := self.catalogue.get(c))
            and r.aggregation == "weighted"
            and self.manifest.weights.get(c) != r.weight_code
        }
        for code in codes:
            rule = self.catalogue.get(code)
            weight = rule.weight_code if rule else None
            dirty |= {(code, p) for p in periods if code in stale_weights or (weight, p) in dirty}
        dirty_codes = {c for c, _ in dirty}
        dirty_codes |= {w for c in dirty_codes if (r := self.catalogue.get(c)) and (w := r.weight_code)}
        raw = self._raw(sorted(dirty_codes), sorted({p for _, p in dirty}), overlay)
        summary = self._summary(codes)
        aggs, own = summary.aggs, summary.own
        olds = self._predecessors(province_code, periods)

        def merged(rule: Rule, period: str) -> float | None:
            if (rule.code, period) in dirty:
                values = raw.get(rule.code, {}).get(period, {})
                weights = raw.get(rule.weight_code, {}).get(period, {}) if rule.weight_code else {}
            else:
                values = {c: v for c in olds if (v := own.get((rule.code, period, c))) is not None}
                weights = {
                    c: v for c in olds if (v := own.get((rule.weight_code or "", period, c))) is not None
                }
            return merged_province(rule, values, weights, olds)

        def cell(rule: Rule, period: str) -> float | None:
            if olds and ended_before_reform(period) and (value := merged(rule, period)) is not None:
                return value
            if (rule.code, period) in dirty:
                return unit_cell(rule, raw, period, province_code)
            mine = own.get((rule.code, period, province_code))
            if rule.level == "province" or mine is not None:
                return mine
            return _from_agg(rule, aggs.get((rule.code, period)))

        return {
            rule.code: {p: province_value(rule, p, self.catalogue, cell) for p in periods} for rule in rules
        }

    def breakdown(self, rule: Rule, period: str) -> dict[str, float | None]:
        """Return one indicator's value per unit in one period (old communes mapped to current ones)."""
        codes = sorted(operands([rule], self.catalogue) | {rule.code})
        raw = self._raw(codes, [period], self._overlay(codes, [period]))
        session = self.session if self.current_units else None
        return current_breakdown(session, rule, raw, period, self.catalogue)
