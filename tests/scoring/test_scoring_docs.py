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
    for command in ("chiso score --framework", "chiso score explain"):
        assert command in scoring
