"""The value tests work in a small province of their own (CHISO_PROVINCE), apart from the real units."""

from __future__ import annotations

import pytest
from indicator_values_support import PROVINCE


@pytest.fixture(autouse=True)
def _values_province(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.module.__name__.rsplit(".", 1)[-1].startswith("test_values"):
        monkeypatch.setenv("CHISO_PROVINCE", PROVINCE)
