"""Convert date and date-time cells (ISO 8601 text, or typed) to stored local times and dates.

Monitoring records layer: imports the cell converters and chiso.clock. Stored timestamps are local
Vietnam time (UTC+7) without a zone: a value with an offset is moved to UTC+7, then the offset is
dropped. An implausible value rejects its row, not the batch (the store files rows by month, and a
month like 0000-01 or 10000-01 cannot be a period): an offset beyond +-14:00, a record event
(received, due, finished, handled) before 2000-01-01, a catalogue date (legal basis, announcement,
publication; laws older than 2000 still apply) before 1900-01-01, and anything after the end of next
year in the province's calendar.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chiso import clock
from chiso.monitoring.records.cells import Checker, as_text, check_required, np_mask
from chiso.monitoring.records.schema import ColumnSpec

_TS_RE = (
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)
LOCAL_OFFSET_MIN = 7 * 60
"""Vietnam is UTC+7 all year; stored timestamps are local time without a zone."""
_US_PER_MIN = 60_000_000
_US_PER_DAY = 86_400_000_000
_EPOCH = date(1970, 1, 1)
EVENTS_FROM = date(2000, 1, 1)
"""The first plausible day of a record event (a dossier or petition received, due, finished, handled)."""
CATALOGUE_FROM = date(1900, 1, 1)
"""The first plausible day of a catalogue date (a legal basis may be older than the one-stop shops)."""
_BEYOND_14H = r"[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?[+-](?:1[5-9]|[2-9]\d|14:?(?:0[1-9]|[1-5]\d))"
"""A time with a zone offset beyond +-14:00 (the per-row parser rejects it; the fast cast would not)."""


def plausible_days(spec: ColumnSpec) -> tuple[date, date]:
    """Return the first and last plausible day of a date or time column (the last: 31 December next year)."""
    first = EVENTS_FROM if spec.type == "timestamp" else CATALOGUE_FROM
    return first, date(clock.today().year + 1, 12, 31)


def _flag_implausible(
    spec: ColumnSpec,
    days: np.ndarray[Any, np.dtype[np.int64]],
    valid: np.ndarray[Any, np.dtype[np.bool_]],
    chk: Checker,
) -> None:
    """Flag the valid values whose day (days since 1970-01-01, local) is outside `plausible_days`."""
    first, last = plausible_days(spec)
    outside = valid & ((days < (first - _EPOCH).days) | (days > (last - _EPOCH).days))
    chk.flag(
        outside,
        f"Ngày ngoài khoảng hợp lý {first:%d/%m/%Y} - {last:%d/%m/%Y}",
        f"Date outside the plausible range {first}..{last}",
    )


def _field(parts: pa.StructArray, name: str) -> pa.Array:
    child = parts.field(name)
    return pc.if_else(pc.equal(child, ""), pa.scalar(None, pa.string()), child)


def _int_np(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.asarray(pc.cast(arr, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _parse_timestamps(
    text: pa.Array, chk: Checker, *, end_of_day: bool = False
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.bool_]]]:
    """Parse ISO 8601 text to local microseconds since the epoch; returns (micros, has_time)."""
    parts = pc.extract_regex(pc.fill_null(text, ""), _TS_RE)
    matched = np_mask(parts.is_valid()) & np_mask(pc.is_valid(text))
    date_text = pc.if_else(pa.array(matched), parts.field("date"), pa.scalar(None, pa.string()))
    day = pc.strptime(date_text, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2026-02-30 over to 2026-03-02: a real date formats back to itself
    real = pc.equal(pc.strftime(day, format="%Y-%m-%d"), date_text)
    bad_form = pc.is_valid(text).to_numpy(zero_copy_only=False) & ~(matched & np_mask(real))
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
    has_tz = np_mask(pc.not_equal(tz, ""))
    digits = pc.replace_substring(tz, ":", "")
    tz_h = _int_np(_field(pa.StructArray.from_arrays([pc.utf8_slice_codeunits(digits, 1, 3)], ["v"]), "v"))
    tz_m = _int_np(_field(pa.StructArray.from_arrays([pc.utf8_slice_codeunits(digits, 3, 5)], ["v"]), "v"))
    sign = np.where(np_mask(pc.starts_with(tz, "-")), -1, 1)
    offset = np.where(has_tz, sign * (tz_h * 60 + tz_m), 0)
    chk.flag((np.abs(offset) > 14 * 60) | (tz_m > 59), "Múi giờ không hợp lệ", "Not a valid time-zone offset")
    has_time = np_mask(pc.is_valid(_field(parts, "h")))
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
        if target.tz is not None and pc.any(pc.match_substring_regex(text, _BEYOND_14H)).as_py():
            return None
        micros = np.asarray(pc.cast(parsed, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), np.int64)
        micros = micros + shift
        if end_of_day:
            date_only = np_mask(pc.equal(pc.utf8_length(text), 10))
            micros = np.where(date_only, micros + _US_PER_DAY - 1_000_000, micros)
        return micros
    return None


def convert_timestamp(spec: ColumnSpec, raw: pa.Array, chk: Checker) -> pa.Array:
    n = len(raw)
    if pa.types.is_timestamp(raw.type):
        micros_arr = pc.cast(pc.cast(raw, pa.timestamp("us", tz=raw.type.tz)), pa.int64())
        micros = np.asarray(micros_arr.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        if raw.type.tz is not None:  # stored as UTC: move to Vietnam local time
            micros = micros + LOCAL_OFFSET_MIN * _US_PER_MIN
        valid = np_mask(pc.is_valid(raw))
    elif pa.types.is_date(raw.type):
        days = pc.cast(pc.cast(raw, pa.date32()), pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
        micros = np.asarray(days, dtype=np.int64) * _US_PER_DAY
        if spec.name == "due_at":
            micros = micros + _US_PER_DAY - 1_000_000
        valid = np_mask(pc.is_valid(raw))
    else:
        text = as_text(raw)
        fast = _fast_timestamps(text, end_of_day=spec.name == "due_at")
        if fast is not None:
            micros = fast
        else:
            micros, _ = _parse_timestamps(text, chk, end_of_day=spec.name == "due_at")
        valid = np_mask(pc.is_valid(text))
    _flag_implausible(spec, np.floor_divide(micros, _US_PER_DAY), valid & ~chk.bad, chk)
    keep = valid & ~chk.bad if n else valid
    values = pa.array(micros, pa.int64(), mask=~keep).cast(pa.timestamp("us"))
    return check_required(spec, values, chk)


def convert_date(spec: ColumnSpec, raw: pa.Array, chk: Checker) -> pa.Array:
    if pa.types.is_date(raw.type) or pa.types.is_timestamp(raw.type):
        if pa.types.is_timestamp(raw.type):
            raw = pc.cast(pc.cast(raw, pa.timestamp("us")), pa.date32())
        as_days = pc.cast(pc.cast(raw, pa.date32()), pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
        days = np.asarray(as_days, dtype=np.int64)
        valid = np_mask(pc.is_valid(raw))
    else:
        text = as_text(raw)
        micros, _ = _parse_timestamps(text, chk)
        days = np.floor_divide(micros, _US_PER_DAY)
        valid = np_mask(pc.is_valid(text))
    _flag_implausible(spec, days, valid & ~chk.bad, chk)
    keep = valid & ~chk.bad
    values = pa.array(days.astype(np.int32), pa.int32(), mask=~keep).cast(pa.date32())
    return check_required(spec, values, chk)
