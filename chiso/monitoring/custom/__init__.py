"""Administrators' own metrics: a YAML file of filter expressions, parsed and checked, never `eval`.

Modules: `syntax` (tokenizer, syntax tree, parser), `check` (types against the record schema),
`compile` (to Ibis, so a custom metric runs on DuckDB and Spark like the built-in ones),
`definitions` (the YAML file -> `Metric`). Monitoring layer; imports the record schema and the
metric base only. The file-level functions are re-exported here.
"""

from chiso.monitoring.custom.definitions import (
    check_custom_metrics,
    load_custom_metrics,
    parse_custom_metrics,
)

__all__ = ["check_custom_metrics", "load_custom_metrics", "parse_custom_metrics"]
