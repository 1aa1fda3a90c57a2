"""The leader's dashboard composed from stored results: the province's figures per month from the live-score
snapshots (the leader brief's rule), bands, movers, targets and the red-first list (issue 11)."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.errors import PermissionDenied
from chiso.flows import dashboard, live_history
from chiso.flows.reports import _province
from chiso.followup import targets
from chiso.monitoring.history import snapshot_of
from chiso.monitoring.live import GROUP_CODES, GROUPS, LiveBoard, LiveRow, board_version, province_rates
from chiso.store.db import session_scope
from chiso.store.models.followup import Target, TargetStatus
from chiso.store.models.live_history import LiveScoreSnapshot
from chiso.store.models.users import User
from chiso.web.svg import lines

NOW = datetime(2026, 8, 20, 3, 0, tzinfo=UTC)
CODES = ("DB.A", "DB.B", "DB.C", "DB.D")


def _board(month: str, totals: list[float | None]) -> LiveBoard:
    rows = [
        LiveRow(
            agency_code=code, name=f"Cơ quan {code}", level="department" if i < 2 else "commune",
            total=t, rank=None, band=None if t is None else ("Tốt" if t >= 80 else "Khá"), received=10,
            components={g: None if t is None else round(t * m / 100, 2) for g, _, _, m in GROUPS}, trend=[],
        )
        for i, (code, t) in enumerate(zip(CODES, totals, strict=True))
    ]  # fmt: skip
    board = LiveBoard(period=month, period_kind="month", as_of=NOW.replace(tzinfo=None), months=[month],
                      groups=[], sort="rank", order="asc", rows=rows, computed_seconds=0.0,
                      rates={"TIMELINESS": 93.0})  # fmt: skip
    return board.model_copy(update={"version": board_version(board)})


def _totals(n: int) -> list[float | None]:
    """Agency A rises 1 point a month, B falls 2, C stays, D has no data in even months."""
    return [60.0 + n, 90.0 - 2 * n, 75.0, None if n % 2 == 0 else 70.0]


@pytest.fixture
def url(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CHISO_DATABASE_URL", store_url)

    def empty() -> None:
        with session_scope(store_url) as s:
            s.execute(delete(LiveScoreSnapshot))
            s.execute(delete(TargetStatus))
            s.execute(delete(Target).where(Target.code.like("DB_%")))

    empty()
    yield store_url
    empty()


def _history(url: str) -> LiveBoard:
    """Write 13 closed months (2025-07 .. 2026-07) and return August's board (this month)."""
    months = [f"{2025 + (6 + i) // 12}-{(6 + i) % 12 + 1:02d}" for i in range(13)]
    with session_scope(url) as s:
        for n, month in enumerate(months):
            snap = snapshot_of(_board(month, _totals(n)))
            start = date.fromisoformat(month + "-01")
            live_history.write_snapshot(s, actor=SYSTEM, kind="month", period=start, snapshot=snap)
    return _board("2026-08", _totals(13))


def test_the_figures_are_the_snapshots_means_and_agree_with_the_leader_brief(url: str) -> None:
    board = _history(url)
    with clock.frozen(NOW), session_scope(url) as s:
        dash = dashboard.compose(s, board, sort="improvement", top=None)
    assert dash.month == "2026-08" and dash.last_month == "2026-07" and dash.last_year_month == "2025-08"
    assert [p.month for p in dash.trend] == [f"2025-{m:02d}" for m in (9, 10, 11, 12)] + [
        f"2026-{m:02d}" for m in range(1, 9)
    ]
    assert dash.trend[-1].closed is False and dash.trend[0].closed is True
    total = dash.figures[0]
    assert total.code == "TOTAL"
    # The brief's own rule on the same board gives the same province figure.
    brief = _province(board)
    assert brief is not None and total.value == brief.total
    assert total.last_month == round(statistics.fmean(t for t in _totals(12) if t is not None), 2)
    assert total.last_year == round(statistics.fmean(t for t in _totals(1) if t is not None), 2)
    assert total.change_month == round(total.value - total.last_month, 2)
    timeliness = next(f for f in dash.figures if f.code == "TIMELINESS")
    assert timeliness.value == 93.0 and timeliness.unit == "percent"
    # Bands per kind of agency; D has no data this month (odd months only).
    communes = next(b for b in dash.band_shares if b.level == "commune")
    assert communes.agencies == 2 and communes.no_data == 0 and communes.counts["Khá"] == 2
    # Movers over the window: A rose most, B fell most; "falling" lists B only (a fall since last month).
    assert [m.agency_code for m in dash.movers][:2] == ["DB.A", "DB.C"]
    assert dash.movers[0].change_window == pytest.approx(11.0)
    falling = [i for i in dash.red if i.kind == "falling"]
    assert [i.agency_code for i in falling] == ["DB.B"] and falling[0].change == -2.0
    rows, columns = dashboard.table_rows(dash, "trend")
    assert len(rows) == 12 and "TOTAL" in columns


def test_decline_sort_puts_the_largest_fall_first(url: str) -> None:
    board = _history(url)
    with clock.frozen(NOW), session_scope(url) as s:
        dash = dashboard.compose(s, board, sort="decline", top=2)
    assert [m.agency_code for m in dash.movers] == ["DB.B", "DB.C"]


def test_targets_judge_the_province_figure_and_list_agencies_below_first(url: str) -> None:
    board = _history(url)
    with clock.frozen(NOW), session_scope(url) as s:
        target = targets.save_target(s, province_code="48", actor=SYSTEM, data=targets.TargetIn(
            code="DB_766", name_vi="Điểm 766 từ 80", indicator="total766", valid_from=date(2026, 1, 1),
            value=80.0))  # fmt: skip
        for code, value, status in (
            ("DB.A", 73.0, "missed"),
            ("DB.C", 75.0, "missed"),
            ("DB.B", 64.0, "met"),
        ):
            s.add(TargetStatus(target_id=target.id, agency_code=code, period="2026", value=value,
                               target_value=80.0, status=status, trend=[], evaluated_at=NOW))  # fmt: skip
        s.flush()
        dash = dashboard.compose(s, board, sort="improvement", top=10)
    total = dash.figures[0]
    assert total.target == 80.0 and total.status == "missed"
    assert dash.red[0].kind == "indicator"
    missed = [i for i in dash.red if i.kind == "missed"]
    assert [i.agency_code for i in missed] == ["DB.A", "DB.C"]  # the largest gap first
    assert dash.red_total["missed"] == 2 and dash.red_total["indicator"] == 1


def test_only_the_secretariat_and_leaders_read_it(url: str) -> None:
    with session_scope(url) as s:
        with pytest.raises(PermissionDenied):
            dashboard.check_reader(User(username="x", full_name="x", role="reporter", password_hash="-"))
        dashboard.check_reader(SYSTEM)
        dashboard.check_reader(User(username="y", full_name="y", role="leader", password_hash="-"))
        assert s is not None


def test_province_rates_sum_the_roots_counts_only() -> None:
    values = pd.DataFrame(
        {
            "agency_code": ["P", "C1", "C2", "X"],
            "indicator_code": ["TIMELINESS"] * 4,
            "numerator": [9.0, 4.0, 5.0, 0.0],
            "denominator": [10.0, 5.0, 5.0, 10.0],
        }
    )
    agencies = pd.DataFrame({"agency_code": ["P", "C1", "C2", "X"], "parent_code": [None, "P", "P", None]})
    rates = province_rates(values, agencies)
    assert rates["TIMELINESS"] == 45.0  # (9 + 0) / (10 + 10): P holds C1 and C2, never counted twice
    assert rates["PAYMENT_DOSSIERS"] is None  # no dossier: no data, not 0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=2, max_size=8),
    st.integers(1, 7),
)
def test_a_line_never_crosses_a_formula_break(values: list[float | None], cut: int) -> None:
    cut = min(cut, len(values) - 1)
    svg = str(lines([str(i) for i in range(len(values))], [("s", values)], title="t", breaks=[cut]))
    step = max(480, 44 * len(values)) / max(len(values) - 1, 1)
    xs_break = 34 + (cut - 0.5) * step
    for chunk in svg.split('<polyline points="')[1:]:
        xs = [float(p.split(",")[0]) for p in chunk.split('"')[0].split()]
        assert all(x < xs_break for x in xs) or all(x > xs_break for x in xs)
    assert np.isfinite(xs_break)
    assert len(GROUP_CODES) == 6
