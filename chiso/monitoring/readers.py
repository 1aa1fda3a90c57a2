"""Read record files (CSV, JSON lines, Parquet) and API payloads into validated Arrow tables; no DB, no web.

Validation is per row and vectorised (pyarrow compute): a row with any bad cell is left out and every
bad cell becomes one `Reject` (source row number, column, value, reason in Vietnamese and English);
the good rows come back as a table with exactly `records.arrow_schema(kind)`, in source order. A
problem with the whole file (unreadable, unknown format, a required column missing) raises
`InvalidInput` instead, and nothing of that file is used.

Row numbers: CSV counts records as a spreadsheet shows them (the header is row 1, the first record
row 2); JSON lines count lines (the first line is 1); Parquet and API batches count records from 1.
"""

from __future__ import annotations

import csv as pycsv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyarrow import csv as pacsv

from chiso.errors import InvalidInput, Problem
from chiso.monitoring.records import (
    ColumnSpec,
    RecordKind,
    RecordType,
    arrow_schema,
    guess_kind,
    record_type,
)

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}

_TRUE = ("true", "1", "yes", "y", "t", "x", "có", "co")
_FALSE = ("false", "0", "no", "n", "f", "không", "khong")
_NULL_ENUM = ("", "empty", "none", "null")
_TS_RE = (
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)
_INT_RE = r"^[+-]?\d{1,9}(?:\.0*)?$"
LOCAL_OFFSET_MIN = 7 * 60
"""Vietnam is UTC+7 all year; stored timestamps are local time without a zone."""
_US_PER_MIN = 60_000_000
_US_PER_DAY = 86_400_000_000


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
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason_vi": self.reason_vi,
            "reason_en": self.reason_en,
        }


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


# ---------------------------------------------------------------------------------------------------
# column conversion


@dataclass
class _Converted:
    values: pa.Array
    bad: np.ndarray[Any, np.dtype[np.bool_]]
    reason_vi: list[str]
    reason_en: list[str]
    """One reason per bad row, in the order of np.nonzero(bad)."""


def _as_text(arr: pa.Array) -> pa.Array:
    """Return the cells as trimmed strings, empty -> null."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    text = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _np_mask(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _reasons(bad: np.ndarray[Any, np.dtype[np.bool_]], vi: str, en: str) -> tuple[list[str], list[str]]:
    n = int(bad.sum())
    return [vi] * n, [en] * n


class _Checker:
    """Accumulate bad rows of one column with the first reason found for each."""

    def __init__(self, n: int) -> None:
        self.bad = np.zeros(n, dtype=bool)
        self.vi = np.empty(n, dtype=object)
        self.en = np.empty(n, dtype=object)

    def flag(self, mask: np.ndarray[Any, np.dtype[np.bool_]], vi: str, en: str) -> None:
        new = mask & ~self.bad
        self.vi[new] = vi
        self.en[new] = en
        self.bad |= new

    def result(self, values: pa.Array) -> _Converted:
        idx = np.nonzero(self.bad)[0]
        return _Converted(values, self.bad, list(self.vi[idx]), list(self.en[idx]))


def _check_required(spec: ColumnSpec, values: pa.Array, chk: _Checker) -> pa.Array:
    nulls = _np_mask(pc.is_null(values))
    if spec.required:
        chk.flag(nulls, "Thiếu giá trị bắt buộc", "A required value is missing")
    elif spec.default is not None and nulls.any():
        values = values.fill_null(pa.scalar(spec.default, spec.arrow_type))
    return values


def _convert_string(spec: ColumnSpec, raw: pa.Array, chk: _Checker) -> pa.Array:
    text = _as_text(raw)
    too_long = _np_mask(pc.greater(pc.utf8_length(text), spec.max_length))
    chk.flag(
        too_long,
        f"Dài quá {spec.max_length} ký tự",
        f"Longer than {spec.max_length} characters",
    )
    return _check_required(spec, text, chk)


def _convert_enum(spec: ColumnSpec, raw: pa.Array, chk: _Checker) -> pa.Array:
    text = pc.utf8_lower(_as_text(raw))
    if not spec.required:
        text = pc.if_else(pc.is_in(text, pa.array(_NULL_ENUM)), pa.scalar(None, pa.string()), text)
    allowed = ", ".join(spec.allowed)
    bad = _np_mask(pc.and_(pc.is_valid(text), pc.invert(pc.is_in(text, pa.array(spec.allowed)))))
    chk.flag(
        bad, f"Giá trị không hợp lệ; cho phép: {allowed}", f"Not an allowed value; expected one of {allowed}"
    )
    return _check_required(spec, text, chk)


def _convert_bool(spec: ColumnSpec, raw: pa.Array, chk: _Checker) -> pa.Array:
    if pa.types.is_boolean(raw.type):
        return _check_required(spec, raw, chk)
    text = pc.utf8_lower(_as_text(raw))
    is_true = pc.is_in(text, pa.array(_TRUE))
    is_false = pc.is_in(text, pa.array(_FALSE))
    bad = _np_mask(pc.and_(pc.is_valid(text), pc.invert(pc.or_(is_true, is_false))))
    chk.flag(bad, "Không phải đúng/sai (true/false, 1/0)", "Not a boolean; expected true/false or 1/0")
    values = pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), is_true)
    return _check_required(spec, values, chk)


def _convert_int(spec: ColumnSpec, raw: pa.Array, chk: _Checker) -> pa.Array:
    if pa.types.is_integer(raw.type):
        ints = pc.cast(raw, pa.int64())
    else:
        text = _as_text(raw)
        ok = pc.match_substring_regex(text, _INT_RE)
        chk.flag(_np_mask(pc.invert(ok)), "Không phải số nguyên", "Not a whole number")
        digits = pc.if_else(ok, pc.replace_substring_regex(text, r"\.0*$", ""), pa.scalar(None, pa.string()))
        ints = pc.cast(digits, pa.int64())
    if spec.allowed:
        allowed = pa.array([int(v) for v in spec.allowed], pa.int64())
        bad = _np_mask(pc.and_(pc.is_valid(ints), pc.invert(pc.is_in(ints, allowed))))
        chk.flag(
            bad,
            f"Giá trị không hợp lệ; cho phép: {', '.join(spec.allowed)}",
            f"Not an allowed value; expected one of {', '.join(spec.allowed)}",
        )
    else:
        lo = spec.min_value if spec.min_value is not None else -(2**31)
        hi = spec.max_value if spec.max_value is not None else 2**31 - 1
        bad = _np_mask(pc.or_(pc.less(ints, lo), pc.greater(ints, hi)))
        chk.flag(bad, f"Ngoài khoảng {lo}..{hi}", f"Out of range {lo}..{hi}")
    ints = pc.if_else(pa.array(chk.bad), pa.scalar(None, pa.int64()), ints)
    return _check_required(spec, pc.cast(ints, spec.arrow_type), chk)


def _field(parts: pa.StructArray, name: str) -> pa.Array:
    child = parts.field(name)
    return pc.if_else(pc.equal(child, ""), pa.scalar(None, pa.string()), child)


def _int_np(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.asarray(pc.cast(arr, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _parse_timestamps(
    text: pa.Array, chk: _Checker, *, end_of_day: bool = False
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.bool_]]]:
    """Parse ISO 8601 text to local microseconds since the epoch; returns (micros, has_time)."""
    parts = pc.extract_regex(pc.fill_null(text, ""), _TS_RE)
    matched = _np_mask(parts.is_valid()) & _np_mask(pc.is_valid(text))
    date_text = pc.if_else(pa.array(matched), parts.field("date"), pa.scalar(None, pa.string()))
    day = pc.strptime(date_text, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2026-02-30 over to 2026-03-02: a real date formats back to itself
    real = pc.equal(pc.strftime(day, format="%Y-%m-%d"), date_text)
    bad_form = pc.is_valid(text).to_numpy(zero_copy_only=False) & ~(matched & _np_mask(real))
    chk.flag(
        np.asarray(bad_form, dtype=bool),
        "Không phải ngày giờ ISO 8601 (vd 2026-08-03T14:30:00+07:00)",
        "Not an ISO 8601 date-time (e.g. 2026-08-03T14:30:00+07:00)",
    )
    h = _int_np(_field(parts, "h"))
    mi = _int_np(_field(parts, "mi"))
    s = _int_np(_field(parts, "s"))
    frac = pc.utf8_rpad(pc.utf8_slice_codeunits(parts.field("f"), 0, 6), width=6, padding="0")
    micro = _int_np(_field(pa.StructArray.from_arrays([frac], names=["f"]), "f"))
    chk.flag((h > 23) | (mi > 59) | (s > 59), "Giờ không hợp lệ", "Not a valid time of day")
    tz = pc.fill_null(parts.field("tz"), "")
    has_tz = _np_mask(pc.not_equal(tz, ""))
    digits = pc.replace_substring(tz, ":", "")
    tz_h = _int_np(_field(pa.StructArray.from_arrays([pc.utf8_slice_codeunits(digits, 1, 3)], ["v"]), "v"))
    tz_m = _int_np(_field(pa.StructArray.from_arrays([pc.utf8_slice_codeunits(digits, 3, 5)], ["v"]), "v"))
    sign = np.where(_np_mask(pc.starts_with(tz, "-")), -1, 1)
    offset = np.where(has_tz, sign * (tz_h * 60 + tz_m), 0)
    chk.flag((np.abs(offset) > 14 * 60) | (tz_m > 59), "Múi giờ không hợp lệ", "Not a valid time-zone offset")
    has_time = _np_mask(pc.is_valid(_field(parts, "h")))
    secs = np.asarray(pc.cast(day, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    micros = secs * 1_000_000 + ((h * 60 + mi) * 60 + s) * 1_000_000 + micro
    micros = micros + np.where(has_tz, (LOCAL_OFFSET_MIN - offset) * _US_PER_MIN, 0)
    if end_of_day:
        micros = np.where(has_time, micros, micros + _US_PER_DAY - 1_000_000)
    return micros, has_time


def _fast_timestamps(text: pa.Array, *, end_of_day: bool) -> np.ndarray[Any, np.dtype[np.int64]] | None:
    """Parse a column whose values all share one form (all naive, or all with an offset) in one C++ pass.

    Returns None when the column mixes forms or has a bad value; the per-row parser then says which.
    """
    for target, shift in (
        (pa.timestamp("us"), 0),
        (pa.timestamp("us", tz="UTC"), LOCAL_OFFSET_MIN * _US_PER_MIN),
    ):
        try:
            parsed = pc.cast(text, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        micros = np.asarray(pc.cast(parsed, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), np.int64)
        micros = micros + shift
        if end_of_day:
            date_only = _np_mask(pc.equal(pc.utf8_length(text), 10))
            micros = np.where(date_only, micros + _US_PER_DAY - 1_000_000, micros)
        return micros
    return None


def _convert_timestamp(spec: ColumnSpec, raw: pa.Array, chk: _Checker) -> pa.Array:
    n = len(raw)
    if pa.types.is_timestamp(raw.type):
        micros_arr = pc.cast(pc.cast(raw, pa.timestamp("us", tz=raw.type.tz)), pa.int64())
        micros = np.asarray(micros_arr.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        if raw.type.tz is not None:  # stored as UTC: move to Vietnam local time
            micros = micros + LOCAL_OFFSET_MIN * _US_PER_MIN
        valid = _np_mask(pc.is_valid(raw))
    elif pa.types.is_date(raw.type):
        days = pc.cast(pc.cast(raw, pa.date32()), pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
        micros = np.asarray(days, dtype=np.int64) * _US_PER_DAY
        if spec.name == "due_at":
            micros = micros + _US_PER_DAY - 1_000_000
        valid = _np_mask(pc.is_valid(raw))
    else:
        text = _as_text(raw)
        fast = _fast_timestamps(text, end_of_day=spec.name == "due_at")
        if fast is not None:
            micros = fast
        else:
            micros, _ = _parse_timestamps(text, chk, end_of_day=spec.name == "due_at")
        valid = _np_mask(pc.is_valid(text))
    keep = valid & ~chk.bad if n else valid
    values = pa.array(micros, pa.int64(), mask=~keep).cast(pa.timestamp("us"))
    return _check_required(spec, values, chk)


def _convert_date(spec: ColumnSpec, raw: pa.Array, chk: _Checker) -> pa.Array:
    if pa.types.is_date(raw.type):
        return _check_required(spec, pc.cast(raw, pa.date32()), chk)
    if pa.types.is_timestamp(raw.type):
        values = pc.cast(pc.cast(raw, pa.timestamp("us")), pa.date32())
        return _check_required(spec, values, chk)
    text = _as_text(raw)
    micros, _ = _parse_timestamps(text, chk)
    keep = _np_mask(pc.is_valid(text)) & ~chk.bad
    days = np.floor_divide(micros, _US_PER_DAY).astype(np.int32)
    values = pa.array(days, pa.int32(), mask=~keep).cast(pa.date32())
    return _check_required(spec, values, chk)


_CONVERTERS = {
    "string": _convert_string,
    "enum": _convert_enum,
    "bool": _convert_bool,
    "int": _convert_int,
    "timestamp": _convert_timestamp,
    "date": _convert_date,
}


def _convert(spec: ColumnSpec, raw: pa.Array) -> _Converted:
    chk = _Checker(len(raw))
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


def _normalise_names(names: Sequence[str]) -> list[str]:
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
    names = _normalise_names(raw.column_names)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidInput(
            f"Tệp {source}: cột bị lặp: {', '.join(dupes)}",
            f"File {source}: columns appear twice: {', '.join(dupes)}; keep one of each",
            [Problem("Cột bị lặp", "Column appears twice", file=source, column=c) for c in dupes],
        )
    raw = raw.rename_columns(names)
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
    n = raw.num_rows
    rows = np.arange(1, n + 1, dtype=np.int64) if row_numbers is None else np.asarray(row_numbers)
    out_rejects = list(rejects or [])
    # drop rows where every known cell is empty (blank lines)
    present = [c for c in rtype.names if c in names]
    blank = np.full(n, skip_blank, dtype=bool)
    for name in present if skip_blank else []:
        col = raw.column(name).combine_chunks()
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            blank &= ~_np_mask(pc.is_valid(_as_text(col)))
        else:
            blank &= ~_np_mask(pc.is_valid(col))
    if blank.any():
        raw = raw.filter(pa.array(~blank))
        rows = rows[~blank]
        n = raw.num_rows
    bad_row = np.zeros(n, dtype=bool)
    columns: list[pa.Array] = []
    cell_rejects: list[tuple[np.ndarray[Any, np.dtype[np.int64]], str, list[str], list[str], pa.Array]] = []
    for spec in rtype.columns:
        if spec.name in names:
            col = raw.column(spec.name).combine_chunks()
        else:
            col = pa.nulls(n, pa.string())
        conv = _convert(spec, col)
        columns.append(conv.values)
        if conv.bad.any():
            idx = np.nonzero(conv.bad)[0]
            cell_rejects.append((idx, spec.name, conv.reason_vi, conv.reason_en, col))
            bad_row |= conv.bad
    for idx, name, vi, en, col in cell_rejects:
        texts = pc.cast(col.take(pa.array(idx)), pa.string()) if not pa.types.is_nested(col.type) else None
        values = texts.to_pylist() if texts is not None else [None] * len(idx)
        for j, i in enumerate(idx):
            out_rejects.append(Reject(source, int(rows[i]), name, values[j], vi[j], en[j]))
    out_rejects.sort(key=lambda r: r.row)
    table = pa.Table.from_arrays(columns, schema=arrow_schema(rtype.kind).with_metadata(None))
    if bad_row.any():
        table = table.filter(pa.array(~bad_row))
    table = table.cast(arrow_schema(rtype.kind))
    rejected_rows = int(bad_row.sum()) + len({r.row for r in rejects or []})
    return ReadResult(
        kind=rtype.kind,
        source=source,
        table=table,
        rows_read=n + len({r.row for r in rejects or []}),
        rejects=out_rejects,
        warnings=warnings,
        rejected_rows=rejected_rows,
    )


# ---------------------------------------------------------------------------------------------------
# sources


def _file_error(path: Path, exc: Exception | str) -> InvalidInput:
    reason = exc if isinstance(exc, str) else str(exc).splitlines()[0]
    return InvalidInput(
        f"Không đọc được tệp {path.name}: {reason}",
        f"Cannot read the file {path.name}: {reason}",
        [Problem("Tệp không đọc được", f"Unreadable file: {reason}", file=path.name)],
    )


def detect_format(path: Path) -> str:
    """Return "csv", "jsonl" or "parquet" from the file's extension.

    Raises:
        InvalidInput: when the extension is none of .csv, .tsv, .jsonl, .ndjson, .json, .parquet.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"Không nhận ra định dạng tệp {path.name}; dùng .csv, .jsonl hoặc .parquet",
            f"Unknown file format {path.name}; use .csv, .jsonl or .parquet",
            [Problem("Định dạng không hỗ trợ", "Unsupported format", file=path.name)],
        )
    return fmt


def _resolve_kind(kind: str | None, columns: list[str], path: Path) -> RecordType:
    if kind is not None:
        try:
            return record_type(kind)
        except KeyError:
            raise InvalidInput(
                f"Loại bản ghi không hợp lệ: {kind}; dùng dossiers, procedures hoặc petitions",
                f"Unknown record kind {kind!r}; use dossiers, procedures or petitions",
            ) from None
    guessed = guess_kind(_normalise_names(columns))
    if guessed is None:
        raise InvalidInput(
            f"Không xác định được loại bản ghi của {path.name}; thêm --kind",
            f"Cannot tell which records {path.name} holds (no dossier_id, petition_id or procedure_code "
            "column); pass --kind",
            [Problem("Không rõ loại bản ghi", "Unknown record kind", file=path.name)],
        )
    return record_type(guessed)


def read_csv(path: Path, *, kind: str | None = None) -> ReadResult:
    """Read and validate a CSV file (UTF-8, optional BOM; comma, semicolon or tab separated)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header_line = fh.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_error(path, exc) from exc
    if not header_line.strip():
        raise _file_error(path, "tệp rỗng / empty file")
    delimiter = (
        "\t" if "\t" in header_line else (";" if header_line.count(";") > header_line.count(",") else ",")
    )
    header = next(pycsv.reader(io.StringIO(header_line), delimiter=delimiter))
    rtype = _resolve_kind(kind, header, path)
    bad_lines: list[tuple[int, str, int, int]] = []

    def on_invalid(row: Any) -> str:
        if row.text.strip():
            bad_lines.append((int(row.number or 0), row.text, row.expected_columns, row.actual_columns))
        else:
            bad_lines.append((int(row.number or 0), "", 0, 0))
        return "skip"

    try:
        raw = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise _file_error(path, exc) from exc
    skipped = np.asarray(sorted(n for n, *_ in bad_lines), dtype=np.int64)
    rows = np.setdiff1d(np.arange(2, raw.num_rows + len(skipped) + 2, dtype=np.int64), skipped)[
        : raw.num_rows
    ]
    line_rejects = [
        Reject(
            path.name,
            number,
            None,
            text[:200],
            f"Sai số cột: cần {expected}, có {actual}",
            f"Wrong number of columns: expected {expected}, got {actual}",
        )
        for number, text, expected, actual in bad_lines
        if text
    ]
    return validate_table(
        raw, rtype.kind, source=path.name, row_numbers=rows, rejects=line_rejects, skip_blank=True
    )


def _cell_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _NOT_SCALAR


class _NotScalar:
    pass


_NOT_SCALAR = _NotScalar()


def validate_records(
    records: Sequence[Any],
    kind: str,
    *,
    source: str = "api",
    row_numbers: Sequence[int] | None = None,
) -> ReadResult:
    """Validate a list of JSON objects (an API batch or parsed JSON lines) against the record type `kind`.

    A record that is not an object, or has a list/object as a value, is rejected as a whole.
    """
    rtype = record_type(kind)
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(records) + 1))
    pre: list[Reject] = []
    good_rows: list[int] = []
    cells: dict[str, list[Any]] = {}
    for pos, rec in enumerate(records):
        if not isinstance(rec, dict):
            pre.append(
                Reject(
                    source,
                    numbers[pos],
                    None,
                    str(rec)[:200],
                    "Không phải đối tượng JSON",
                    "Not a JSON object",
                )
            )
            continue
        row = {str(k).strip().lower(): _cell_text(v) for k, v in rec.items()}
        nested = [k for k, v in row.items() if v is _NOT_SCALAR]
        if nested:
            for name in nested:
                value = json.dumps(rec.get(name), ensure_ascii=False, default=str)[:200]
                pre.append(
                    Reject(
                        source,
                        numbers[pos],
                        name,
                        value,
                        "Không phải giá trị đơn",
                        "Not a single value (text, number, true/false)",
                    )
                )
            continue
        for name in row:
            if name not in cells:
                cells[name] = [None] * len(good_rows)
        for name, column in cells.items():
            column.append(row.get(name))
        good_rows.append(numbers[pos])
    for name in rtype.names:  # a key absent from an object is an empty cell, not a missing column
        cells.setdefault(name, [None] * len(good_rows))
    raw = pa.table({name: pa.array(values, pa.string()) for name, values in cells.items()})
    return validate_table(
        raw, rtype.kind, source=source, row_numbers=np.asarray(good_rows, dtype=np.int64), rejects=pre
    )


def read_jsonl(path: Path, *, kind: str | None = None) -> ReadResult:
    """Read and validate a JSON-lines file (one JSON object per line; a `.json` array is accepted too)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_error(path, exc) from exc
    records: list[Any] = []
    numbers: list[int] = []
    bad: list[Reject] = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _file_error(path, exc) from exc
        records = list(data)
        numbers = list(range(1, len(records) + 1))
    else:
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
                numbers.append(lineno)
            except json.JSONDecodeError as exc:
                bad.append(
                    Reject(
                        path.name,
                        lineno,
                        None,
                        line[:200],
                        f"JSON không hợp lệ: {exc.msg}",
                        f"Invalid JSON: {exc.msg}",
                    )
                )
    columns = sorted({str(k) for r in records[:1000] if isinstance(r, dict) for k in r})
    rtype = _resolve_kind(kind, columns, path)
    result = validate_records(records, rtype.kind, source=path.name, row_numbers=numbers)
    if bad:
        result.rejects = sorted(result.rejects + bad, key=lambda r: r.row)
        result.rejected_rows += len(bad)
        result.rows_read += len(bad)
    return result


def read_parquet(path: Path, *, kind: str | None = None) -> ReadResult:
    """Read and validate a Parquet file (typed columns are used as they are; text is parsed)."""
    try:
        raw = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _file_error(path, exc) from exc
    rtype = _resolve_kind(kind, raw.column_names, path)
    return validate_table(raw, rtype.kind, source=path.name)


def read_file(path: Path, *, kind: str | None = None) -> ReadResult:
    """Read and validate one record file, choosing the reader from its extension.

    Args:
        path: a .csv/.tsv, .jsonl/.ndjson/.json or .parquet file.
        kind: the record type; guessed from the key column when None.

    Raises:
        InvalidInput: the file is unreadable, of unknown format or kind, or lacks a required column.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(
            f"Không tìm thấy tệp {path}",
            f"File not found: {path}",
            [Problem("Không tìm thấy tệp", "File not found", file=str(path))],
        )
    fmt = detect_format(path)
    if fmt == "csv":
        return read_csv(path, kind=kind)
    if fmt == "jsonl":
        return read_jsonl(path, kind=kind)
    return read_parquet(path, kind=kind)


REJECT_COLUMNS = ("file", "row", "column", "value", "reason_vi", "reason_en")


def write_rejects(rejects: Sequence[Reject], path: Path) -> Path:
    """Write rejects as a CSV (UTF-8 with BOM so Excel shows Vietnamese) with REJECT_COLUMNS."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = pycsv.writer(fh)
        writer.writerow(REJECT_COLUMNS)
        for r in rejects:
            writer.writerow([r.file, r.row, r.column or "", r.value or "", r.reason_vi, r.reason_en])
    return path
