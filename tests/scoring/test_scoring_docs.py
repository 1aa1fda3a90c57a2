"""Every registered rule, fill policy and CLI command of this room appears in the docs."""

from __future__ import annotations

from pathlib import Path

from chiso.frameworks import FILL_POLICIES, RULE_PARAMS
from chiso.scoring import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_rules_policies_and_commands_are_documented() -> None:
    frameworks = (DOCS / "frameworks.md").read_text(encoding="utf-8")
    scoring = (DOCS / "scoring.md").read_text(encoding="utf-8")
    for key in set(RULES) | set(RULE_PARAMS):
        assert f"`{key}`" in frameworks, key
    for policy in FILL_POLICIES:
        assert f"`{policy}`" in frameworks or policy in frameworks, policy
    for command in ("chiso framework list", "chiso framework show", "chiso framework check"):
        assert command in frameworks
    for command in (
        "chiso score --framework",
        "chiso score explain",
        "chiso score uncertainty",
        "chiso score plan",
    ):
        assert command in scoring


def test_uncertainty_factors_and_their_choices_are_documented() -> None:
    from typing import get_args

    from chiso.frameworks.uncertainty import MissingChoice, NormalisationChoice
    from chiso.scoring.leaves import METHODS

    scoring = (DOCS / "scoring.md").read_text(encoding="utf-8")
    for key in ("weights", "aggregation", "normalisation", "missing", "assessor", "measurement"):
        assert f"| `{key}` |" in scoring, key
    for choice in (*get_args(MissingChoice), *get_args(NormalisationChoice), *METHODS):
        assert f"`{choice}`" in scoring, choice
