"""Monitoring: operational records (Parquet) -> computed indicators; imports no store/, web/, cli/ or rooms.

Split by step, each importing only the steps below it: `periods`, `calendar`; `records/` (schemas,
readers, the Parquet store); `metrics/` and `custom/` (metric definitions); `compute/` (records ->
values on DuckDB or Spark); `cache/` (per-file derived results beside the store); `runner`
(compute from the store) and `ingest`; then `generate`, `score766` and `live`. See docs/monitoring.md.
"""
