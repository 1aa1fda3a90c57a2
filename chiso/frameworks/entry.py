"""What a person types for a criterion -> one canonical value, and back; frameworks layer (chiso.errors only).

Each input criterion declares its unit of entry (`Node.unit`) and a plausible range (the rule's
`value_min` / `value_max`, on the canonical scale). Vietnamese users type `83`, `83%`, `83,5%` or
`0,83` for a rate, and `1.234.567` or `1 234 567` for a count. `parse_entry` reads every notation
that has exactly one plausible reading for the criterion and refuses the rest with a message that
says how to type it; `format_entry` shows a canonical value back in the user's notation.

Canonical values: rates (`percent` and `fraction`) are stored on 0..1 (83% -> 0.83), whatever the
user typed; yes/no is 1 or 0; every other unit is stored as the number itself.

How a text is read:
- The digits may use `,` or `.` as the decimal mark and `.`, `,` or a space as the thousands
  separator (groups of three). Every reading the separators allow is considered: `1.500` is 1500
  (Vietnamese thousands) or 1.5 (English decimal point), `83,5` only 83.5.
- A trailing `%` divides by 100 and is accepted for rates only. A bare number on a `percent`
  criterion is a percentage; on a `fraction` criterion it is the fraction itself. A bare number
  strictly between 0 and 1 on a `percent` criterion is the fraction (people type `0,83` for 83%);
  a bare `1` there is ambiguous (1% or 100%) and refused with both readings.
- Counts and money (whole đồng) read well-grouped separators as thousands (`1.000`, `1,000`: a
  thousand) and keep whole readings only; then readings outside the plausible range
  are dropped. One reading left: that is the value. None: refused (out of range, not whole). More
  than one: refused as ambiguous, naming the readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, get_args

from chiso.errors import InvalidInput

EntryUnit = Literal["percent", "fraction", "count", "money", "days", "yes_no", "points", "number"]
ENTRY_UNITS: tuple[str, ...] = get_args(EntryUnit)
#: Units stored on 0..1 whatever the notation typed.
RATE_UNITS = frozenset({"percent", "fraction"})
#: Units whose values are whole numbers.
WHOLE_UNITS = frozenset({"count", "money"})

#: Vietnamese and English names of each unit, for messages and the Excel guide.
UNIT_LABELS: dict[str, tuple[str, str]] = {
    "percent": ("tỉ lệ phần trăm", "percentage"),
    "fraction": ("tỉ lệ 0..1", "rate 0..1"),
    "count": ("số lượng (số nguyên)", "count (whole number)"),
    "money": ("số tiền (đồng, số nguyên)", "amount (whole đồng)"),
    "days": ("số ngày", "number of days"),
    "yes_no": ("Có/Không", "yes/no"),
    "points": ("điểm", "points"),
    "number": ("số", "number"),
}
#: How to type a value of each unit, shown when a value is refused and in the Excel guide.
UNIT_HINTS: dict[str, tuple[str, str]] = {
    "percent": ("gõ 83 hoặc 83% cho 83%", "type 83 or 83% for 83%"),
    "fraction": ("gõ 0,83 hoặc 83% cho 83%", "type 0.83 or 83% for 83%"),
    "count": ("gõ 1234567, 1.234.567 hoặc 1 234 567", "type 1234567, 1.234.567 or 1 234 567"),
    "money": ("gõ số đồng, ví dụ 1.500.000", "type whole đồng, e.g. 1.500.000"),
    "days": ("gõ 2,5 cho hai ngày rưỡi", "type 2,5 or 2.5 for two and a half days"),
    "yes_no": ("gõ Có hoặc Không (1 hoặc 0)", "type Có/yes or Không/no (1 or 0)"),
    "points": ("gõ số điểm, ví dụ 7,5", "type the points, e.g. 7,5"),
    "number": (
        "gõ số, dấu phẩy là dấu thập phân: 12,5",
        "type a number, comma or point as decimal mark: 12,5",
    ),
}

#: The unit a leaf has when it declares none, by rule type (other rules: `number`).
DEFAULT_UNITS: dict[str, str] = {
    "yes_no": "yes_no",
    "capped_linear": "fraction",
    "ratio": "fraction",
    "fraction": "fraction",
    "assessor": "points",
    "bonus_penalty": "points",
}

YES_WORDS = frozenset({"1", "có", "co", "yes", "y", "true", "x", "đạt", "dat"})
NO_WORDS = frozenset({"0", "không", "khong", "no", "n", "false", "chưa", "chua", "không đạt", "khong dat"})

#: Nobody types a value beyond this; it also keeps every whole number exact as a float.
MAX_ABS = 1e15
#: Longest text read: enough for any float written out in full, short enough to stay cheap.
MAX_TEXT = 400

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_DIGITS = re.compile(r"[0-9]*")


@dataclass(frozen=True)
class Notation:
    """How a person writes numbers: the decimal mark, and whether a rate is shown with a % sign."""

    decimal: Literal[",", "."] = ","
    percent: bool = False


VI = Notation(",")
EN = Notation(".")


def notation_of(text: str) -> Notation:
    """Return the notation a person used, to show a value back the way they type it.

    The decimal mark is `.` only where the text shows it (`0.83`, `1.5`, `1,234.5`, `1,234,567`);
    otherwise the Vietnamese comma. `percent` tells whether the text ended with a % sign.
    """
    body = _SPACES.sub("", str(text)).lstrip("+-\u2212")
    percent = body.endswith("%")
    body = body.removesuffix("%")
    commas, dots = body.count(","), body.count(".")
    english = commas > 1 or (commas == 1 and dots == 1 and body.index(",") < body.index("."))
    if commas == 0 and dots == 1 and _split_groups(body, ".") is None:
        english = True
    return Notation("." if english else ",", percent)


def _split_groups(whole: str, group: str) -> str | None:
    """Return the digits of an integer part written with thousands groups, or None if not well grouped."""
    if group not in whole:
        return whole if _DIGITS.fullmatch(whole) else None
    parts = whole.split(group)
    head, tail = parts[0], parts[1:]
    if not (1 <= len(head) <= 3 and _DIGITS.fullmatch(head) and head[0] != "0"):
        return None
    if not all(len(p) == 3 and _DIGITS.fullmatch(p) for p in tail):
        return None
    return "".join(parts)


def _readings(body: str, *, whole: bool = False) -> set[Decimal]:
    """Return every number the digits and separators of `body` can mean (empty when none).

    Vietnamese first: a single comma is always the decimal mark; commas group thousands only when
    there are several (`1,234,567`) or a decimal point follows (`1,234.5`). A dot is a decimal point
    or groups thousands, whichever the digits allow. For whole numbers (`whole`), separators that
    group thousands correctly are thousands separators, the comma included.
    """
    if whole:  # a count never has three decimals: 1.000 and 1,000 are a thousand
        grouped = {Decimal(d) for g in (".", ",", " ") if (d := _split_groups(body, g))}
        if grouped:
            return grouped
    found: set[Decimal] = set()
    for decimal, group in ((",", "."), (",", " "), (".", ","), (".", " ")):
        if group == "," and body.count(",") < 2 and "." not in body:
            continue
        if body.count(decimal) > 1:
            continue
        integer, _, frac = body.partition(decimal)
        if decimal in body and not (frac and _DIGITS.fullmatch(frac)):
            continue
        digits = _split_groups(integer, group)
        if digits is None or (not digits and not frac):
            continue
        found.add(Decimal(f"{digits or '0'}.{frac or '0'}"))
    return found


def _show(number: Decimal, notation: Notation = VI) -> str:
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", notation.decimal) if notation.decimal == "," else text


def _span(unit: str, value_min: float | None, value_max: float | None) -> str:
    def one(x: float | None) -> str:
        return "…" if x is None else format_entry(x, unit if unit != "yes_no" else "number")

    return f"{one(value_min)}..{one(value_max)}"


def _yes_no(text: str) -> float:
    word = _SPACES.sub(" ", text.strip().lower())
    if word in YES_WORDS:
        return 1.0
    if word in NO_WORDS:
        return 0.0
    raise InvalidInput(
        f"'{text}' không phải Có/Không (gõ Có hoặc Không, 1 hoặc 0)",
        f"'{text}' is not yes/no (type Có/yes or Không/no, 1 or 0)",
    )


def _candidates(text: str, unit: str) -> list[tuple[Decimal, str]]:
    """Return (canonical value, how to type it unambiguously) for every reading of `text` for this unit."""
    body = _SPACES.sub(" ", text.strip()).replace("\u2212", "-")
    sign = Decimal(-1) if body.startswith("-") else Decimal(1)
    body = body.lstrip("+-").strip()
    percent = body.endswith("%")
    body = body.removesuffix("%").strip()
    numbers = _readings(body, whole=unit in WHOLE_UNITS)
    if not numbers:
        raise InvalidInput(f"'{text}' không phải là số", f"'{text}' is not a number")
    if percent and unit not in RATE_UNITS:
        name_vi, name_en = UNIT_LABELS[unit]
        raise InvalidInput(
            f"'{text}' không hợp lệ cho {name_vi}: không dùng dấu %",
            f"'{text}' is not valid for a {name_en}: no % sign here",
        )
    out: list[tuple[Decimal, str]] = []
    for number in sorted(numbers):
        signed = sign * number
        if unit == "percent" and not percent and 0 < number < 1:
            # `0,83` on a percent criterion is 83%: reporters typed rates as 0..1 for years, and
            # nobody writes 0.83% without its sign. Exactly 1 stays ambiguous (1% or 100%).
            out.append((signed, f"{_show(signed * 100)}%"))
        elif percent or unit == "percent":
            out.append((signed / 100, f"{_show(signed)}%"))
            if not percent and number == 1:
                out.append((signed, f"{_show(signed * 100)}%"))
        else:
            out.append((signed, _show(signed)))
    return out


def parse_entry(
    text: str | int | float,
    unit: str,
    value_min: float | None = None,
    value_max: float | None = None,
) -> float:
    """Read what a person typed for a criterion and return its one canonical value.

    Args:
        text: what was typed (`83`, `83%`, `83,5%`, `0,83`, `1.234.567`, `Có`). A number (not text),
            e.g. an Excel cell, is taken as already canonical: Excel stores 83% as 0.83.
        unit: the criterion's unit of entry, one of ENTRY_UNITS.
        value_min: lowest plausible canonical value (None: no bound).
        value_max: highest plausible canonical value (None: no bound).

    Returns:
        The canonical value (rates on 0..1; yes/no 1.0 or 0.0).

    Raises:
        InvalidInput: not a number, a % sign where no rate is asked, ambiguous (two plausible
            readings), not whole for a count, or outside the plausible range; the message says
            what to type instead, in Vietnamese and English.
        ValueError: `unit` is not one of ENTRY_UNITS (a programming error, not the user's).

    >>> parse_entry("83,5%", "fraction"), parse_entry("83", "percent"), parse_entry("1.234.567", "count")
    (0.835, 0.83, 1234567.0)
    """
    if unit not in UNIT_LABELS:
        raise ValueError(f"unknown unit {unit!r}; known: {', '.join(ENTRY_UNITS)}")
    if isinstance(text, int | float):
        return _check_number(float(text), unit, value_min, value_max, str(text))
    if not text.strip():
        raise InvalidInput("chưa nhập giá trị", "no value was entered")
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"giá trị quá dài (hơn {MAX_TEXT} ký tự)", f"the value is too long (over {MAX_TEXT} characters)"
        )
    if unit == "yes_no":
        return _check_number(_yes_no(text), unit, value_min, value_max, text)
    readings = _candidates(text, unit)
    if unit in WHOLE_UNITS:
        readings = [r for r in readings if r[0] == r[0].to_integral_value()] or readings[:1]
    plausible = {value: shown for value, shown in readings if _inside(value, unit, value_min, value_max)}
    if len(plausible) == 1:
        return float(next(iter(plausible)))
    if not plausible:
        return _check_number(float(readings[0][0]), unit, value_min, value_max, text)
    shown = sorted(plausible.values())
    raise InvalidInput(
        f"'{text}' chưa rõ nghĩa: có thể là {' hoặc '.join(shown)}; hãy gõ đúng một cách, ví dụ {shown[-1]}",
        f"'{text}' is ambiguous: it could be {' or '.join(shown)}; type one exactly, e.g. {shown[-1]}",
    )


def _inside(value: Decimal, unit: str, value_min: float | None, value_max: float | None) -> bool:
    if abs(value) > Decimal(MAX_ABS) or (unit in WHOLE_UNITS and value != value.to_integral_value()):
        return False
    return (value_min is None or float(value) >= value_min) and (
        value_max is None or float(value) <= value_max
    )


def _check_number(
    number: float, unit: str, value_min: float | None, value_max: float | None, text: str
) -> float:
    """Check a canonical number against its unit and the plausible range; return it or raise why not."""
    name_vi, name_en = UNIT_LABELS[unit]
    hint_vi, hint_en = UNIT_HINTS[unit]
    if number != number:
        raise InvalidInput(f"'{text}' không phải là số", f"'{text}' is not a number")
    if (value_min is not None and number < value_min) or (value_max is not None and number > value_max):
        span = _span(unit, value_min, value_max)
        how_vi, how_en = (f" ({hint_vi})", f" ({hint_en})") if unit in RATE_UNITS else ("", "")
        raise InvalidInput(
            f"'{text}' không hợp lệ cho {name_vi}: phải trong khoảng {span}{how_vi}",
            f"'{text}' is not valid for a {name_en}: it must lie in {span}{how_en}",
        )
    if abs(number) > MAX_ABS:
        raise InvalidInput(f"'{text}' quá lớn cho {name_vi}", f"'{text}' is too large for a {name_en}")
    if unit in WHOLE_UNITS and not number.is_integer():
        raise InvalidInput(
            f"'{text}' không phải số nguyên ({name_vi})", f"'{text}' is not a whole number ({name_en})"
        )
    if unit == "yes_no" and number not in (0.0, 1.0):
        raise InvalidInput(f"'{text}' không phải Có/Không ({hint_vi})", f"'{text}' is not yes/no ({hint_en})")
    return number


def format_entry(value: float, unit: str, notation: Notation | str = VI) -> str:
    """Show a canonical value as a person of this notation would type it; `parse_entry` reads it back.

    Args:
        value: the canonical value (rates on 0..1).
        unit: the criterion's unit of entry.
        notation: `Notation`, or "vi" (decimal comma, the default) or "en" (decimal point). A rate
            is shown with a % sign for `percent` criteria, or when the notation says so.

    Returns:
        The text, e.g. `83,5%`, `0,835`, `1.234.567`, `Có`.

    >>> format_entry(0.835, "percent"), format_entry(1234567, "count"), format_entry(0.835, "fraction", "en")
    ('83,5%', '1.234.567', '0.835')
    """
    style = {"vi": VI, "en": EN}.get(notation, VI) if isinstance(notation, str) else notation
    if unit == "yes_no":
        yes = value >= 0.5
        return ("Có" if yes else "Không") if style.decimal == "," else ("Yes" if yes else "No")
    number = Decimal(repr(float(value)))
    if unit in RATE_UNITS and (unit == "percent" or style.percent):
        return f"{_show(number * 100, style)}%"
    if unit in WHOLE_UNITS and number == number.to_integral_value() and style.decimal == ",":
        return f"{int(number):,}".replace(",", ".")
    return _show(number, style)
