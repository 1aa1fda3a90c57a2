"""Period keys of the catalogue: "2026-03" (month), "2026-Q1" (quarter), "2026" (year).

Indicators room; imports nothing of chiso but errors. Keys sort as text in time order within a type,
so a period range is a text range in SQL and in the columnar cube.
"""

from __future__ import annotations

import re
from datetime import date

from chiso.errors import InvalidInput, Problem

_PATTERNS = {
    "month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "year": re.compile(r"^(\d{4})$"),
}
PERIOD_NAMES_VI = {"month": "tháng", "quarter": "quý", "year": "năm"}


def period_type_of(key: str) -> str:
    """Return "month", "quarter" or "year" for a period key.

    Raises:
        InvalidInput: the key is none of the three shapes.
    """
    for kind, pattern in _PATTERNS.items():
        if pattern.match(key):
            return kind
    vi = f"Kỳ '{key}' không hợp lệ: dùng 2026-03 (tháng), 2026-Q1 (quý) hoặc 2026 (năm)"
    en = f"Period '{key}' is not valid: use 2026-03 (month), 2026-Q1 (quarter) or 2026 (year)"
    raise InvalidInput(vi, en, [Problem(vi, en, field="period")])


def check_period(key: str, period_type: str) -> str:
    """Return the key when it is a period of `period_type`, else raise InvalidInput."""
    kind = period_type_of(key)
    if kind != period_type:
        vi = (
            f"Kỳ '{key}' là {PERIOD_NAMES_VI[kind]}, chỉ tiêu này báo cáo theo {PERIOD_NAMES_VI[period_type]}"
        )
        en = f"Period '{key}' is a {kind}; this indicator is reported per {period_type}"
        raise InvalidInput(vi, en, [Problem(vi, en, field="period")])
    return key


def period_of(day: date, period_type: str) -> str:
    """Return the key of the period of `period_type` that contains `day`."""
    if period_type == "month":
        return f"{day.year}-{day.month:02d}"
    if period_type == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def _index(key: str) -> tuple[str, int]:
    kind = period_type_of(key)
    year = int(key[:4])
    if kind == "month":
        return kind, year * 12 + int(key[5:]) - 1
    if kind == "quarter":
        return kind, year * 4 + int(key[6:]) - 1
    return kind, year


def _key(kind: str, index: int) -> str:
    if kind == "month":
        return f"{index // 12}-{index % 12 + 1:02d}"
    if kind == "quarter":
        return f"{index // 4}-Q{index % 4 + 1}"
    return str(index)


def shift(key: str, steps: int) -> str:
    """Return the period `steps` periods after `key` (before it when negative)."""
    kind, index = _index(key)
    return _key(kind, index + steps)


def previous(key: str) -> str:
    """Return the period before `key` ("2026-Q1" -> "2025-Q4")."""
    return shift(key, -1)


def span(first: str, last: str) -> list[str]:
    """List the periods from `first` to `last` inclusive (same type; empty when last < first)."""
    kind, start = _index(first)
    kind_last, end = _index(last)
    if kind != kind_last:
        raise InvalidInput(
            f"Kỳ {first} và {last} khác loại", f"Periods {first} and {last} are of different types"
        )
    return [_key(kind, i) for i in range(start, end + 1)]


def year_of(key: str) -> int:
    """Return the year a period key belongs to."""
    return int(key[:4])


def label_vi(key: str) -> str:
    """Return a period as a Vietnamese reader writes it: "T3/2026", "Q1/2026", "2026"."""
    kind = period_type_of(key)
    if kind == "month":
        return f"T{int(key[5:])}/{key[:4]}"
    if kind == "quarter":
        return f"Q{key[6:]}/{key[:4]}"
    return key
