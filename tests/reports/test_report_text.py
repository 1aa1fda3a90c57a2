"""How reports write numbers, dates, document numbers and names."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from chiso.reports.text import document_number, fmt_day, fmt_moment, fmt_points, place_and_date, roman, slug


def test_place_and_date_follows_decree_30_zero_padding() -> None:
    assert place_and_date("Đà Nẵng", date(2026, 7, 15)) == "Đà Nẵng, ngày 15 tháng 7 năm 2026"
    assert place_and_date("Huế", date(2026, 2, 5)) == "Huế, ngày 05 tháng 02 năm 2026"
    assert place_and_date("Huế", date(2026, 11, 9)) == "Huế, ngày 09 tháng 11 năm 2026"
    blank = place_and_date("Đà Nẵng", None, year=2026)
    assert blank.startswith("Đà Nẵng, ngày\u00a0") and blank.endswith("năm 2026")


def test_document_number_pads_small_numbers_and_leaves_a_draft_blank() -> None:
    assert document_number("5", "QĐ-UBND") == "Số: 05/QĐ-UBND"
    assert document_number("125", "QĐ-UBND") == "Số: 125/QĐ-UBND"
    assert document_number(None, "QĐ-UBND") == "Số:" + "\u00a0" * 10 + "/QĐ-UBND"


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False))
def test_vietnamese_and_english_figures_read_back_to_the_same_number(value: object) -> None:
    number = float(value)  # type: ignore[arg-type]
    vi, en = fmt_points(number, 2, "vi"), fmt_points(number, 2, "en")
    assert float(vi.replace(".", "").replace(",", ".")) == round(number, 2)
    assert float(en.replace(",", "")) == round(number, 2)
    assert fmt_points(None) == "—"


def test_moments_are_shown_in_the_province_zone() -> None:
    moment = datetime(2026, 7, 14, 20, 0, tzinfo=UTC)  # 03:00 on the 15th in Vietnam
    assert fmt_moment(moment) == "15/07/2026 03:00"
    assert fmt_day(moment) == "15/07/2026"
    assert fmt_day(moment, "en") == "2026-07-15"


def test_roman_numerals_and_stable_names() -> None:
    assert [roman(n) for n in (1, 4, 9, 14, 40)] == ["I", "IV", "IX", "XIV", "XL"]
    assert slug("Đà Nẵng / DTI 2025") == "da-nang-dti-2025"
    assert slug("Thừa Thiên Huế") == "thua-thien-hue"
