"""Fixtures of the flows tests: the small province and its period (tests/assess_fixtures.py)."""

from assess_fixtures import open_period, province

__all__ = ["open_period", "province"]
