"""Vietnamese working-day calendar: Tết table, holidays, swaps, overrides, vectorised arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.errors import InvalidInput
from chiso.monitoring import calendar as cal

# Tết (1st day of the 1st lunar month) as published in Vietnam; 2030 differs from China's (3 Feb).
KNOWN_TET = {
    2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
    2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2030: date(2030, 2, 2),
}  # fmt: skip


def days(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


def test_bundled_tet_table_matches_the_lunar_algorithm_and_known_dates() -> None:
    table = cal.builtin_tet_table()
    assert sorted(table) == list(range(2020, 2036))
    assert all(table[y] == cal.tet_date(y) for y in table)
    assert all(table[y] == d for y, d in KNOWN_TET.items())
    assert cal.lunar_to_solar(2025, 3, 10) == date(2025, 4, 7)  # Hùng Kings' day 2025


def test_bundled_rule_years_are_the_rule() -> None:
    for year, info in cal.builtin_years().items():
        if info.source == "rule":
            assert list(info.days_off) == cal.rule_days_off(year), year


def test_rule_compensates_weekend_holidays_on_the_next_working_day() -> None:
    # 2026: Hùng Kings' day is Sunday 26 April -> Monday 27 April off
    assert date(2026, 4, 27) in cal.rule_days_off(2026)
    # 2021: 1 May is a Saturday -> Monday 3 May off
    assert date(2021, 5, 3) in cal.rule_days_off(2021)
    assert all(d.weekday() < 5 for y in range(2000, 2051) for d in cal.rule_days_off(y))


def test_official_2025_days_including_the_swapped_saturday() -> None:
    c = cal.load_calendar()
    working = c.is_working_day(
        days(
            "2025-01-24",
            "2025-01-27",
            "2025-01-31",
            "2025-02-03",
            "2025-04-26",
            "2025-04-27",
            "2025-05-02",
            "2025-09-01",
            "2025-09-03",
        )  # fmt: skip
    )
    assert working.tolist() == [True, False, False, True, True, False, False, False, True]


def test_count_and_add_working_days() -> None:
    c = cal.load_calendar()
    # Friday 25 April 2025 + 1 working day = the swapped Saturday 26 April; + 2 = Monday 28 April
    assert c.add_working_days(days("2025-04-25", "2025-04-25"), [1, 2]).tolist() == [
        date(2025, 4, 26),
        date(2025, 4, 28),
    ]
    # a non-working day rolls forward for n >= 0 and back for n < 0
    assert c.add_working_days(days("2025-05-03"), 0).tolist() == [date(2025, 5, 5)]
    assert c.add_working_days(days("2025-05-03"), -1).tolist() == [date(2025, 4, 29)]
    # [25 April, 6 May) holds 25, 26, 28, 29 April and 5 May
    assert c.count_working_days(days("2025-04-25"), days("2025-05-06")).tolist() == [5]
    assert c.count_working_days(days("2025-05-06"), days("2025-04-25")).tolist() == [-5]
    nat = np.array(["NaT"], dtype="datetime64[D]")
    assert np.isnat(c.add_working_days(nat, 3)).all()
    assert c.is_working_day(nat).tolist() == [False]


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2001, 1, 1), max_value=date(2049, 1, 1)),
    n=st.integers(min_value=0, max_value=300),
)
def test_adding_then_counting_gives_back_n(start: date, n: int) -> None:
    c = cal.load_calendar()
    d = np.array([start], dtype="datetime64[D]")
    rolled = c.add_working_days(d, 0)
    moved = c.add_working_days(d, n)
    assert c.count_working_days(rolled, moved).tolist() == [n]
    assert c.is_working_day(moved).all()
    # brute force: the n-th working day after the rolled start
    step, count, day = timedelta(days=1), 0, rolled[0].astype(object)
    while count < n:
        day += step
        count += int(c.is_working_day(np.array([day], dtype="datetime64[D]"))[0])
    assert moved[0].astype(object) == day


def test_a_province_overrides_a_year_in_its_data_dir(tmp_path: Path) -> None:
    assert cal.is_working_day(days("2026-06-01"), data_dir=tmp_path).tolist() == [True]
    folder = tmp_path / "calendar"
    folder.mkdir()
    (folder / "holidays.yaml").write_text(
        "2026:\n  days_off: [2026-06-01]\n  working_days: [2026-06-06]\n", encoding="utf-8"
    )
    assert cal.is_working_day(days("2026-06-01", "2026-06-06", "2026-02-17"), data_dir=tmp_path).tolist() == [
        False,
        True,
        True,  # the override replaces the whole year: Tết days must be listed there too
    ]
    (folder / "holidays.yaml").write_text("2026:\n  days_off: [first of June]\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a date"):
        cal.load_calendar(tmp_path)


def test_dates_outside_the_calendar_are_refused() -> None:
    with pytest.raises(InvalidInput, match="outside"):
        cal.is_working_day(days("1999-12-31"))


def test_vectorised_over_a_million_days_quickly() -> None:
    import time

    d = np.datetime64("2020-01-01") + np.arange(1_000_000) % 5000
    started = time.perf_counter()
    cal.load_calendar().add_working_days(d, 5)
    assert time.perf_counter() - started < 2.0
