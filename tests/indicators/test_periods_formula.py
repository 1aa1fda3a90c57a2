"""Period keys and formulas, by property: keys round-trip and sort in time order, shift and span agree,
a formula is arithmetic over codes only (never Python), a cycle is refused, no data stays no data."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiso.errors import InvalidInput
from chiso.indicators import formula, periods
from chiso.indicators.catalogue import RESERVED_CODES

KINDS = ("month", "quarter", "year")
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(9998, 12, 31))
CODES = st.from_regex(r"[A-Z][A-Z0-9_]{1,10}", fullmatch=True).filter(
    lambda c: c != "KHONG_CO" and c not in RESERVED_CODES
)
VALUES = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))


@given(day=DAYS, kind=st.sampled_from(KINDS))
def test_a_day_s_period_round_trips(day: date, kind: str) -> None:
    key = periods.period_of(day, kind)
    assert periods.period_type_of(key) == kind
    assert periods.check_period(key, kind) == key
    assert periods.year_of(key) == day.year
    assert periods.shift(periods.shift(key, 5), -5) == key
    assert periods.previous(periods.shift(key, 1)) == key


@given(day=DAYS, kind=st.sampled_from(KINDS), steps=st.integers(0, 40))
def test_shift_and_span_agree_and_keys_sort_in_time_order(day: date, kind: str, steps: int) -> None:
    first = periods.period_of(day, kind)
    last = periods.shift(first, steps)
    keys = periods.span(first, last)
    assert len(keys) == steps + 1 and keys[0] == first and keys[-1] == last
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(periods.shift(first, i) == key for i, key in enumerate(keys))
    assert periods.span(last, first) == ([] if steps else [first])


@given(day=DAYS)
def test_labels_read_as_vietnamese(day: date) -> None:
    assert periods.label_vi(periods.period_of(day, "month")) == f"T{day.month}/{day.year}"
    assert periods.label_vi(periods.period_of(day, "quarter")) == f"Q{(day.month - 1) // 3 + 1}/{day.year}"
    assert periods.label_vi(periods.period_of(day, "year")) == str(day.year)


@pytest.mark.parametrize("key", ["2026-13", "2026-Q5", "26", "2026-1", "2026-00", "2026/03", ""])
def test_bad_keys_and_mixed_spans_are_refused(key: str) -> None:
    with pytest.raises(InvalidInput):
        periods.period_type_of(key)
    with pytest.raises(InvalidInput):
        periods.span("2026-01", "2026-Q1")
    with pytest.raises(InvalidInput, match="quý"):
        periods.check_period("2026-Q1", "month")


@given(a=CODES, b=CODES, x=VALUES, y=VALUES)
def test_a_share_is_none_without_data_or_with_a_zero_denominator(
    a: str, b: str, x: float | None, y: float | None
) -> None:
    if a == b:
        return
    tree, names = formula.parse_formula(f"{a} / {b} * 100")
    assert names == [a, b]
    value = formula.evaluate(tree, {a: x, b: y})
    if x is None or y is None or y == 0:
        assert value is None
    else:
        assert value == pytest.approx(x / y * 100)


@given(a=CODES, x=st.floats(-1e6, 1e6, allow_nan=False), n=st.integers(-1000, 1000))
def test_arithmetic_follows_precedence(a: str, x: float, n: int) -> None:
    tree, _ = formula.parse_formula(f"-{a} + {n} * ({a} - 1)")
    assert formula.evaluate(tree, {a: x}) == pytest.approx(-x + n * (x - 1))
    assert formula.evaluate(tree, {}) is None


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('touch /tmp/pwned')",
        "A.__class__",
        "open('x')",
        "A if B else C",
        "A > B",
        "A and B",
        "'text' + A",
        "lambda: A",
        "[A, B]",
        "A ** 2",
        "100",
        "",
        "A / (B",
    ],
)
def test_a_formula_is_arithmetic_over_codes_only(text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        formula.parse_formula(text)
    assert exc.value.problems and exc.value.problems[0].field == "formula"


@given(text=st.text(max_size=40))
def test_any_text_parses_or_is_refused_never_runs(text: str) -> None:
    try:
        tree, names = formula.parse_formula(text)
    except InvalidInput:
        return
    assert names
    formula.evaluate(tree, dict.fromkeys(names, 1.0))


@given(codes=st.lists(CODES, min_size=2, max_size=6, unique=True))
def test_a_cycle_through_other_formulas_is_refused(codes: list[str]) -> None:
    chain = {code: f"{nxt} + 1" for code, nxt in zip(codes, codes[1:], strict=False)}
    chain[codes[-1]] = None  # type: ignore[assignment]
    assert formula.check_formula(f"{codes[1]} * 2", own_code=codes[0], known=chain) == [codes[1]]
    looped = {**chain, codes[-1]: f"{codes[0]} - 1"}
    with pytest.raises(InvalidInput, match="quay vòng"):
        formula.check_formula(f"{codes[1]} * 2", own_code=codes[0], known=looped)
    with pytest.raises(InvalidInput, match="KHONG_CO"):
        formula.check_formula("KHONG_CO + 1", own_code=codes[0], known=chain)


@pytest.mark.parametrize("code", sorted(RESERVED_CODES))
def test_a_formula_word_cannot_be_an_operand(code: str) -> None:
    with pytest.raises(InvalidInput):
        formula.parse_formula(f"{code} * 2")
