"""Reading indicator values for dashboards: a province figure over periods, a breakdown by unit.

Indicators room; imports chiso.store, chiso.config and the cube's modules. `Cube` is the one door
dashboards, drill-downs, maps and rankings read through, and `open_cube` the one way to get one: the
columnar cube (chiso.indicators.columnar: Parquet read by DuckDB, precomputed province roll-ups, SQL
entries newer than the last compaction overlaid) when its folder has been compacted, else `SqlCube`
over the `indicator_values` table (fine at a province's own scale). Both answer the same figures.
Aggregation across units follows the indicator's rule (chiso.indicators.rollup): sum, mean, mean
weighted by its denominator indicator, or none (only the province's own value). A formula indicator is
computed from its operands at the same unit and period. No value is None (shown "—"), never zero. A
breakdown of a period before the 1 July 2025 reform shows the current communes (chiso.indicators.lineage).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.config import get_settings
from chiso.indicators.columnar import ColumnarCube, read_manifest
from chiso.indicators.lineage import current_breakdown, ended_before_reform, merged_province, predecessors_for
from chiso.indicators.rollup import Rule, Series, load_rules, operands, province_value, roll_up, unit_cell
from chiso.store.models.indicators import IndicatorValue

__all__ = ["Cube", "Rule", "Series", "SqlCube", "cube_folder", "load_rules", "open_cube", "roll_up"]


class Cube(Protocol):
    """What a dashboard reads; every implementation answers the same figures for the same values."""

    catalogue: Mapping[str, Rule]  # the roll-up rules it was opened with, by code

    def series(self, rules: Sequence[Rule], periods: Sequence[str], province_code: str) -> dict[str, Series]:
        """Return each indicator's province figure per period (None: no data)."""
        ...

    def breakdown(self, rule: Rule, period: str) -> dict[str, float | None]:
        """Return one indicator's value per reporting unit (commune or agency) in one period."""
        ...


class SqlCube:
    """The cube over the SQL table of reported values."""

    def __init__(
        self, session: Session, catalogue: Mapping[str, Rule], *, current_units: bool = True
    ) -> None:
        self.session = session
        self.catalogue = catalogue
        self.current_units = current_units

    def _raw(self, codes: Sequence[str], periods: Sequence[str]) -> dict[str, dict[str, dict[str, float]]]:
        found: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
        if not codes or not periods:
            return found
        rows = self.session.execute(
            select(
                IndicatorValue.indicator_code,
                IndicatorValue.period,
                IndicatorValue.unit_code,
                IndicatorValue.value,
            ).where(IndicatorValue.indicator_code.in_(list(codes)), IndicatorValue.period.in_(list(periods)))
        )
        for code, period, unit, value in rows:
            found[code][period][unit] = value
        return found

    def series(self, rules: Sequence[Rule], periods: Sequence[str], province_code: str) -> dict[str, Series]:
        raw = self._raw(sorted(operands(rules, self.catalogue)), periods)
        olds = predecessors_for(self.session, province_code, periods) if self.current_units else ()  # 1 query

        def cell(rule: Rule, period: str) -> float | None:
            if olds and ended_before_reform(period):
                values = raw.get(rule.code, {}).get(period, {})
                weights = raw.get(rule.weight_code, {}).get(period, {}) if rule.weight_code else {}
                merged = merged_province(rule, values, weights, olds)
                if merged is not None:
                    return merged
            return unit_cell(rule, raw, period, province_code)

        return {
            rule.code: {p: province_value(rule, p, self.catalogue, cell) for p in periods} for rule in rules
        }

    def breakdown(self, rule: Rule, period: str) -> dict[str, float | None]:
        raw = self._raw(sorted(operands([rule], self.catalogue)), [period])
        session = self.session if self.current_units else None
        return current_breakdown(session, rule, raw, period, self.catalogue)


def cube_folder() -> Path:
    """Return the columnar cube's folder under the data directory."""
    return get_settings().data_dir / "indicator_cube"


def open_cube(
    session: Session,
    catalogue: Mapping[str, Rule] | None = None,
    *,
    folder: Path | None = None,
    current_units: bool = True,
) -> Cube:
    """Return the cube dashboards read: columnar when its folder was compacted, else the SQL one.

    Args:
        session: the request's session (the SQL cube and the columnar cube's overlay read through it).
        catalogue: roll-up rules by code (default: every active indicator, `load_rules`).
        folder: the columnar cube's folder (default `cube_folder()`).
        current_units: map a breakdown before the 2025 reform onto the current communes.
    """
    rules = catalogue if catalogue is not None else load_rules(session)
    where = folder if folder is not None else cube_folder()
    manifest = read_manifest(where)
    if manifest is None:
        return SqlCube(session, rules, current_units=current_units)
    return ColumnarCube(session, rules, where, manifest=manifest, current_units=current_units)
