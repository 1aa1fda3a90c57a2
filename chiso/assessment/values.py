"""Check a typed value against its criterion's kind: yes/no, number, ratio, choice, points.

Domain layer: pure functions on form.Criterion and schemas.ValueInput; no database, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from chiso.assessment.form import Criterion
from chiso.assessment.schemas import ValueInput
from chiso.errors import InvalidInput, Problem
from chiso.frameworks.entry import parse_entry

#: Numerators and denominators of a ratio are counts of things (dossiers, procedures): `1.234` is 1234.
RATIO_PART_UNIT = "count"


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


def _entry(c: Criterion, raw: object, unit: str, column: str, problems: list[Problem]) -> float | None:
    """Read one typed value in the criterion's notation (chiso.frameworks.entry); a refusal becomes a problem.

    `83`, `83%`, `83,5%` and `0,83` all reach one canonical rate; `1.234.567` a count; the plausible
    range (the rule's value_min / value_max) applies to numbers typed for the value itself.
    """
    lo, hi = (c.min_value, c.max_value) if column in ("value",) else (0.0, None)
    typed: str | int | float = raw if isinstance(raw, int | float) and not isinstance(raw, bool) else str(raw)
    try:
        return parse_entry(typed, unit, lo, hi)
    except InvalidInput as exc:
        problems.append(_problem(c, f"{c.code}: {exc.message_vi}", f"{c.code}: {exc.message_en}", column))
        return None


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
            number = _entry(c, value, RATIO_PART_UNIT, name, problems)
            if number is not None:
                nums[name] = number
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
    unit = "yes_no" if c.kind == "yesno" else "points" if c.kind == "points" else c.unit
    if isinstance(raw.value, bool):
        raw_value: object = 1 if raw.value else 0
    else:
        raw_value = raw.value
    number = _entry(c, raw_value, unit, "value", problems)
    if number is None:
        return CleanValue(), problems
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
