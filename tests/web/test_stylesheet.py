"""The shipped stylesheets parse: one unclosed `@media` block swallows every rule after it (a merge did
that once, and every workbench status tag lost its colour)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "chiso" / "web" / "static"
SHEETS = sorted(STATIC.glob("*.css"))


def _blocks_left_open(css: str) -> list[int]:
    """Line numbers of the `{` never closed (comments and strings ignored)."""
    css = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), css, flags=re.S)
    css = re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", '""', css)
    opened: list[int] = []
    for number, line in enumerate(css.splitlines(), start=1):
        for char in line:
            if char == "{":
                opened.append(number)
            elif char == "}":
                assert opened, f"line {number}: a '}}' closes nothing"
                opened.pop()
    return opened


def test_there_are_sheets() -> None:
    assert SHEETS


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: p.name)
def test_every_block_is_closed(sheet: Path) -> None:
    assert _blocks_left_open(sheet.read_text(encoding="utf-8")) == [], sheet.name


def test_the_check_sees_an_unclosed_media_block() -> None:
    assert _blocks_left_open("a { b: c; }\n@media (x) {\n  d { e: f; }\n/* } */\ng { h: i; }\n") == [2]
