"""What Vietnamese users type for a criterion becomes one canonical value, or a clear refusal."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiso.errors import InvalidInput
from chiso.frameworks.entry import EN, VI, Notation, format_entry, notation_of, parse_entry

RATE = (0.0, 1.0)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("83%", "fraction", 0.83),
        ("83,5%", "fraction", 0.835),
        ("0,83", "fraction", 0.83),
        ("0.83", "fraction", 0.83),
        ("83 %", "fraction", 0.83),
        ("83", "percent", 0.83),
        ("83%", "percent", 0.83),
        ("83,5", "percent", 0.835),
        ("100", "percent", 1.0),
        ("0", "percent", 0.0),
        ("0,5%", "percent", 0.005),
        ("0,83", "percent", 0.83),
        ("0,835", "percent", 0.835),
    ],
)
def test_rates_in_every_unambiguous_notation(text: str, unit: str, expected: float) -> None:
    assert parse_entry(text, unit, *RATE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234.567", 1234567),
        ("1 234 567", 1234567),
        ("1\u00a0234\u00a0567", 1234567),
        ("1234567", 1234567),
        ("1,234,567", 1234567),
        ("1.234", 1234),
        ("12", 12),
        ("1.000", 1000),
        ("1,000", 1000),
        ("12,0", 12),
    ],
)
def test_large_counts_with_thousands_separators(text: str, expected: int) -> None:
    assert parse_entry(text, "count", 0, 10_000_000) == expected


@pytest.mark.parametrize(
    ("text", "unit", "low", "high", "says"),
    [
        ("abc", "fraction", 0, 1, "is not a number"),
        ("1e308", "count", 0, None, "is not a number"),
        ("1.5", "fraction", 0, 1, "must lie in 0..1"),
        ("83", "fraction", 0, 1, "type 0.83 or 83%"),
        ("80%", "count", 0, 100, "no % sign"),
        ("1", "percent", 0, 1, "could be 1% or 100%"),
        ("1.500", "number", None, None, "could be 1,5 or 1500"),
        ("12,5", "count", 0, 100, "not a whole number"),
        ("99999999999999999999999", "count", 0, 365, "must lie in 0..365"),
        ("99999999999999999999999", "number", None, None, "too large"),
        ("-3", "count", 0, 10, "must lie in 0..10"),
        ("", "count", 0, 10, "no value"),
        ("1..2", "number", None, None, "is not a number"),
        ("²", "number", None, None, "is not a number"),
        ("maybe", "yes_no", 0, 1, "is not yes/no"),
    ],
)
def test_refusals_say_what_to_type(
    text: str, unit: str, low: float | None, high: float | None, says: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_entry(text, unit, low, high)
    assert says in caught.value.message_en
    assert caught.value.message_vi and caught.value.message_vi != caught.value.message_en


def test_vietnamese_message_for_a_percent_on_a_rate() -> None:
    with pytest.raises(InvalidInput, match="'1.5' không hợp lệ cho tỉ lệ 0..1"):
        parse_entry("1.5", "fraction", 0, 1)


def test_the_range_settles_what_separators_leave_open() -> None:
    assert parse_entry("1.500", "days", 0, 365) == 1.5  # 1500 days is not plausible
    assert parse_entry("1.500", "count", 0, None) == 1500  # 1.5 is not a count


def test_yes_no_words_and_numbers_from_excel() -> None:
    assert [parse_entry(w, "yes_no", 0, 1) for w in ("Có", "có", "x", "Đạt", "Không", "chưa", "0")] == [
        1.0,
        1.0,
        1.0,
        1.0,
        0.0,
        0.0,
        0.0,
    ]
    assert parse_entry(0.83, "percent", 0, 1) == 0.83  # an Excel 83% cell holds 0.83
    with pytest.raises(InvalidInput, match="must lie in"):
        parse_entry(83, "percent", 0, 1)
    with pytest.raises(InvalidInput):
        parse_entry(math.nan, "number")


def test_notation_of_what_people_type() -> None:
    assert notation_of("0.83") == EN and notation_of("0,83") == VI
    assert notation_of("83%") == Notation(",", True) and notation_of("1.500") == VI
    assert notation_of("1,234,567") == EN


def test_format_examples() -> None:
    assert format_entry(0.835, "percent") == "83,5%"
    assert format_entry(0.835, "fraction") == "0,835"
    assert format_entry(0.835, "fraction", Notation(",", True)) == "83,5%"
    assert format_entry(0.835, "fraction", "en") == "0.835"
    assert format_entry(1234567, "count") == "1.234.567"
    assert format_entry(1, "yes_no") == "Có" and format_entry(0, "yes_no", "en") == "No"


_rates = st.floats(0, 1, allow_subnormal=False)
_counts = st.integers(0, 10**15).map(float)
_numbers = st.floats(-1e12, 1e12, allow_nan=False, allow_subnormal=False)
_by_unit = {
    "percent": _rates,
    "fraction": _rates,
    "count": _counts,
    "money": _counts,
    "days": st.floats(0, 3660, allow_subnormal=False),
    "points": _numbers,
    "number": _numbers,
    "yes_no": st.sampled_from([0.0, 1.0]),
}
_units = st.sampled_from(sorted(_by_unit))


@given(st.data(), _units, st.sampled_from([VI, Notation(",", True)]))
def test_format_then_parse_is_identity_in_vietnamese(
    data: st.DataObject, unit: str, notation: Notation
) -> None:
    value = data.draw(_by_unit[unit])
    text = format_entry(value, unit, notation)
    assert parse_entry(text, unit) == value, text


@given(st.data(), _units)
def test_english_notation_is_read_back_or_refused_as_ambiguous_never_misread(
    data: st.DataObject, unit: str
) -> None:
    value = data.draw(_by_unit[unit])
    text = format_entry(value, unit, "en")
    try:
        assert parse_entry(text, unit) == value, text
    except InvalidInput as exc:
        assert "ambiguous" in exc.message_en, text


@given(st.text(max_size=30), _units)
def test_any_text_gives_a_value_in_range_or_invalid_input(text: str, unit: str) -> None:
    low, high = (0.0, 1.0) if unit in ("percent", "fraction", "yes_no") else (-1000.0, 1000.0)
    try:
        value = parse_entry(text, unit, low, high)
    except InvalidInput:
        return
    assert low <= value <= high and math.isfinite(value)
