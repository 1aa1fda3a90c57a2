"""Monitoring: operational records (Parquet) -> computed indicators; no web/, cli/ or assessment/."""
