"""Index frameworks: schema, YAML loader, validator, built-ins, entry units, versions compared.

Imports only chiso.errors from chiso. The Excel annex is chiso.frameworks.excel (imported on its
own: it needs openpyxl and xlsxwriter, which the scoring engine does not).
"""

from chiso.frameworks.diff import Change, FrameworkDiff, diff_frameworks
from chiso.frameworks.entry import ENTRY_UNITS, format_entry, notation_of, parse_entry
from chiso.frameworks.library import (
    SaveResult,
    dump_framework_yaml,
    framework_ref,
    revise_framework,
    save_framework,
)
from chiso.frameworks.loader import (
    BUILTIN_IDS,
    check_framework,
    framework_from_dict,
    list_builtin_frameworks,
    list_frameworks,
    load_framework,
    load_uncertainty,
    parse_framework,
    uncertainty_path,
)
from chiso.frameworks.rules import FILL_POLICIES, RULE_PARAMS, RuleParams, parse_rule
from chiso.frameworks.schema import TOTAL, Band, Framework, Node, node_max, node_min
from chiso.frameworks.uncertainty import UncertaintySpec, default_uncertainty, uncertainty_from_dict
from chiso.frameworks.validate import check_framework_model

__all__ = [
    "BUILTIN_IDS",
    "ENTRY_UNITS",
    "FILL_POLICIES",
    "RULE_PARAMS",
    "TOTAL",
    "Band",
    "Change",
    "Framework",
    "FrameworkDiff",
    "Node",
    "RuleParams",
    "SaveResult",
    "UncertaintySpec",
    "check_framework",
    "check_framework_model",
    "default_uncertainty",
    "diff_frameworks",
    "dump_framework_yaml",
    "format_entry",
    "framework_from_dict",
    "framework_ref",
    "list_builtin_frameworks",
    "list_frameworks",
    "load_framework",
    "load_uncertainty",
    "notation_of",
    "parse_entry",
    "revise_framework",
    "save_framework",
    "node_max",
    "node_min",
    "parse_framework",
    "parse_rule",
    "uncertainty_from_dict",
    "uncertainty_path",
]
