"""The live board's cache: one background computation at a time, and a failing store is not hammered."""

from __future__ import annotations

from pathlib import Path

import pytest

from chiso.flows import live
from chiso.monitoring.periods import parse_period


def test_a_failed_computation_is_retried_after_a_pause_not_on_every_poll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def broken(period: object, **kwargs: object) -> object:
        calls.append("x")
        raise OSError("the record store is unreadable")

    monkeypatch.setattr(live, "build_board", broken)
    cache = live.BoardCache()
    month = parse_period("2026-08")
    for _ in range(5):
        board, pending = cache.peek(month, data_dir=tmp_path)
        if pending is not None:
            with pytest.raises(OSError):
                pending.result(timeout=10)
        assert board is None
    assert calls == ["x"]
