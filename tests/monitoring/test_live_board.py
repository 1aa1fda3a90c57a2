"""One live board's computation: agencies without dossiers have no data (issue 12, issue 16), periods of
a month, quarter or year, filters and sorting with nulls last."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metric_data import dossiers

from chiso.errors import InvalidInput
from chiso.monitoring.ingest import ingest_files
from chiso.monitoring.live import compute_live_board, filter_board, pick_period, sort_board

NOW = datetime(2026, 8, 20, 10, 0)


def _agencies(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"agency_code": codes, "name": [f"Cơ quan {c}" for c in codes], "parent_code": None,
         "level": ["commune"] * len(codes)}
    )  # fmt: skip


def _store(tmp_path: Path, counts: dict[str, int]) -> Path:
    data_dir = tmp_path / "var"
    rows = [
        {"dossier_id": f"{code}-{i}", "agency_code": code, "received_at": "2026-08-03 09:00",
         "due_at": "2026-08-28 17:00", "channel": "online" if i % 2 else "direct"}
        for code, n in counts.items() for i in range(n)
    ]  # fmt: skip
    if rows:
        path = tmp_path / "in.parquet"
        pq.write_table(dossiers(*rows), path)
        ingest_files([path], data_dir=data_dir)
    return data_dir


def test_an_agency_without_dossiers_has_no_data_never_weak_with_points(tmp_path: Path) -> None:
    data_dir = _store(tmp_path, {"A1": 3, "A2": 1})
    board = compute_live_board(data_dir=data_dir, now=NOW, agencies=_agencies(["A1", "A2", "A3"]))
    rows = {r.agency_code: r for r in board.rows}
    empty = rows["A3"]
    assert empty.total is None and empty.rank is None and empty.band is None
    assert empty.received == 0 and set(empty.components.values()) == {None}
    assert all(v is None for v in empty.trend)
    assert sorted(r.rank for r in board.rows if r.rank is not None) == [1, 2]
    dumped = board.model_dump(mode="json")
    a3 = next(r for r in dumped["rows"] if r["agency_code"] == "A3")
    assert a3["total"] is None and a3["components"]["TIMELINESS_GROUP"] is None  # null, never 0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=3), min_size=2, max_size=5))
def test_only_agencies_with_dossiers_are_ranked(
    tmp_path_factory: pytest.TempPathFactory, counts: list[int]
) -> None:
    tmp_path = tmp_path_factory.mktemp("live")
    by_code = {f"B{i}": n for i, n in enumerate(counts)}
    board = compute_live_board(data_dir=_store(tmp_path, by_code), now=NOW, agencies=_agencies(list(by_code)))
    for row in board.rows:
        assert (row.total is None) == (by_code[row.agency_code] == 0)
        assert (row.rank is None) == (by_code[row.agency_code] == 0)
    ranks = sorted(r.rank for r in board.rows if r.rank is not None)
    assert len(ranks) == sum(1 for n in counts if n) and (not ranks or ranks[0] == 1)


def test_a_quarter_and_a_year_are_boards_too(tmp_path: Path) -> None:
    data_dir = _store(tmp_path, {"A1": 2})
    quarter = compute_live_board(data_dir=data_dir, now=NOW, period=pick_period("2026-Q3", now=NOW))
    assert quarter.period == "2026-Q3" and quarter.months[-1] == "2026-Q3" and len(quarter.months) == 4
    year = compute_live_board(data_dir=data_dir, now=NOW, period=pick_period("2026", now=NOW))
    assert year.period == "2026" and year.rows[0].received == 2
    with pytest.raises(InvalidInput):
        pick_period("2027-01", now=NOW)  # not started
    with pytest.raises(InvalidInput):
        pick_period("2026-W05", now=NOW)  # weeks are not boards


def test_filter_by_group_and_search_and_sort_keeps_no_data_last(tmp_path: Path) -> None:
    data_dir = _store(tmp_path, {"A1": 1, "A2": 2})
    agencies = _agencies(["A1", "A2", "A3"])
    agencies.loc[0, "level"] = "department"
    board = compute_live_board(data_dir=data_dir, now=NOW, agencies=agencies)
    assert board.levels == ["commune", "department"]
    assert [r.agency_code for r in filter_board(board, group="commune").rows] == ["A2", "A3"]
    assert [r.agency_code for r in filter_board(board, search="cơ quan a2").rows] == ["A2"]
    for order in ("asc", "desc"):
        assert sort_board(board, sort="total", order=order).rows[-1].agency_code == "A3"
