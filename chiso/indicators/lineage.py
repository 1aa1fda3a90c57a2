"""Values reported by the communes before the 1 July 2025 reform, mapped onto the current communes.

Indicators room; imports chiso.store (the units' lineage table) and the roll-up rule. A breakdown of a
period that ended before the reform holds the old communes' codes; `map_to_current` folds them into
their successors so a map or a ranking shows today's communes for every period:

- a merge (several old communes -> one new): the old values combine by the indicator's own rule:
  counts summed, means averaged, weighted indicators averaged with their denominator's old values as
  weights, "none" gives no data (there is no honest way to merge values that do not add up); a formula
  is computed after its operands were merged (online share = merged online / merged total);
- a split (one old commune in parts of several new ones, lineage "partial"): the whole old value goes to
  its primary successor (the one that took its identity), so a province total is unchanged and no
  value is invented for the other parts (chiso has no population shares to divide a count by);
- codes that are not old communes (agencies, the province, units already current) pass unchanged.

The province's series: a roll-up takes every unit reported in the period, old codes before the
reform and new ones after, so it is continuous across it. A province's own values reported before the
reform by the old provinces merged into it (Đà Nẵng 48 and Quảng Nam 49 -> Đà Nẵng 48) are merged by
the same rule when two or more of them reported (`merged_province`); "none" keeps the value under the
province's own code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from chiso.indicators.periods import period_type_of, shift
from chiso.indicators.rollup import Raw, Rule, roll_up, unit_breakdown
from chiso.store.models.units import REFORM_DATE, AdminUnit, UnitLineage

_CHUNK = 900  # codes per IN list (SQLite's bound-parameter limit is 999 on old builds)


def _start(key: str) -> date:
    kind = period_type_of(key)
    year = int(key[:4])
    if kind == "month":
        return date(year, int(key[5:]), 1)
    if kind == "quarter":
        return date(year, 3 * int(key[6:]) - 2, 1)
    return date(year, 1, 1)


def ended_before_reform(period: str) -> bool:
    """Return whether `period` ended before 1 July 2025 (its values carry the old commune codes).

    The year 2025 straddles the reform; its figures are compiled after it, by the new communes, so it
    counts as after.
    """
    return _start(shift(period, 1)) <= REFORM_DATE


def load_successors(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Return old commune code -> the current commune that took it over, for the old codes in `codes`."""
    wanted = sorted(set(codes))
    old, new = aliased(AdminUnit), aliased(AdminUnit)
    found: dict[str, str] = {}
    for i in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(old.code, new.code)
            .join(UnitLineage, UnitLineage.from_unit_id == old.id)
            .join(new, new.id == UnitLineage.to_unit_id)
            .where(
                old.code.in_(wanted[i : i + _CHUNK]),
                old.level == "commune",
                old.valid_to.is_not(None),
                new.level == "commune",
                UnitLineage.is_primary.is_(True),
            )
        )
        found.update({old_code: new_code for old_code, new_code in rows})
    return found


def load_predecessors(session: Session, province_code: str) -> tuple[str, ...]:
    """Return the codes of the old provinces merged into the current province (its own old code too)."""
    old, new = aliased(AdminUnit), aliased(AdminUnit)
    rows = session.execute(
        select(old.code)
        .join(UnitLineage, UnitLineage.from_unit_id == old.id)
        .join(new, new.id == UnitLineage.to_unit_id)
        .where(
            new.code == province_code,
            new.level == "province",
            new.valid_to.is_(None),
            old.level == "province",
            old.valid_to.is_not(None),
        )
    )
    return tuple(sorted({code for (code,) in rows}))


def predecessors_for(session: Session, province_code: str, periods: Sequence[str]) -> tuple[str, ...]:
    """Return the old provinces merged into `province_code` when a period ended before the reform."""
    if not any(ended_before_reform(p) for p in periods):
        return ()
    olds = load_predecessors(session, province_code)
    return olds if len(olds) > 1 else ()


def merged_province(
    rule: Rule, values: Mapping[str, float], weights: Mapping[str, float], predecessors: Iterable[str]
) -> float | None:
    """Return the old provinces' own values merged by the rule when two or more reported, else None."""
    olds = {code: values[code] for code in predecessors if code in values}
    if len(olds) < 2 or rule.aggregation == "none":
        return None
    return roll_up(rule, olds, weights)


def _merge(rule: Rule | None, values: Mapping[str, float], weights: Mapping[str, float]) -> float | None:
    if len(values) == 1:
        return next(iter(values.values()))
    if rule is None:
        return None
    return roll_up(rule, values, weights)


def map_to_current(
    raw: Raw, period: str, catalogue: Mapping[str, Rule], successors: Mapping[str, str]
) -> dict[str, dict[str, dict[str, float]]]:
    """Return `raw` with one period's old commune values folded into their current communes.

    Args:
        raw: indicator code -> period -> unit code -> value, as a cube read it.
        period: the period to map (the others are copied unchanged).
        catalogue: the roll-up rule of each code (a code missing from it: merges give no data).
        successors: old commune code -> current code (`load_successors`).
    """
    out: dict[str, dict[str, dict[str, float]]] = {
        code: {p: dict(units) for p, units in by_period.items()} for code, by_period in raw.items()
    }
    for code, by_period in raw.items():
        values = by_period.get(period, {})
        rule = catalogue.get(code)
        groups: dict[str, dict[str, float]] = defaultdict(dict)
        for unit, value in values.items():
            groups[successors.get(unit, unit)][unit] = value
        weights = raw.get(rule.weight_code, {}).get(period, {}) if rule and rule.weight_code else {}
        merged = {new: _merge(rule, group, weights) for new, group in groups.items()}
        out[code][period] = {unit: value for unit, value in merged.items() if value is not None}
    return out


def current_breakdown(
    session: Session | None, rule: Rule, raw: Raw, period: str, catalogue: Mapping[str, Rule]
) -> dict[str, float | None]:
    """Return `rule`'s value per unit from `raw`, a period before the reform mapped onto today's communes.

    Without a session (a cube reading its files alone) the reported codes are kept.
    """
    if session is not None and ended_before_reform(period):
        successors = load_successors(
            session, {u for by_period in raw.values() for u in by_period.get(period, {})}
        )
        if successors:
            raw = map_to_current(raw, period, catalogue, successors)
    return unit_breakdown(rule, raw, period, catalogue)
