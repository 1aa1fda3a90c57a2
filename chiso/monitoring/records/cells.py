"""Convert one column of raw cells (text, numbers, booleans) to its stored type, flagging bad cells.

Monitoring records layer: imports pyarrow, numpy and the record schema only. Every converter takes
the column's spec, the raw cells and a `Checker` that keeps the first reason each bad row was found
with; a bad cell becomes null and its row is left out by `chiso.monitoring.records.validate`.
Dates and times are converted in `chiso.monitoring.records.times`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chiso.monitoring.records.schema import ColumnSpec

TRUE_TEXTS = ("true", "1", "yes", "y", "t", "x", "có", "co")
FALSE_TEXTS = ("false", "0", "no", "n", "f", "không", "khong")
NULL_ENUM_TEXTS = ("", "empty", "none", "null")
_INT_RE = r"^[+-]?\d{1,9}(?:\.0*)?$"


@dataclass
class Converted:
    """A converted column: its values, which rows are bad and one reason per bad row."""

    values: pa.Array
    bad: np.ndarray[Any, np.dtype[np.bool_]]
    reason_vi: list[str]
    reason_en: list[str]
    """One reason per bad row, in the order of np.nonzero(bad)."""


def as_text(arr: pa.Array) -> pa.Array:
    """Return the cells as trimmed strings, empty -> null."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    text = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def np_mask(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


class Checker:
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

    def result(self, values: pa.Array) -> Converted:
        idx = np.nonzero(self.bad)[0]
        return Converted(values, self.bad, list(self.vi[idx]), list(self.en[idx]))


def check_required(spec: ColumnSpec, values: pa.Array, chk: Checker) -> pa.Array:
    nulls = np_mask(pc.is_null(values))
    if spec.required:
        chk.flag(nulls, "Thiếu giá trị bắt buộc", "A required value is missing")
    elif spec.default is not None and nulls.any():
        values = values.fill_null(pa.scalar(spec.default, spec.arrow_type))
    return values


def convert_string(spec: ColumnSpec, raw: pa.Array, chk: Checker) -> pa.Array:
    text = as_text(raw)
    too_long = np_mask(pc.greater(pc.utf8_length(text), spec.max_length))
    chk.flag(
        too_long,
        f"Dài quá {spec.max_length} ký tự",
        f"Longer than {spec.max_length} characters",
    )
    return check_required(spec, text, chk)


def convert_enum(spec: ColumnSpec, raw: pa.Array, chk: Checker) -> pa.Array:
    text = pc.utf8_lower(as_text(raw))
    if not spec.required:
        text = pc.if_else(pc.is_in(text, pa.array(NULL_ENUM_TEXTS)), pa.scalar(None, pa.string()), text)
    allowed = ", ".join(spec.allowed)
    bad = np_mask(pc.and_(pc.is_valid(text), pc.invert(pc.is_in(text, pa.array(spec.allowed)))))
    chk.flag(
        bad, f"Giá trị không hợp lệ; cho phép: {allowed}", f"Not an allowed value; expected one of {allowed}"
    )
    return check_required(spec, text, chk)


def convert_bool(spec: ColumnSpec, raw: pa.Array, chk: Checker) -> pa.Array:
    if pa.types.is_boolean(raw.type):
        return check_required(spec, raw, chk)
    text = pc.utf8_lower(as_text(raw))
    is_true = pc.is_in(text, pa.array(TRUE_TEXTS))
    is_false = pc.is_in(text, pa.array(FALSE_TEXTS))
    bad = np_mask(pc.and_(pc.is_valid(text), pc.invert(pc.or_(is_true, is_false))))
    chk.flag(bad, "Không phải đúng/sai (true/false, 1/0)", "Not a boolean; expected true/false or 1/0")
    values = pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), is_true)
    return check_required(spec, values, chk)


def convert_int(spec: ColumnSpec, raw: pa.Array, chk: Checker) -> pa.Array:
    if pa.types.is_integer(raw.type):
        ints = pc.cast(raw, pa.int64())
    else:
        text = as_text(raw)
        ok = pc.match_substring_regex(text, _INT_RE)
        chk.flag(np_mask(pc.invert(ok)), "Không phải số nguyên", "Not a whole number")
        digits = pc.if_else(ok, pc.replace_substring_regex(text, r"\.0*$", ""), pa.scalar(None, pa.string()))
        ints = pc.cast(digits, pa.int64())
    if spec.allowed:
        allowed = pa.array([int(v) for v in spec.allowed], pa.int64())
        bad = np_mask(pc.and_(pc.is_valid(ints), pc.invert(pc.is_in(ints, allowed))))
        chk.flag(
            bad,
            f"Giá trị không hợp lệ; cho phép: {', '.join(spec.allowed)}",
            f"Not an allowed value; expected one of {', '.join(spec.allowed)}",
        )
    else:
        lo = spec.min_value if spec.min_value is not None else -(2**31)
        hi = spec.max_value if spec.max_value is not None else 2**31 - 1
        bad = np_mask(pc.or_(pc.less(ints, lo), pc.greater(ints, hi)))
        chk.flag(bad, f"Ngoài khoảng {lo}..{hi}", f"Out of range {lo}..{hi}")
    ints = pc.if_else(pa.array(chk.bad), pa.scalar(None, pa.int64()), ints)
    return check_required(spec, pc.cast(ints, spec.arrow_type), chk)
