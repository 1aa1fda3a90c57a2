"""Index frameworks: schema, YAML loader, validator, built-ins; imports only chiso.errors from chiso."""

from chiso.frameworks.loader import (
    BUILTIN_IDS,
    check_framework,
    framework_from_dict,
    list_builtin_frameworks,
    load_framework,
    parse_framework,
)
from chiso.frameworks.rules import FILL_POLICIES, RULE_PARAMS, RuleParams, parse_rule
from chiso.frameworks.schema import TOTAL, Band, Framework, Node, node_max, node_min
from chiso.frameworks.validate import check_framework_model

__all__ = [
    "BUILTIN_IDS",
    "FILL_POLICIES",
    "RULE_PARAMS",
    "TOTAL",
    "Band",
    "Framework",
    "Node",
    "RuleParams",
    "check_framework",
    "check_framework_model",
    "framework_from_dict",
    "list_builtin_frameworks",
    "load_framework",
    "node_max",
    "node_min",
    "parse_framework",
    "parse_rule",
]
