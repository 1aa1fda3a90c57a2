"""Validate a table of raw cells against a record type: valid rows in the stored schema, bad cells as rejects.

Monitoring records layer: imports the record schema and the cell converters. Validation is per row
and vectorised (pyarrow compute): a row with any bad cell is left out and every bad cell becomes one
`Reject` (source row number, column, value, reason in Vietnamese and English); the good rows come back
with exactly `schema.arrow_schema(kind)`, in source order. A problem with the whole table (a required
column missing, a column twice) raises `InvalidInput` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chiso.errors import InvalidInput, Problem
from chiso.monitoring.records.cells import (
    Checker,
    Converted,
    as_text,
    convert_bool,
    convert_enum,
    convert_int,
    convert_string,
    np_mask,
)
from chiso.monitoring.records.schema import ColumnSpec, RecordKind, RecordType, arrow_schema, record_type
from chiso.monitoring.records.times import convert_date, convert_timestamp


@dataclass(frozen=True)
class Reject:
    """One bad cell (or a bad row when `column` is None) of a source file."""

    file: str
    row: int
    column: str | None
    value: str | None
    reason_vi: str
    reason_en: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class ReadResult:
    """The good rows of one source, its rejects and file-level warnings."""

    kind: RecordKind
    source: str
    table: pa.Table
    rows_read: int
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rejected_rows: int = 0


_CONVERTERS = {
    "string": convert_string,
    "enum": convert_enum,
    "bool": convert_bool,
    "int": convert_int,
    "timestamp": convert_timestamp,
    "date": convert_date,
}


def _convert(spec: ColumnSpec, raw: pa.Array) -> Converted:
    chk = Checker(len(raw))
    if pa.types.is_nested(raw.type) or pa.types.is_binary(raw.type):
        chk.flag(
            np.ones(len(raw), bool), "Không phải giá trị đơn", "Not a single value (text, number, true/false)"
        )
        return chk.result(pa.nulls(len(raw), spec.arrow_type))
    if pa.types.is_null(raw.type):
        raw = raw.cast(pa.string())
    values = _CONVERTERS[spec.type](spec, raw, chk)
    return chk.result(values)


# ---------------------------------------------------------------------------------------------------
# one table of raw cells -> validated records


def normalise_names(names: Sequence[str]) -> list[str]:
    return [n.strip().lstrip("\ufeff").strip().lower() for n in names]


def validate_table(
    raw: pa.Table,
    kind: str,
    *,
    source: str,
    row_numbers: np.ndarray[Any, np.dtype[np.int64]] | None = None,
    rejects: list[Reject] | None = None,
    skip_blank: bool = False,
) -> ReadResult:
    """Validate a table of raw cells (any Arrow types) against the record type `kind`.

    Args:
        raw: the cells as read; column names are matched case-insensitively.
        kind: the record type.
        source: the file name (or "api") quoted in rejects.
        row_numbers: the source row number of every raw row (default 1..n).
        rejects: rejects found earlier (e.g. malformed CSV lines), kept in front.
        skip_blank: drop rows whose every cell is empty without a reject (CSV blank lines).

    Returns:
        The good rows with exactly `arrow_schema(kind)`, the rejects and the warnings.

    Raises:
        InvalidInput: when a required column is missing or a column name appears twice.
    """
    rtype = record_type(kind)
    names, warnings = _check_columns(raw.column_names, rtype, source)
    raw = raw.rename_columns(names)
    rows = np.arange(1, raw.num_rows + 1, dtype=np.int64) if row_numbers is None else np.asarray(row_numbers)
    if skip_blank:
        raw, rows = _drop_blank(raw, rtype, names, rows)
    columns, bad_row, cell_rejects = _convert_columns(raw, rtype, names, source, rows)
    out_rejects = sorted([*(rejects or []), *cell_rejects], key=lambda r: r.row)
    table = pa.Table.from_arrays(columns, schema=arrow_schema(rtype.kind).with_metadata(None))
    if bad_row.any():
        table = table.filter(pa.array(~bad_row))
    table = table.cast(arrow_schema(rtype.kind))
    earlier = len({r.row for r in rejects or []})
    return ReadResult(
        kind=rtype.kind,
        source=source,
        table=table,
        rows_read=raw.num_rows + earlier,
        rejects=out_rejects,
        warnings=warnings,
        rejected_rows=int(bad_row.sum()) + earlier,
    )


def _check_columns(columns: Sequence[str], rtype: RecordType, source: str) -> tuple[list[str], list[Problem]]:
    """Return the normalised column names and a warning per unknown column.

    Raises:
        InvalidInput: a column appears twice, or a required column is missing.
    """
    names = normalise_names(columns)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidInput(
            f"Tệp {source}: cột bị lặp: {', '.join(dupes)}",
            f"File {source}: columns appear twice: {', '.join(dupes)}; keep one of each",
            [Problem("Cột bị lặp", "Column appears twice", file=source, column=c) for c in dupes],
        )
    missing = [c.name for c in rtype.columns if c.required and c.name not in names]
    if missing:
        raise InvalidInput(
            f"Tệp {source} ({rtype.title_vi}) thiếu cột bắt buộc: {', '.join(missing)}",
            f"File {source} ({rtype.kind}) lacks required columns: {', '.join(missing)}; "
            "add them (see docs/records.md)",
            [
                Problem("Thiếu cột bắt buộc", "Required column missing", file=source, column=c)
                for c in missing
            ],
        )
    known = set(rtype.names)
    warnings = [
        Problem(
            "Cột không có trong định nghĩa, bỏ qua",
            "Column not in the record type; ignored",
            file=source,
            column=c,
        )
        for c in names
        if c not in known
    ]
    return names, warnings


def _drop_blank(
    raw: pa.Table, rtype: RecordType, names: Sequence[str], rows: np.ndarray[Any, np.dtype[np.int64]]
) -> tuple[pa.Table, np.ndarray[Any, np.dtype[np.int64]]]:
    """Drop the rows where every known cell is empty (blank lines), without a reject."""
    blank = np.ones(raw.num_rows, dtype=bool)
    for name in [c for c in rtype.names if c in names]:
        col = raw.column(name).combine_chunks()
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            blank &= ~np_mask(pc.is_valid(as_text(col)))
        else:
            blank &= ~np_mask(pc.is_valid(col))
    if not blank.any():
        return raw, rows
    return raw.filter(pa.array(~blank)), rows[~blank]


def _convert_columns(
    raw: pa.Table,
    rtype: RecordType,
    names: Sequence[str],
    source: str,
    rows: np.ndarray[Any, np.dtype[np.int64]],
) -> tuple[list[pa.Array], np.ndarray[Any, np.dtype[np.bool_]], list[Reject]]:
    """Convert every column of the record type; return the columns, the bad rows and a reject per bad cell."""
    n = raw.num_rows
    bad_row = np.zeros(n, dtype=bool)
    columns: list[pa.Array] = []
    rejects: list[Reject] = []
    for spec in rtype.columns:
        col = raw.column(spec.name).combine_chunks() if spec.name in names else pa.nulls(n, pa.string())
        conv = _convert(spec, col)
        columns.append(conv.values)
        if conv.bad.any():
            idx = np.nonzero(conv.bad)[0]
            texts = (
                pc.cast(col.take(pa.array(idx)), pa.string()) if not pa.types.is_nested(col.type) else None
            )
            values = texts.to_pylist() if texts is not None else [None] * len(idx)
            for j, i in enumerate(idx):
                rejects.append(
                    Reject(source, int(rows[i]), spec.name, values[j], conv.reason_vi[j], conv.reason_en[j])
                )
            bad_row |= conv.bad
    return columns, bad_row, rejects
