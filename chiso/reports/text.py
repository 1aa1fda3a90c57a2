"""How reports write numbers, dates and names: Vietnamese first (97,20; ngày 15 tháng 7 năm 2026).

Domain layer (reports room): imports chiso.clock and the report schemas only.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from chiso.clock import to_local
from chiso.reports.schemas import BandInfo, Lang, RankingInput

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip
DASH = "—"


def fmt_points(value: float | None, decimals: int = 2, lang: Lang = "vi", *, signed: bool = False) -> str:
    """Return a published figure as text: "97,20" in Vietnamese, "97.20" in English, "—" when missing.

    >>> fmt_points(1234.5, lang="vi"), fmt_points(-0.5, signed=True, lang="en")
    ('1.234,50', '-0.50')
    """
    if value is None:
        return DASH
    text = f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_int(value: int | None, lang: Lang = "vi") -> str:
    """Return a count with thousands separators (3.321 in Vietnamese, 3,321 in English)."""
    if value is None:
        return DASH
    text = f"{value:,d}"
    return text.replace(",", ".") if lang == "vi" else text


def fmt_day(value: date | datetime | None, lang: Lang = "vi") -> str:
    """Return a date as dd/mm/yyyy (Vietnamese) or yyyy-mm-dd (English); a moment in the province's zone."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def fmt_moment(value: datetime | None, lang: Lang = "vi") -> str:
    """Return a moment in the province's zone: "15/07/2026 09:30" or "2026-07-15 09:30"."""
    if value is None:
        return DASH
    local = to_local(value)
    return local.strftime("%d/%m/%Y %H:%M") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M")


def place_and_date(place: str, day: date | None, *, year: int | None = None) -> str:
    """Return Decree 30's place and date line: "Đà Nẵng, ngày 05 tháng 02 năm 2026".

    Days below 10 and the months 1 and 2 take a leading zero (Decree 30, Annex I, 4.b); a draft without
    a date leaves the day and month blank for the signer.

    >>> place_and_date("Đà Nẵng", date(2026, 7, 15))
    'Đà Nẵng, ngày 15 tháng 7 năm 2026'
    """
    if day is None:
        blank = "\u00a0" * 6
        return f"{place}, ngày{blank}tháng{blank}năm {year or blank}"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def document_number(number: str | None, symbol: str) -> str:
    """Return "Số: 05/QĐ-UBND" (numbers below 10 take a leading zero); blank number in a draft."""
    if not number:
        return f"Số:{chr(0xA0) * 10}/{symbol}"
    shown = f"{int(number):02d}" if number.isdigit() else number
    return f"Số: {shown}/{symbol}"


def roman(n: int) -> str:
    """Return `n` (>= 1) in Roman numerals, as annexes are numbered (Phụ lục I, II, ...)."""
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def band_label(label_vi: str | None, bands: list[BandInfo], lang: Lang = "vi") -> str:
    """Return a band's label in `lang` (rows carry the Vietnamese label); "" when the agency has none."""
    if label_vi is None:
        return ""
    if lang == "en":
        for band in bands:
            if band.label_vi == label_vi and band.label_en:
                return band.label_en
    return label_vi


def pick(vi: str, en: str, lang: Lang) -> str:
    """Return the English text when asked for and present, else the Vietnamese."""
    return en if lang == "en" and en else vi


def slug(text: str) -> str:
    """Return a stable ASCII name: lower case, diacritics folded (đ -> d), runs of other characters as "-".

    >>> slug("Đà Nẵng 2025 / DTI")
    'da-nang-2025-dti'
    """
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    out, dash = [], False
    for char in ascii_text:
        if char.isascii() and char.isalnum():
            out.append(char)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def month_label(period: str, lang: Lang = "vi") -> str:
    """Return "tháng 6/2026" (or "June 2026") for a period "2026-06"."""
    year, month = int(period[:4]), int(period[5:7])
    if lang == "en":
        return date(year, month, 1).strftime("%B %Y")
    return f"tháng {month}/{year}"


def publication_status(ranking: RankingInput, lang: Lang = "vi") -> str:
    """Return "Công bố lần 2, 15/07/2026 09:30" (province time), or the notice of a draft."""
    if not ranking.published:
        return pick("DỰ THẢO — chưa công bố", "DRAFT — not published", lang)
    when = fmt_moment(ranking.published_at, lang)
    return pick(
        f"Công bố lần {ranking.revision}, {when}", f"Published, revision {ranking.revision}, {when}", lang
    )
