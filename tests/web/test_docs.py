"""docs/web.md documents every named action and every route (its tables are generated from the code)."""

from __future__ import annotations

from pathlib import Path

from chiso.web.app import create_app, list_routes
from chiso.web.docs import render_tables
from chiso.web.permissions import ACTIONS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "web.md"
HINT = "run `python -m chiso.web.docs --write docs/web.md`"


def test_every_action_is_documented() -> None:
    create_app()  # route modules register their actions on import
    text = PAGE.read_text(encoding="utf-8")
    missing = sorted(name for name in ACTIONS if f"`{name}`" not in text)
    assert not missing, f"actions missing from docs/web.md ({HINT}): {missing}"


def test_every_route_is_documented() -> None:
    text = PAGE.read_text(encoding="utf-8")
    missing = sorted({r.path for r in list_routes(create_app())} - _paths(text))
    assert not missing, f"routes missing from docs/web.md ({HINT}): {missing}"


def test_generated_tables_list_each_role() -> None:
    tables = render_tables()
    assert "| action | secretariat | assessor | reporter | leader | public |" in tables
    assert "| `edit-agencies` | yes | · | · | · | · |" in tables


def _paths(text: str) -> set[str]:
    cells = (cell.strip() for line in text.splitlines() for cell in line.split("|"))
    return {cell.strip("`") for cell in cells if cell.startswith("`/")}
