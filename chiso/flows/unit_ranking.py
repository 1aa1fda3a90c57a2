"""Units of a province figure in order: the units expected to report, their names, their ranking.

Flows layer (beside the indicator dashboards and their drill-down); imports chiso.units and the store's
models. No data is never ranked: units without a value come last, unranked, by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.flows.indicator_dashboard_models import UnitValue
from chiso.store.models.agencies import Agency
from chiso.store.models.units import AdminUnit
from chiso.units.admin import list_units
from chiso.units.agencies import search_agencies
from chiso.units.text import sort_key

Names = dict[str, tuple[str, str | None]]  # unit code -> (Vietnamese name, English name)
AGENCY_KINDS = ("department", "central", "other")


def expected_units(session: Session, *, level: str, province: str | None, day: date) -> Names:
    """Return the units that report at `level` on `day` (code -> names), listed even without data."""
    if province is None:
        return {}
    if level == "commune":
        units = list_units(session, province_code=province, level="commune", on=day)
        return {u.code: (u.full_name, None) for u in units}
    agencies = search_agencies(session, province_code=province, on=day)
    return {a.code: (a.name_vi, a.name_en) for a in agencies if a.kind in AGENCY_KINDS}


def names_of(session: Session, codes: Sequence[str]) -> Names:
    """Name units a breakdown holds that the expected list lacks (a former commune, an ended agency)."""
    if not codes:
        return {}
    found: Names = {
        a.code: (a.name_vi, a.name_en) for a in session.scalars(select(Agency).where(Agency.code.in_(codes)))
    }
    communes = select(AdminUnit).where(AdminUnit.code.in_(codes), AdminUnit.level == "commune")
    for unit in session.scalars(communes.order_by(AdminUnit.valid_from)):
        found.setdefault(unit.code, (unit.full_name, None))
    return found


def order_units(
    values: Mapping[str, float | None], names: Names, *, higher_is_better: bool
) -> list[tuple[str, float | None, int | None]]:
    """Return (code, value, rank) best first (ties share a rank), then units without data, unranked."""
    known = [(code, v) for code, v in values.items() if v is not None]
    known.sort(
        key=lambda cv: (-cv[1] if higher_is_better else cv[1], sort_key(names.get(cv[0], (cv[0],))[0]))
    )
    out: list[tuple[str, float | None, int | None]] = []
    for i, (code, value) in enumerate(known):
        out.append((code, value, out[-1][2] if out and out[-1][1] == value else i + 1))
    missing = sorted(
        (c for c, v in values.items() if v is None), key=lambda c: sort_key(names.get(c, (c,))[0])
    )
    return out + [(c, None, None) for c in missing]


def unit_values(ordered: Sequence[tuple[str, float | None, int | None]], names: Names) -> list[UnitValue]:
    # built without re-validation: a breakdown of 4,300 units made 8,600 checked models per dashboard
    return [
        UnitValue.model_construct(
            code=code,
            name_vi=names.get(code, (code, None))[0],
            name_en=names.get(code, (code, None))[1],
            value=value,
            rank=rank,
        )  # fmt: skip
        for code, value, rank in ordered
    ]


def rank_units(
    values: Mapping[str, float | None], names: Names, *, higher_is_better: bool
) -> list[UnitValue]:
    """Rank units by value (ties share a rank); units without data come last, unranked, by name."""
    return unit_values(order_units(values, names, higher_is_better=higher_is_better), names)
