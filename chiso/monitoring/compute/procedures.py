"""The ``procedures`` source: agency x period x procedure flags joined with the catalogue; compute layer.

`procedure_flags` are the per-procedure reductions over dossier rows (also what the per-file flag
cache of `chiso.monitoring.cache.flags` stores); `grain_from_flags` turns cached per-month flags
into the period grain; `prepare_procedures` adds the procedures the catalogue assigns to an agency
and the catalogue's columns with their working-day ordinals; `roll_up_grain` makes a parent's
procedures the distinct procedures of its subtree.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from chiso.monitoring.compute.backend import put_table
from chiso.monitoring.compute.days import with_ordinal
from chiso.monitoring.metrics.payment import dossier_paid_online
from chiso.monitoring.periods import Period

PROCEDURE_FLAGS = ("has_online", "has_paid_online", "has_fee_required", "has_population_data")
PROCEDURE_KEYS = ("agency_code", "period", "procedure_code")


def procedure_flags(d: ir.Table) -> dict[str, ir.Scalar]:
    """Return the per-procedure flags of the ``procedures`` source as reductions over dossier rows.

    Each is MAX of a tiny int (1 when any dossier of the group qualifies): as cheap as the bare
    high-cardinality grouping on DuckDB, and combinable across files by MAX again.
    """

    def seen(cond: ir.BooleanValue) -> ir.IntegerScalar:
        return ibis.ifelse(cond, 1, 0).cast("int8").max()

    return {
        "has_online": seen(d.channel == "online"),
        "has_paid_online": seen(dossier_paid_online(d)),
        "has_fee_required": seen(d.fee_required),
        "has_population_data": seen(d.population_data),
    }


def whole_months(periods: Sequence[Period]) -> bool:
    return all(p.start.day == 1 and p.end.day == 1 for p in periods)


def grain_from_flags(
    flags: ir.Table, periods: Sequence[Period], con: Any, months_of_one_file: Collection[date]
) -> ir.Table:
    """Turn cached per-month flags (agency_code, month, procedure_code, flags) into the period grain.

    A one-month period whose month has one flag file takes its rows as they are (regrouping 9M
    rows of a year cost ~2 s); a longer period, or a month of several files, takes the MAX.
    """
    months: list[date] = []
    labels: list[str] = []
    as_is: list[bool] = []
    for p in periods:
        day = p.start
        while day < p.end:
            months.append(day)
            labels.append(p.label)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            as_is.append(p.start == months[-1] and p.end == day and months[-1] in months_of_one_file)
    data = pa.table({"_month": pa.array(months, pa.date32()), "period": labels, "_as_is": as_is})
    table = put_table(con, data, "months")
    joined = flags.join(table, flags.month == table._month, how="inner")
    direct = joined.filter(joined._as_is).select(*PROCEDURE_KEYS, *PROCEDURE_FLAGS)
    rest = joined.filter(~joined._as_is)
    regrouped = rest.group_by(list(PROCEDURE_KEYS)).aggregate(**{f: rest[f].max() for f in PROCEDURE_FLAGS})
    if all(as_is):
        return direct
    return regrouped if not any(as_is) else direct.union(regrouped.cast(direct.schema()), distinct=False)


def period_bounds(periods: Sequence[Period]) -> pa.Table:
    """Return period, _p_start, _p_end (dates, end exclusive) of the periods."""
    return pa.table(
        {
            "period": pa.array([p.label for p in periods], pa.string()),
            "_p_start": pa.array([p.start for p in periods], pa.date32()),
            "_p_end": pa.array([p.end for p in periods], pa.date32()),
        }
    )


def roll_up_grain(grain: ir.Table, pairs: ir.Table) -> ir.Table:
    """Return the grain of every agency's subtree: a parent's procedures are the distinct procedures
    of its subtree (a procedure offered by 100 communes counts once), each flag the MAX over them.

    ``pairs`` is the (ancestor_code, agency_code) table of `chiso.monitoring.compute.rollup.ancestry`
    (every agency is its own ancestor).
    """
    joined = grain.join(pairs, grain.agency_code == pairs.agency_code, how="inner")
    joined = joined.select(
        agency_code=joined.ancestor_code, period=joined.period, procedure_code=joined.procedure_code,
        **{f: joined[f] for f in PROCEDURE_FLAGS},
    )  # fmt: skip
    return joined.group_by(list(PROCEDURE_KEYS)).aggregate(**{f: joined[f].max() for f in PROCEDURE_FLAGS})


def prepare_procedures(
    grain: ir.Table,
    catalogue: ir.Table,
    workdays: ir.Table,
    bounds: pa.Table,
    con: Any,
    pairs: ir.Table | None = None,
) -> ir.Table:
    """Return the ``procedures`` source: the grain plus the procedures the catalogue assigns to an
    agency, with the catalogue's columns, their working-day ordinals and ``announced_in_period``.

    With ``pairs`` (agency ancestry) every agency's rows are the distinct procedures of its subtree.
    """
    keys = list(PROCEDURE_KEYS)
    used = grain
    owned = catalogue.filter(catalogue.agency_code.notnull()).select("agency_code", "procedure_code")
    if int(owned.count().execute()) == 0:
        merged = used  # no procedure is assigned to an agency: skip the union and re-grouping
    else:
        labels = put_table(con, bounds.select(["period"]), "period_labels")
        zeros = {c: ibis.literal(0, type="int8") for c in PROCEDURE_FLAGS}
        assigned = owned.cross_join(labels).mutate(**zeros).select(*used.columns)
        both = used.union(assigned.cast(used.schema()), distinct=False)
        merged = both.group_by(keys).aggregate(**{c: both[c].max() for c in PROCEDURE_FLAGS})
    if pairs is not None:
        merged = roll_up_grain(merged, pairs)
    cat = catalogue.drop("agency_code", "name")
    cat = with_ordinal(cat, workdays, cat.announced_on, "announced")
    cat = with_ordinal(cat, workdays, cat.legal_basis_effective_on, "effective")
    cat = with_ordinal(cat, workdays, cat.published_on, "published")
    joined = merged.join(cat, "procedure_code", how="left")
    span = put_table(con, bounds, "period_bounds")
    joined = joined.join(span, "period", how="left")
    in_period = (joined.announced_on >= joined._p_start) & (joined.announced_on < joined._p_end)
    catalogue_flags = ["full_online_eligible", "fee_bearing", "paper_result_required", "content_complete",
                       "online_available", "population_data_connected", "for_citizens"]  # fmt: skip
    return joined.mutate(
        **{f: joined[f].fill_null(False) for f in catalogue_flags},
        **{f: joined[f] > 0 for f in PROCEDURE_FLAGS},
        announced_in_period=in_period.fill_null(False),
    ).drop("_p_start", "_p_end")
