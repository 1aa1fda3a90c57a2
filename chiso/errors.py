"""Domain exceptions shared by every room; the bottom layer, imports nothing from chiso.

Each error carries a Vietnamese and an English message and, for bad input, a list of
problems located by file, row, column or field. One handler in web/ and one in cli/ turn
them into HTTP responses and CLI messages.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

#: Problems an error lists; past this only their count is given (a 200,000-row file must not answer 90 MB).
MAX_LISTED_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    message_vi: str
    message_en: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    field: str | None = None

    @property
    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"dòng/row {self.row}")
        if self.column:
            parts.append(f"cột/column {self.column}")
        if self.field:
            parts.append(f"trường/field {self.field}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location
        text = f"{self.message_vi} / {self.message_en}"
        return f"{where}: {text}" if where else text

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["text"] = str(self)
        return data


class ChisoError(Exception):
    """Base of every error a user can cause; never shown with a traceback."""

    status = 500
    exit_code = 1

    def __init__(
        self,
        message_vi: str,
        message_en: str | None = None,
        problems: Iterable[Problem] = (),
    ) -> None:
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        found = iter(problems)
        self.problems: Sequence[Problem] = tuple(itertools.islice(found, MAX_LISTED_PROBLEMS))
        #: Every problem found, listed or not.
        self.problem_count = len(self.problems) + sum(1 for _ in found)
        super().__init__(str(self))

    def __str__(self) -> str:
        head = (
            self.message_vi
            if self.message_vi == self.message_en
            else f"{self.message_vi} / {self.message_en}"
        )
        if self.problem_count > len(self.problems):
            head += (
                f" ({self.problem_count:,} lỗi, liệt kê {len(self.problems)} lỗi đầu / "
                f"{self.problem_count:,} problems, the first {len(self.problems)} listed)"
            )
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)

    def to_dict(self) -> dict[str, object]:
        """Return the one JSON error shape: ok, error, errors, status."""
        return {
            "ok": False,
            "error": str(self),
            "errors": [p.to_dict() for p in self.problems]
            or [{"message_vi": self.message_vi, "message_en": self.message_en, "text": str(self)}],
            "status": self.status,
        }


class NotFound(ChisoError):
    status = 404


class PermissionDenied(ChisoError):
    status = 403


class InvalidInput(ChisoError):
    status = 422


class Conflict(ChisoError):
    status = 409


class ScoringError(InvalidInput):
    """The scoring engine refused its input or a method broke its contract."""


class StoreUnavailable(ChisoError):
    """The database cannot be reached, opened or written."""

    status = 503


def text_problems(value: str, *, field: str, max_chars: int) -> list[Problem]:
    """Check a text a person typed: at most `max_chars` characters and no control character but tab/newline.

    A NUL byte or an over-long text would otherwise reach the database, which refuses both (PostgreSQL).
    """
    problems = []
    if len(value) > max_chars:
        problems.append(
            Problem(
                f"Quá dài: {len(value):,} ký tự, tối đa {max_chars:,}",
                f"Too long: {len(value):,} characters, at most {max_chars:,}",
                field=field,
            )
        )
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
        problems.append(
            Problem(
                "Có ký tự điều khiển (như NUL) không được phép",
                "Holds a control character (such as NUL) that is not allowed",
                field=field,
            )
        )
    return problems
