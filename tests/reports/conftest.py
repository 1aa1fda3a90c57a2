"""Fixtures of the report-wiring tests: the small province and its periods (tests/assess_fixtures.py)."""

from assess_fixtures import open_period, province

__all__ = ["open_period", "province"]
