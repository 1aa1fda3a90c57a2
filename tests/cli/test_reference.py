"""The docs name every CLI command and every scoring rule: the reference is generated and must be current."""

from __future__ import annotations

from pathlib import Path

from chiso.cli.reference import render_reference
from chiso.frameworks.rules import RULE_PARAMS
from chiso.scoring.rules import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == render_reference(), (
        "docs/cli.md is stale: run `python -m chiso.cli.reference --write docs/cli.md`"
    )


def test_cli_reference_lists_the_commands_of_the_readme_tour() -> None:
    text = render_reference()
    for command in ("chiso init", "chiso demo", "chiso units lineage", "chiso agencies import",
                    "chiso score explain", "chiso framework check", "chiso monitor score766", "chiso serve"):
        assert f"## `{command}`" in text


def test_every_scoring_rule_is_documented() -> None:
    text = "".join((DOCS / name).read_text(encoding="utf-8") for name in ("frameworks.md", "scoring.md"))
    missing = sorted(key for key in {*RULES, *RULE_PARAMS} if f"`{key}`" not in text)
    assert not missing, f"rules missing from docs/frameworks.md and docs/scoring.md: {missing}"
