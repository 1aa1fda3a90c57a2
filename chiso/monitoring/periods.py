"""Periods of attribution: parse week/month/quarter/year/range labels and split them; pure, no I/O.

Monitoring layer; imports only chiso.errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from chiso.errors import InvalidInput, Problem

PeriodKind = Literal["week", "month", "quarter", "year", "range"]


@dataclass(frozen=True)
class Period:
    """A period of attribution: dossiers and petitions received in [start, end) belong to it.

    Attributes:
        label: canonical text (``2026-08``, ``2026-W05``, ``2026-Q3``, ``2026``, ``2026-08-01..2026-08-15``).
        kind: week, month, quarter, year or range.
        start: first day (inclusive).
        end: day after the last day (exclusive).
    """

    label: str
    kind: PeriodKind
    start: date
    end: date

    @property
    def last_day(self) -> date:
        """Return the last day of the period."""
        return self.end - timedelta(days=1)

    @property
    def cutoff(self) -> datetime:
        """Return the last instant of the period (the default cut-off for still-open dossiers)."""
        return datetime.combine(self.end, time()) - timedelta(microseconds=1)


_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/|:)\s*(\d{4}-\d{2}-\d{2})$")
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})$")


def _bad_period(text: str, why_vi: str = "", why_en: str = "") -> InvalidInput:
    return InvalidInput(
        f"Kỳ '{text}' không hợp lệ{': ' + why_vi if why_vi else ''}",
        f"Invalid period '{text}'{': ' + why_en if why_en else ''}",
        [
            Problem(
                "Dùng tuần YYYY-Www, tháng YYYY-MM, quý YYYY-Qn, năm YYYY, khoảng YYYY-MM-DD..YYYY-MM-DD",
                "Use week YYYY-Www, month YYYY-MM, quarter YYYY-Qn, year YYYY, range YYYY-MM-DD..YYYY-MM-DD",
                field="period",
            )
        ],
    )


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """Parse a period: week ``YYYY-Www`` (ISO), month ``YYYY-MM``, quarter ``YYYY-Qn``, year ``YYYY``,
    a date range ``YYYY-MM-DD..YYYY-MM-DD`` (both ends included) or one day ``YYYY-MM-DD``.

    Raises:
        InvalidInput: the text is none of these, or names an impossible date.
    """
    raw = text.strip()
    try:
        if m := _YEAR.match(raw):
            y = int(m[1])
            return Period(f"{y:04d}", "year", date(y, 1, 1), date(y + 1, 1, 1))
        if m := _QUARTER.match(raw):
            y, q = int(m[1]), int(m[2])
            return Period(f"{y:04d}-Q{q}", "quarter", _month_start(y, 3 * q - 2), _month_start(y, 3 * q + 1))
        if m := _MONTH.match(raw):
            y, mo = int(m[1]), int(m[2])
            if not 1 <= mo <= 12:
                raise _bad_period(text, "tháng phải từ 01 đến 12", "month must be 01 to 12")
            return Period(f"{y:04d}-{mo:02d}", "month", _month_start(y, mo), _month_start(y, mo + 1))
        if m := _WEEK.match(raw):
            y, w = int(m[1]), int(m[2])
            start = date.fromisocalendar(y, w, 1)
            return Period(f"{y:04d}-W{w:02d}", "week", start, start + timedelta(days=7))
        if m := _RANGE.match(raw):
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if last < first:
                raise _bad_period(text, "ngày cuối trước ngày đầu", "the last day is before the first")
            return Period(f"{first}..{last}", "range", first, last + timedelta(days=1))
        if m := _DAY.match(raw):
            day = date.fromisoformat(m[1])
            return Period(f"{day}..{day}", "range", day, day + timedelta(days=1))
    except ValueError as exc:
        raise _bad_period(text, str(exc), str(exc)) from None
    raise _bad_period(text)


def bucket_of(day: date, by: PeriodKind) -> Period:
    """Return the whole week, month, quarter or year that contains ``day``."""
    if by == "week":
        y, w, _ = day.isocalendar()
        return parse_period(f"{y}-W{w:02d}")
    if by == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    if by == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if by == "year":
        return parse_period(f"{day.year}")
    raise _bad_period(by, "không chia được theo kiểu này", "cannot split by this kind")


def split_period(period: Period, by: PeriodKind | None) -> list[Period]:
    """Cut a period into consecutive weeks, months, quarters or years (clipped to the period).

    A bucket cut by the period's edge becomes a date range. ``by=None`` returns ``[period]``.
    """
    if by is None:
        return [period]
    out: list[Period] = []
    day = period.start
    while day < period.end:
        bucket = bucket_of(day, by)
        start, end = max(bucket.start, period.start), min(bucket.end, period.end)
        if (start, end) != (bucket.start, bucket.end):
            bucket = Period(f"{start}..{end - timedelta(days=1)}", "range", start, end)
        out.append(bucket)
        day = end
    return out


def check_disjoint(periods: Sequence[Period]) -> None:
    """Refuse overlapping periods (each record belongs to one period)."""
    ordered = sorted(periods, key=lambda p: p.start)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start < a.end:
            raise InvalidInput(
                f"Các kỳ {a.label} và {b.label} chồng lên nhau",
                f"Periods {a.label} and {b.label} overlap",
                [Problem("Mỗi hồ sơ chỉ thuộc một kỳ", "Each dossier belongs to one period", field="period")],
            )
