"""Time for the whole package: now (aware, UTC), the province's zone, local display; the bottom layer.

Imports nothing from chiso. Everything stored is timezone-aware UTC; everything shown or exchanged
as JSON is in the province's zone (CHISO_TIMEZONE, default Asia/Ho_Chi_Minh), with its offset. A wall
time typed without a zone (a deadline "17:00" in a form) means that time in the province.
Tests move time with `frozen(moment)`; production code asks `now()` and never `datetime.now()`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
_frozen: list[datetime] = []


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"CHISO_TIMEZONE={name!r} is not a known time zone (e.g. {DEFAULT_ZONE})") from None


def local_zone() -> ZoneInfo:
    """Return the province's time zone (CHISO_TIMEZONE, default Asia/Ho_Chi_Minh)."""
    return _zone(os.environ.get("CHISO_TIMEZONE") or DEFAULT_ZONE)


def now() -> datetime:
    """Return the current moment, aware, in UTC (or the moment a test froze)."""
    return _frozen[-1] if _frozen else datetime.now(UTC)


def local_now() -> datetime:
    """Return the current moment in the province's zone (aware)."""
    return now().astimezone(local_zone())


def today() -> date:
    """Return today's date in the province."""
    return local_now().date()


def as_utc(moment: datetime) -> datetime:
    """Return `moment` as aware UTC; a naive value is taken as UTC (how SQLite hands stored values back)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """Return `moment` in the province's zone; a naive value is taken as UTC."""
    return as_utc(moment).astimezone(local_zone())


def from_local(moment: datetime) -> datetime:
    """Return an aware value; a naive one is a wall time in the province (what a form field holds)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=local_zone())
    return moment


def end_of_local_day(day: date) -> datetime:
    """Return 23:59:59 of `day` in the province, aware."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=local_zone())


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Freeze `now()` at `moment` (naive means province time) while the block runs; for tests and replays."""
    _frozen.append(as_utc(from_local(moment)))
    try:
        yield
    finally:
        _frozen.pop()


def _local_in_model(moment: datetime) -> datetime:
    return to_local(from_local(moment))


# A datetime field of an API model: a naive input is province time, the output carries the offset (+07:00).
LocalDatetime = Annotated[datetime, AfterValidator(_local_in_model)]


# Days and wall times as people in Vietnam type them: dd/mm/yyyy [hh:mm]; ISO is accepted too (the API,
# a browser's own date picker).
_TYPED = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2})[:h](\d{2}))?\s*$")
DAY_HINT = "dd/mm/yyyy"


def parse_day(text: str | None) -> date | None:
    """Return the day typed as dd/mm/yyyy (or yyyy-mm-dd); None when empty, not a date or with a time."""
    text = (text or "").strip()
    found = _TYPED.match(text)
    try:
        if found:
            day, month, year, hour, _ = found.groups()
            return None if hour is not None else date(int(year), int(month), int(day))
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse_wall_time(text: str | None, *, end_of_day: bool = True) -> datetime | None:
    """Return the naive wall time typed as dd/mm/yyyy [hh:mm] (or ISO); None when empty or bad.

    A day without a time means the end of the working day (17:00), when deadlines fall, or its start.
    """
    text = (text or "").strip()
    if not text:
        return None
    found = _TYPED.match(text)
    try:
        if found:
            day, month, year, hour, minute = found.groups()
            if hour is None:
                hour, minute = ("17", "00") if end_of_day else ("0", "0")
            return datetime(int(year), int(month), int(day), int(hour), int(minute))
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _typed(parse: Callable[[str], object], shape: str) -> BeforeValidator:
    """A pydantic pre-validator: blank is None, typed text is parsed, anything else passes through."""

    def before(value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        parsed = parse(value)
        if parsed is None:
            raise ValueError(f"Ngày '{value}' phải viết {shape} / write the date as {shape}")
        return parsed

    return BeforeValidator(before)


#: A date field a person types in a form: dd/mm/yyyy (or ISO).
TypedDay = Annotated[date, _typed(parse_day, DAY_HINT)]
#: A province wall time a person types: dd/mm/yyyy [hh:mm] (or ISO); a bare day means 17:00.
TypedWallTime = Annotated[datetime, _typed(parse_wall_time, f"{DAY_HINT} hh:mm")]
