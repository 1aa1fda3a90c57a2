"""Vietnamese working-day calendar (weekends, public holidays incl. Tết); reads YAML data, no DB, no web.

Working days are Monday to Friday except public holidays and the days off the government grants in
exchange (compensation, swaps), plus the Saturdays worked in exchange. The days per year come from:

1. `<data_dir>/calendar/holidays.yaml` when it lists the year (the province's own, official list);
2. the bundled `data/vn_holidays.yaml` (2020-2035; `source: official` for the years copied from the
   government's announcements, `source: rule` for the years computed with the rule below);
3. otherwise the rule of the Labour Code 2019, art. 112: 1 January; Tết (the last day of the lunar year
   and the first four days of the new year); Hùng Kings' day (10th day of the 3rd lunar month);
   30 April; 1 May; 2 September and the day next to it; a holiday on a weekend is compensated on the
   next working day. Lunar dates use Hồ Ngọc Đức's algorithm at UTC+7.

All functions are vectorised over numpy `datetime64` arrays (any unit; the day is used) and cover
2000-01-01 to 2050-12-31. Override file format (a year listed there replaces the built-in days)::

    2026:
      days_off: [2026-02-16, 2026-02-17, 2026-02-18, 2026-02-19, 2026-02-20]   # weekdays off
      working_days: []                                                        # weekend days worked
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from chiso.config import get_settings
from chiso.errors import InvalidInput, Problem
from chiso.frameworks.bounded_yaml import load_bounded_yaml

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2050, 12, 31)
TIME_ZONE = 7.0
BUILTIN = Path(__file__).with_name("data") / "vn_holidays.yaml"
OVERRIDE_NAME = Path("calendar") / "holidays.yaml"

DayArray = np.ndarray[Any, np.dtype[np.datetime64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


# ---------------------------------------------------------------------------------------------------
# the lunar calendar (Hồ Ngọc Đức, https://www.informatik.uni-leipzig.de/~duc/amlich/)


def _jd_from_date(d: date) -> int:
    a = (14 - d.month) // 12
    y = d.year + 4800 - a
    m = d.month + 12 * a - 3
    return d.day + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045


def _date_from_jd(jd: int) -> date:
    return date(2000, 1, 1) + timedelta(days=jd - _jd_from_date(date(2000, 1, 1)))


def _new_moon(k: int) -> float:
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    dr = math.pi / 180
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 = c1 - 0.4068 * math.sin(mpr * dr) + 0.0161 * math.sin(dr * 2 * mpr)
    c1 = c1 - 0.0004 * math.sin(dr * 3 * mpr)
    c1 = c1 + 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 = c1 - 0.0074 * math.sin(dr * (m - mpr)) + 0.0004 * math.sin(dr * (2 * f + m))
    c1 = c1 - 0.0004 * math.sin(dr * (2 * f - m)) - 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 = c1 + 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        deltat = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        deltat = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - deltat


def _new_moon_day(k: int) -> int:
    return math.floor(_new_moon(k) + 0.5 + TIME_ZONE / 24)


def _sun_longitude(jdn: float) -> float:
    t = (jdn - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    lon = (l0 + dl) * dr
    return lon - math.pi * 2 * math.floor(lon / (math.pi * 2))


def _sun_sector(day_number: int) -> int:
    return math.floor(_sun_longitude(day_number - 0.5 - TIME_ZONE / 24) / math.pi * 6)


def _lunar_month11(year: int) -> int:
    off = _jd_from_date(date(year, 12, 31)) - 2415021
    k = math.floor(off / 29.530588853)
    nm = _new_moon_day(k)
    if _sun_sector(nm) >= 9:
        nm = _new_moon_day(k - 1)
    return nm


def _leap_month_offset(a11: int) -> int:
    k = math.floor((a11 - 2415021.076998695) / 29.530588853 + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i))
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i))
        if arc == last or i >= 14:
            break
    return i - 1


def lunar_to_solar(year: int, month: int, day: int) -> date:
    """Return the Gregorian date of a (non-leap) Vietnamese lunar date.

    >>> lunar_to_solar(2026, 1, 1)
    datetime.date(2026, 2, 17)
    """
    if month < 11:
        a11, b11 = _lunar_month11(year - 1), _lunar_month11(year)
    else:
        a11, b11 = _lunar_month11(year), _lunar_month11(year + 1)
    k = math.floor(0.5 + (a11 - 2415021.076998695) / 29.530588853)
    off = month - 11
    if off < 0:
        off += 12
    if b11 - a11 > 365:
        leap_off = _leap_month_offset(a11)
        if off >= leap_off:
            off += 1
    return _date_from_jd(_new_moon_day(k + off) + day - 1)


def tet_date(year: int) -> date:
    """Return the first day of the lunar new year (Tết Nguyên đán) of `year`, at UTC+7."""
    return lunar_to_solar(year, 1, 1)


# ---------------------------------------------------------------------------------------------------
# holidays of a year


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


def rule_holidays(year: int) -> list[date]:
    """Return the public holidays of `year` under the Labour Code 2019 rule (see the module docstring)."""
    tet = tet_date(year)
    sep2 = date(year, 9, 2)
    # the day next to 2 September: the one that joins the holiday to a weekend
    side = {0: 1, 1: -1, 2: -1, 3: 1, 4: -1, 5: -1, 6: 1}[sep2.weekday()]
    days = {
        date(year, 1, 1),
        *(tet + timedelta(days=i) for i in range(-1, 4)),
        lunar_to_solar(year, 3, 10),
        date(year, 4, 30),
        date(year, 5, 1),
        sep2,
        sep2 + timedelta(days=side),
    }
    return sorted(d for d in days if d.year == year)


def rule_days_off(year: int) -> list[date]:
    """Return the weekdays off in `year` by rule: holidays on weekdays plus compensation for weekend ones."""
    holidays = rule_holidays(year)
    taken = set(holidays)
    off = {d for d in holidays if not _is_weekend(d)}
    for d in holidays:
        if _is_weekend(d):
            nxt = d + timedelta(days=1)
            while _is_weekend(nxt) or nxt in taken:
                nxt += timedelta(days=1)
            taken.add(nxt)
            off.add(nxt)
    return sorted(off)


@dataclass(frozen=True)
class YearDays:
    """The weekdays off and the weekend days worked in one year, and where they come from."""

    year: int
    days_off: tuple[date, ...]
    working_days: tuple[date, ...]
    source: str


def _as_dates(values: Any, where: str) -> tuple[date, ...]:
    out: list[date] = []
    for v in values or []:
        if isinstance(v, date):
            out.append(v)
            continue
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            raise InvalidInput(
                f"{where}: ngày không hợp lệ {v!r} (dạng YYYY-MM-DD)",
                f"{where}: not a date {v!r} (expected YYYY-MM-DD)",
                [Problem("Ngày không hợp lệ", "Not a date", file=where, field=str(v))],
            ) from None
    return tuple(sorted(out))


def _read_years(path: Path, *, nested: bool) -> dict[int, YearDays]:
    try:
        data = load_bounded_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"Không đọc được lịch nghỉ {path}: {exc}",
            f"Cannot read the holiday calendar {path}: {exc}",
        ) from exc
    years = data.get("years", {}) if nested else data
    if not isinstance(years, dict):
        raise InvalidInput(
            f"{path}: cần danh sách theo năm", f"{path}: expected a mapping of years to days_off/working_days"
        )
    out: dict[int, YearDays] = {}
    for key, entry in years.items():
        year = int(key)
        entry = entry or {}
        out[year] = YearDays(
            year,
            _as_dates(entry.get("days_off"), str(path)),
            _as_dates(entry.get("working_days"), str(path)),
            str(entry.get("source", "override" if not nested else "rule")),
        )
    return out


@lru_cache(maxsize=1)
def builtin_tet_table() -> dict[int, date]:
    """Return the bundled table of Tết dates (2020-2035)."""
    data = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
    return {int(y): d if isinstance(d, date) else date.fromisoformat(str(d)) for y, d in data["tet"].items()}


@lru_cache(maxsize=1)
def builtin_years() -> dict[int, YearDays]:
    """Return the bundled days off per year (2020-2035)."""
    return _read_years(BUILTIN, nested=True)


# ---------------------------------------------------------------------------------------------------
# the calendar


class WorkingCalendar:
    """Working days from FIRST_DAY to LAST_DAY, with vectorised look-ups."""

    def __init__(self, years: dict[int, YearDays]) -> None:
        self.years = years
        self.start = np.datetime64(FIRST_DAY, "D")
        days = np.arange(self.start, np.datetime64(LAST_DAY, "D") + 1)
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        working = weekday < 5
        for info in years.values():
            for d in info.days_off:
                i = (np.datetime64(d, "D") - self.start).astype(np.int64)
                if 0 <= i < len(working):
                    working[i] = False
            for d in info.working_days:
                i = (np.datetime64(d, "D") - self.start).astype(np.int64)
                if 0 <= i < len(working):
                    working[i] = True
        self.working: BoolArray = working
        # before[i] = working days strictly before day i; one extra slot for the day after LAST_DAY
        self.before: IntArray = np.concatenate([[0], np.cumsum(working, dtype=np.int64)])
        self.workdays: DayArray = days[working]

    def _index(self, days: Any) -> tuple[IntArray, BoolArray]:
        arr = np.asarray(days)
        if not np.issubdtype(arr.dtype, np.datetime64):
            arr = arr.astype("datetime64[D]")
        d = arr.astype("datetime64[D]")
        nat = np.isnat(d)
        idx = np.where(nat, 0, (d - self.start).astype(np.int64))
        outside = ~nat & ((idx < 0) | (idx >= len(self.working)))
        if outside.any():
            bad = d[outside][0]
            raise InvalidInput(
                f"Ngày {bad} nằm ngoài lịch làm việc ({FIRST_DAY}..{LAST_DAY})",
                f"The date {bad} is outside the working-day calendar ({FIRST_DAY}..{LAST_DAY})",
            )
        return idx, nat

    def is_working_day(self, days: Any) -> BoolArray:
        """Return True for each day that is a working day (False for NaT)."""
        idx, nat = self._index(days)
        return np.where(nat, False, self.working[idx])

    def count_working_days(self, start: Any, end: Any) -> IntArray:
        """Count working days in [start, end) (negative when end < start; 0 where either is NaT)."""
        i, nat_i = self._index(start)
        j, nat_j = self._index(end)
        return np.where(nat_i | nat_j, 0, self.before[j] - self.before[i])

    def add_working_days(self, dates: Any, n: Any) -> DayArray:
        """Move each date by n working days; a non-working date first rolls forward (n >= 0) or back.

        `add_working_days(d, 0)` is d itself on a working day, else the next working day. NaT stays NaT.
        """
        idx, nat = self._index(dates)
        steps = np.broadcast_to(np.asarray(n, dtype=np.int64), idx.shape)
        pos = self.before[idx] + steps
        out_of_range = ~nat & ((pos < 0) | (pos >= len(self.workdays)))
        if out_of_range.any():
            raise InvalidInput(
                "Kết quả nằm ngoài lịch làm việc", f"The result falls outside {FIRST_DAY}..{LAST_DAY}"
            )
        result = self.workdays[np.clip(pos, 0, len(self.workdays) - 1)]
        return np.where(nat, np.datetime64("NaT", "D"), result)


def _override_path(data_dir: Path | None) -> Path | None:
    if data_dir is None:
        data_dir = get_settings().data_dir
    path = Path(data_dir) / OVERRIDE_NAME
    return path if path.is_file() else None


@lru_cache(maxsize=8)
def _build(override: str | None, mtime: float) -> WorkingCalendar:
    years: dict[int, YearDays] = {}
    for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
        years[year] = YearDays(year, tuple(rule_days_off(year)), (), "rule")
    years.update(builtin_years())
    if override is not None:
        years.update(_read_years(Path(override), nested=False))
    return WorkingCalendar(years)


def load_calendar(data_dir: Path | None = None) -> WorkingCalendar:
    """Return the working-day calendar, with the data dir's `calendar/holidays.yaml` applied (cached).

    Args:
        data_dir: the chiso data dir; the configured one (CHISO_DATA_DIR) when None.
    """
    path = _override_path(data_dir)
    mtime = os.stat(path).st_mtime if path is not None else 0.0
    return _build(str(path) if path is not None else None, mtime)


def is_working_day(days: Any, *, data_dir: Path | None = None) -> BoolArray:
    """Return True for each day (datetime64 array or dates) that is a Vietnamese working day."""
    return load_calendar(data_dir).is_working_day(days)


def count_working_days(start: Any, end: Any, *, data_dir: Path | None = None) -> IntArray:
    """Count the working days in [start, end), element-wise."""
    return load_calendar(data_dir).count_working_days(start, end)


def add_working_days(dates: Any, n: Any, *, data_dir: Path | None = None) -> DayArray:
    """Move each date by n working days (see `WorkingCalendar.add_working_days`)."""
    return load_calendar(data_dir).add_working_days(dates, n)


def render_builtin_yaml(
    first: int = 2020, last: int = 2035, official: dict[int, YearDays] | None = None
) -> str:
    """Return the text of the bundled data file: the Tết table and the days per year (rule or official)."""
    lines = [
        "# Vietnamese public holidays, bundled with chiso (see chiso/monitoring/calendar.py).",
        "# tet: first day of the lunar new year at UTC+7 (Hồ Ngọc Đức's algorithm).",
        "# years: weekdays off (holidays, compensation, swapped days) and weekend days worked in exchange.",
        "# source official = copied from the government's announcement; rule = Labour Code 2019 art. 112.",
        "# A province overrides a year in <data dir>/calendar/holidays.yaml.",
        "tet:",
    ]
    lines += [f"  {y}: {tet_date(y).isoformat()}" for y in range(first, last + 1)]
    lines.append("years:")
    for year in range(first, last + 1):
        info = (official or {}).get(year) or YearDays(year, tuple(rule_days_off(year)), (), "rule")
        lines.append(f"  {year}:")
        lines.append(f"    source: {info.source}")
        lines.append(f"    days_off: [{', '.join(d.isoformat() for d in info.days_off)}]")
        lines.append(f"    working_days: [{', '.join(d.isoformat() for d in info.working_days)}]")
    return "\n".join(lines) + "\n"
