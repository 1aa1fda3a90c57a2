"""Check a typed value against its criterion's kind: yes/no, number, ratio, choice, points.

Domain layer: pure functions on form.Criterion and schemas.ValueInput; no database, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from chiso.assessment.form import NO_WORDS, YES_WORDS, Criterion
from chiso.assessment.schemas import ValueInput
from chiso.errors import Problem


@dataclass(frozen=True)
class CleanValue:
    """A checked value as stored: only the fields of its kind are set; all None means cleared."""

    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    choice: str | None = None
    comment: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "choice": self.choice,
            "comment": self.comment,
        }

    def same_as(self, other: CleanValue) -> bool:
        return self.as_dict() == other.as_dict()


def _blank(raw: object) -> bool:
    return (
        raw is None
        or (isinstance(raw, str) and not raw.strip())
        or (isinstance(raw, float) and math.isnan(raw))
    )


def parse_number(raw: object) -> float:
    """Parse a number typed by a person: "12", "12.5", "12,5" (Vietnamese decimal comma).

    Raises:
        ValueError: not a finite number, or a percentage (type 0.8 or 80 as the criterion asks).
    """
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if text.endswith("%"):
            raise ValueError("percent")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        number = float(text)
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


def _problem(c: Criterion, vi: str, en: str, column: str | None = None) -> Problem:
    return Problem(vi, en, field=c.code, column=column)


def clean_value(criterion: Criterion, raw: ValueInput) -> tuple[CleanValue, list[Problem]]:
    """Check one value against its criterion; return the stored form and the problems found.

    An entirely empty input clears the value (allowed in a draft; `missing_criteria` catches it at submit).
    """
    c = criterion
    comment = raw.comment.strip() if isinstance(raw.comment, str) and raw.comment.strip() else None
    problems: list[Problem] = []
    if c.kind == "ratio":
        if _blank(raw.numerator) and _blank(raw.denominator):
            return CleanValue(comment=comment), []
        nums: dict[str, float] = {}
        for name in ("numerator", "denominator"):
            value = getattr(raw, name)
            if _blank(value):
                problems.append(
                    _problem(
                        c,
                        f"{c.code}: thiếu {'tử số' if name == 'numerator' else 'mẫu số'}",
                        f"{c.code}: the {name} is missing",
                        name,
                    )
                )
                continue
            try:
                nums[name] = parse_number(value)
            except ValueError:
                problems.append(
                    _problem(
                        c,
                        f"{c.code}: '{value}' không phải là số",
                        f"{c.code}: {value!r} is not a number",
                        name,
                    )
                )
                continue
            if nums[name] < 0:
                problems.append(
                    _problem(
                        c,
                        f"{c.code}: {name} không được âm",
                        f"{c.code}: the {name} must not be negative",
                        name,
                    )
                )
        if problems:
            return CleanValue(), problems
        num, den = nums["numerator"], nums["denominator"]
        if num > den:
            return CleanValue(), [
                _problem(
                    c,
                    f"{c.code}: tử số {num:g} lớn hơn mẫu số {den:g}",
                    f"{c.code}: numerator {num:g} is above the denominator {den:g}",
                    "numerator",
                )
            ]
        return CleanValue(
            value=num / den if den > 0 else None, numerator=num, denominator=den, comment=comment
        ), []
    if c.kind == "choice":
        if _blank(raw.choice) and _blank(raw.value):
            return CleanValue(comment=comment), []
        choice = str(raw.choice if not _blank(raw.choice) else raw.value).strip()
        if choice not in c.choices:
            return CleanValue(), [
                _problem(
                    c,
                    f"{c.code}: '{choice}' không thuộc các lựa chọn: {'; '.join(c.choices)}",
                    f"{c.code}: {choice!r} is not one of: {'; '.join(c.choices)}",
                    "choice",
                )
            ]
        return CleanValue(choice=choice, comment=comment), []
    if _blank(raw.value):
        return CleanValue(comment=comment), []
    if c.kind == "yesno":
        if isinstance(raw.value, bool):
            return CleanValue(value=1.0 if raw.value else 0.0, comment=comment), []
        word = str(raw.value).strip().lower()
        if word.endswith(".0"):
            word = word[:-2]
        if word in YES_WORDS:
            return CleanValue(value=1.0, comment=comment), []
        if word in NO_WORDS:
            return CleanValue(value=0.0, comment=comment), []
        return CleanValue(), [
            _problem(
                c,
                f"{c.code}: '{raw.value}' không phải Có/Không",
                f"{c.code}: {raw.value!r} is not yes/no (Có/Không, 1/0)",
                "value",
            )
        ]
    try:
        number = parse_number(raw.value)
    except ValueError:
        return CleanValue(), [
            _problem(
                c,
                f"{c.code}: '{raw.value}' không phải là số (không dùng %)",
                f"{c.code}: {raw.value!r} is not a number (no % sign)",
                "value",
            )
        ]
    lo, hi = c.min_value, c.max_value
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        span = f"[{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}]"
        return CleanValue(), [
            _problem(
                c,
                f"{c.code}: {number:g} nằm ngoài khoảng {span}",
                f"{c.code}: {number:g} is outside {span}",
                "value",
            )
        ]
    return CleanValue(value=number, comment=comment), []


def is_empty(
    kind: str, value: float | None, numerator: float | None, denominator: float | None, choice: str | None
) -> bool:
    """Tell whether a stored value counts as not filled in for its kind."""
    if kind == "ratio":
        return numerator is None or denominator is None
    if kind == "choice":
        return choice is None
    return value is None
