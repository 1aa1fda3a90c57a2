"""Tests of chiso.indicators (a package, so test_demo.py here and in tests/units can share a name)."""
