"""The clock: province time for display and forms, UTC for storage, a frozen clock for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from chiso import clock


class Deadline(BaseModel):
    at: clock.LocalDatetime


def test_a_wall_time_typed_in_a_form_means_province_time() -> None:
    parsed = Deadline.model_validate({"at": "2026-12-10T17:00"})
    assert parsed.at.hour == 17 and parsed.at.utcoffset() is not None
    assert clock.as_utc(parsed.at) == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)


def test_json_carries_the_offset_of_the_province() -> None:
    stored = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    assert Deadline(at=stored).model_dump_json() == '{"at":"2026-12-10T17:00:00+07:00"}'


def test_frozen_clock_moves_now_and_today() -> None:
    with clock.frozen(datetime(2026, 12, 31, 23, 30)):  # 23:30 in Vietnam is still the 31st
        assert clock.now() == datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
        assert clock.today() == date(2026, 12, 31)
    assert clock.now().year >= 2026


def test_the_zone_is_configurable_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHISO_TIMEZONE", "Asia/Bangkok")
    assert str(clock.local_zone()) == "Asia/Bangkok"
    monkeypatch.setenv("CHISO_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="CHISO_TIMEZONE"):
        clock.local_zone()


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_a_day_typed_as_people_here_write_it_or_as_iso_is_the_same_day(day: date) -> None:
    assert clock.parse_day(f"{day:%d/%m/%Y}") == day == clock.parse_day(f" {day.day}/{day.month}/{day.year} ")
    assert clock.parse_day(day.isoformat()) == day
    assert clock.parse_wall_time(f"{day:%d/%m/%Y}") == datetime.combine(day, time(17, 0))  # deadlines
    assert clock.parse_wall_time(f"{day:%d/%m/%Y}", end_of_day=False) == datetime.combine(day, time(0, 0))


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31)))
def test_a_wall_time_typed_with_its_hour_keeps_it(moment: datetime) -> None:
    moment = moment.replace(second=0, microsecond=0)
    assert clock.parse_wall_time(f"{moment:%d/%m/%Y %H:%M}") == moment
    assert clock.parse_wall_time(f"{moment:%d/%m/%Y %Hh%M}") == moment


BAD_DAYS = ["31/02/2026", "13/13/2026", "2026/07/15", "15-07-2026", "hôm qua", "7/2026"]


@pytest.mark.parametrize("text", BAD_DAYS)
def test_what_is_not_a_day_is_none_and_a_typed_day_field_says_so(text: str) -> None:
    assert clock.parse_day(text) is None

    class Filter(BaseModel):
        on: clock.TypedDay

    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        Filter.model_validate({"on": text})
    assert Filter.model_validate({"on": "15/07/2026"}).on == date(2026, 7, 15)
