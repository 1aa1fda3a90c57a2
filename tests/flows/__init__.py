"""Tests of chiso.flows (a package, so test_demo.py here and in tests/units can share a name)."""
