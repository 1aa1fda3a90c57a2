"""The clock: province time for display and forms, UTC for storage, a frozen clock for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
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
