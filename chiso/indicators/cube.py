"""Reading indicator values for dashboards: a province figure over periods, a breakdown by unit.

Indicators room; imports chiso.store and the formula module. `Cube` is the one door dashboards,
drill-downs, maps and rankings read through. `SqlCube` reads the `indicator_values` table (what
departments entered, fine at a province's own scale); the columnar cube (Parquet read by DuckDB, for
Bình Dương's 250 M values) implements the same two methods. Aggregation across units follows the
indicator's rule: sum, mean, mean weighted by its denominator indicator, or none (only the province's
own value). A formula indicator is computed from its operands at the same unit and period. No value
is None (shown "—"), never zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.indicators.formula import evaluate, parse_formula
from chiso.store.models.indicators import Indicator, IndicatorValue

Series = dict[str, float | None]  # period -> value


@dataclass(frozen=True)
class Rule:
    """How one indicator rolls up to the province: what dashboards need of the catalogue entry."""

    code: str
    level: str
    aggregation: str
    weight_code: str | None = None
    formula: str | None = None

    @classmethod
    def of(cls, indicator: Indicator) -> Rule:
        return cls(
            indicator.code, indicator.level, indicator.aggregation, indicator.weight_code, indicator.formula
        )


class Cube(Protocol):
    """What a dashboard reads; every implementation answers the same figures for the same values."""

    def series(self, rules: Sequence[Rule], periods: Sequence[str], province_code: str) -> dict[str, Series]:
        """Return each indicator's province figure per period (None: no data)."""
        ...

    def breakdown(self, rule: Rule, period: str) -> dict[str, float | None]:
        """Return one indicator's value per reporting unit (commune or agency) in one period."""
        ...


def roll_up(
    rule: Rule, values: Mapping[str, float], weights: Mapping[str, float] | None = None
) -> float | None:
    """Combine units' values (unit code -> value) into the province figure by the indicator's rule."""
    if not values or rule.aggregation == "none":
        return None
    numbers = list(values.values())
    if rule.aggregation == "sum":
        return sum(numbers)
    if rule.aggregation == "mean":
        return sum(numbers) / len(numbers)
    pairs = [(value, (weights or {}).get(unit)) for unit, value in values.items()]
    weighted = [(value, weight) for value, weight in pairs if weight is not None]
    total = sum(weight for _, weight in weighted)
    return None if not weighted or total == 0 else sum(value * weight for value, weight in weighted) / total


class SqlCube:
    """The cube over the SQL table of reported values."""

    def __init__(self, session: Session, catalogue: Mapping[str, Rule]) -> None:
        self.session = session
        self.catalogue = catalogue

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
        operands = _operands(rules, self.catalogue)
        raw = self._raw(sorted(operands), periods)
        out: dict[str, Series] = {}
        for rule in rules:
            out[rule.code] = {
                p: _province_value(rule, raw, p, province_code, self.catalogue) for p in periods
            }
        return out

    def breakdown(self, rule: Rule, period: str) -> dict[str, float | None]:
        operands = _operands([rule], self.catalogue)
        raw = self._raw(sorted(operands), [period])
        if not rule.formula:
            return dict(raw[rule.code][period])
        tree, names = parse_formula(rule.formula)
        units = {unit for name in names for unit in raw[name][period]}
        return {unit: evaluate(tree, {n: raw[n][period].get(unit) for n in names}) for unit in sorted(units)}


def _operands(rules: Sequence[Rule], catalogue: Mapping[str, Rule]) -> set[str]:
    """Every code whose stored values the rules need: themselves, formula operands, weights."""
    needed: set[str] = set()
    stack = [rule.code for rule in rules]
    while stack:
        code = stack.pop()
        if code in needed:
            continue
        needed.add(code)
        rule = catalogue.get(code)
        if rule is None:
            continue
        if rule.formula:
            stack.extend(parse_formula(rule.formula)[1])
        if rule.weight_code:
            stack.append(rule.weight_code)
    return needed


def _province_value(
    rule: Rule,
    raw: Mapping[str, Mapping[str, Mapping[str, float]]],
    period: str,
    province_code: str,
    catalogue: Mapping[str, Rule],
) -> float | None:
    if rule.formula:
        tree, names = parse_formula(rule.formula)
        values = {n: _province_value(catalogue[n], raw, period, province_code, catalogue) for n in names}
        return evaluate(tree, values)
    by_unit = raw.get(rule.code, {}).get(period, {})
    if rule.level == "province" or province_code in by_unit:
        return by_unit.get(province_code)
    weights = raw.get(rule.weight_code, {}).get(period, {}) if rule.weight_code else None
    return roll_up(rule, by_unit, weights)


def load_rules(session: Session) -> dict[str, Rule]:
    """Return every active catalogue indicator's roll-up rule by code."""
    rows = session.scalars(select(Indicator).where(Indicator.active.is_(True)))
    return {row.code: Rule.of(row) for row in rows}
