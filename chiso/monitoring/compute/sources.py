"""Prepare the sources the metrics read: raw records -> period, cut-off, working days; compute layer.

`prepare_sources` attributes dossiers and petitions to periods by the day they were received, adds
the cut-off (the period's last instant, or an earlier ``as_of``), the end of each dossier, the
working-day ordinals and the catalogue's full-online eligibility, and builds the procedure grain
(from cached per-month flags when there are some). See `chiso.monitoring.metrics.base` for the
columns of each prepared source.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from chiso.errors import InvalidInput
from chiso.monitoring.compute.backend import RecordTables, conform, empty_records, put_table
from chiso.monitoring.compute.days import period_day_table, with_ordinal, workday_table
from chiso.monitoring.compute.procedures import (
    PROCEDURE_KEYS,
    grain_from_flags,
    period_bounds,
    prepare_procedures,
    procedure_flags,
    whole_months,
)
from chiso.monitoring.periods import Period, check_disjoint


@dataclass
class PreparedSources:
    """The prepared tables of `chiso.monitoring.metrics.base` for a set of periods.

    ``dossiers`` and ``petitions`` are row-level; the ``procedures`` source is built from the
    agency x period x procedure grain of the dossiers (`procedures`), so that one grouping of the
    dossiers serves both the dossier metrics and the procedure metrics.
    """

    dossiers: ir.Table
    petitions: ir.Table
    catalogue: ir.Table
    workdays: ir.Table
    bounds: pa.Table
    """period, _p_start, _p_end of the periods (`period_bounds`)."""
    grain: ir.Table
    """agency_code, period, procedure_code and the int8 flags of `procedure_flags`."""
    con: Any = None
    ancestry: ir.Table | None = None
    """(ancestor_code, agency_code) pairs: procedures at a parent are distinct over its subtree."""
    complaints: ir.Table | None = None
    """dossier_id of every dossier a petition complains about (None when no petition names one)."""

    @property
    def period_labels(self) -> list[str]:
        return [str(label) for label in self.bounds.column("period").to_pylist()]

    def get(self, source: str) -> ir.Table:
        """Return the prepared table named ``source``."""
        if source == "procedures":
            return self.procedures()
        table: ir.Table = getattr(self, source)
        return table

    def procedures(self) -> ir.Table:
        """Return the ``procedures`` source (the procedure grain joined with the catalogue)."""
        return prepare_procedures(
            self.grain, self.catalogue, self.workdays, self.bounds, self.con, self.ancestry
        )


def _attribute(
    table: ir.Table, days: ir.Table, periods: Sequence[Period], as_of: datetime | None
) -> ir.Table:
    """Keep rows received in the periods and add ``period`` and ``cutoff``."""
    lo = datetime.combine(min(p.start for p in periods), time())
    hi = datetime.combine(max(p.end for p in periods), time())
    table = table.filter(table.received_at >= lo, table.received_at < hi)
    if len(periods) == 1:
        # one period (a month's recompute, each part file's cached counts): constants are the
        # simpler plan than a join with the period's days (no measurable CPU difference at 100M)
        (only,) = periods
        cutoff = min(only.cutoff, as_of) if as_of is not None else only.cutoff
        return table.mutate(
            period=ibis.literal(only.label, type="string"), cutoff=ibis.literal(cutoff, type="timestamp")
        )
    table = table.mutate(_rday=table.received_at.date())
    joined = table.join(days, "_rday", how="inner")
    return joined.drop("_rday")


def _complaints(petitions: ir.Table | None) -> ir.Table | None:
    """Return the distinct dossier ids petitions complain about, or None when there are none."""
    if petitions is None:
        return None
    named = petitions.filter(petitions.dossier_id.notnull())
    if int(named.count().execute()) == 0:
        return None
    return named.select(_complained_id=named.dossier_id).distinct()


def prepare_sources(
    records: RecordTables,
    periods: Sequence[Period],
    *,
    as_of: datetime | None = None,
    data_dir: Path | None = None,
    only_agencies: Collection[str] | None = None,
) -> PreparedSources:
    """Build the prepared dossiers, petitions and procedures tables for the periods.

    Args:
        records: raw record tables on one backend.
        periods: disjoint periods; rows are attributed by the day of ``received_at``.
        as_of: cut-off for still-open dossiers and petitions when earlier than a period's end
            (the live page passes "now").
        data_dir: where the province's holiday overrides live (default: CHISO_DATA_DIR).
        only_agencies: keep only these agencies' records (incremental recompute).
    """
    if not periods:
        raise InvalidInput("Chưa chọn kỳ", "No period given")
    check_disjoint(periods)
    days = put_table(records.con, period_day_table(periods, as_of), "period_days", stable=True)
    workdays = put_table(records.con, workday_table(data_dir), "workdays", stable=True)

    raw_dossiers, petitions = records.dossiers, records.petitions
    chosen_agencies: ir.Table | None = None
    if only_agencies is not None:
        # a semi-join on a small table, not an IN list: 3,300 literals cost seconds to compile
        codes = pa.table({"agency_code": pa.array(sorted(only_agencies), pa.string())})
        chosen_agencies = put_table(records.con, codes, "only_agencies")
        raw_dossiers = raw_dossiers.semi_join(chosen_agencies, "agency_code")
        if petitions is not None:
            petitions = petitions.semi_join(chosen_agencies, "agency_code")
    attributed = _attribute(raw_dossiers, days, periods, as_of)
    d = attributed
    still_open = d.finished_at.isnull() | (d.finished_at > d.cutoff)
    d = d.mutate(is_finished=~still_open, end_at=still_open.ifelse(d.cutoff, d.finished_at))
    d = with_ordinal(d, workdays, d.end_at.date(), "end", working=True)
    d = with_ordinal(d, workdays, d.due_at.date(), "due")

    if petitions is None:
        petitions = conform(put_table(records.con, empty_records("petitions"), "petitions"), "petitions")
    p = _attribute(petitions, days, periods, as_of)
    complaints = _complaints(records.petitions)

    catalogue = records.procedures
    if catalogue is None:
        # named by content: the compiled SQL keys the count cache
        empty = put_table(records.con, empty_records("procedures"), "procedures", stable=True)
        catalogue = conform(empty, "procedures")
    eligible = catalogue.select(
        _elig_code=catalogue.procedure_code, full_online_eligible=catalogue.full_online_eligible
    )
    d = d.join(eligible, d.procedure_code == eligible._elig_code, how="left").drop("_elig_code")
    d = d.mutate(full_online_eligible=d.full_online_eligible.fill_null(False))
    if records.procedure_flags is not None and whole_months(periods):
        # per-month flags kept beside the part files (see `procedure_flag_files`): no regrouping
        flags = records.procedure_flags
        if chosen_agencies is not None:
            flags = flags.semi_join(chosen_agencies, "agency_code")
        grain = grain_from_flags(flags, periods, records.con, records.flag_months_of_one_file)
    else:
        # the procedure grain needs no working days: build it from the attributed rows (fewer joins)
        grain = attributed.group_by(list(PROCEDURE_KEYS)).aggregate(**procedure_flags(attributed))
    return PreparedSources(dossiers=d, petitions=p, catalogue=catalogue, workdays=workdays,
                           bounds=period_bounds(periods), grain=grain, con=records.con,
                           complaints=complaints)  # fmt: skip
