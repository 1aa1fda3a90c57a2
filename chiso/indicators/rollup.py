"""How an indicator rolls up to the province: the rule, the roll-up, formulas over province figures.

Indicators room; imports chiso.store's Indicator model and the formula module. Shared by the SQL cube
and the columnar cube (chiso.indicators.cube re-exports `Rule` and `roll_up`), so both answer the same
figure for the same values: sum, mean, mean weighted by the denominator indicator, or none (only the
province's own value); a formula is computed from its operands' province figures. None is "no data".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.indicators.formula import evaluate, parse_formula
from chiso.monitoring.custom.syntax import Node
from chiso.store.models.indicators import Indicator

Series = dict[str, float | None]  # period -> value
Raw = Mapping[str, Mapping[str, Mapping[str, float]]]  # indicator code -> period -> unit code -> value


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


def operands(rules: Sequence[Rule], catalogue: Mapping[str, Rule]) -> set[str]:
    """Return every code whose stored values the rules need: themselves, formula operands, weights."""
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
            stack.extend(parsed(rule.formula)[1])
        if rule.weight_code:
            stack.append(rule.weight_code)
    return needed


@lru_cache(maxsize=4096)
def parsed(formula: str) -> tuple[Node, tuple[str, ...]]:
    """Return a formula's tree and operand codes, parsed once per process (trees are never changed)."""
    tree, names = parse_formula(formula)
    return tree, tuple(names)


def unit_cell(rule: Rule, raw: Raw, period: str, province_code: str) -> float | None:
    """Return a stored (non-formula) indicator's province figure from its units' values in `raw`."""
    by_unit = raw.get(rule.code, {}).get(period, {})
    if rule.level == "province" or province_code in by_unit:
        return by_unit.get(province_code)
    weights = raw.get(rule.weight_code, {}).get(period, {}) if rule.weight_code else None
    return roll_up(rule, by_unit, weights)


def province_value(
    rule: Rule, period: str, catalogue: Mapping[str, Rule], cell: Callable[[Rule, str], float | None]
) -> float | None:
    """Return the province figure of `rule` in `period`: `cell` for a stored one, a formula's result.

    An operand missing from the catalogue (inactive, deleted) has no data, so the formula gives None.
    """
    if not rule.formula:
        return cell(rule, period)
    tree, names = parsed(rule.formula)
    values = {
        name: province_value(catalogue[name], period, catalogue, cell) if name in catalogue else None
        for name in names
    }
    return evaluate(tree, values)


def unit_breakdown(
    rule: Rule, raw: Raw, period: str, catalogue: Mapping[str, Rule]
) -> dict[str, float | None]:
    """Return one indicator's value per unit in `period` from `raw`, a formula computed unit by unit."""
    if not rule.formula:
        return dict(sorted(raw.get(rule.code, {}).get(period, {}).items()))
    tree, names = parsed(rule.formula)
    columns: dict[str, Mapping[str, float | None]] = {}
    for name in names:
        operand = catalogue.get(name)
        if operand is not None and operand.formula:
            columns[name] = unit_breakdown(operand, raw, period, catalogue)
        else:
            columns[name] = raw.get(name, {}).get(period, {})
    units = {unit for column in columns.values() for unit in column}
    return {unit: evaluate(tree, {n: columns[n].get(unit) for n in names}) for unit in sorted(units)}


def load_rules(session: Session) -> dict[str, Rule]:
    """Return every active catalogue indicator's roll-up rule by code."""
    columns = (
        Indicator.code,
        Indicator.level,
        Indicator.aggregation,
        Indicator.weight_code,
        Indicator.formula,
    )
    rows = session.connection().execute(select(*columns).where(Indicator.active.is_(True)))
    return {row[0]: Rule(*row) for row in rows}
