"""A saved dashboard composed through the cube: tiles (change, target status), rankings, formulas, drill-down.

Catalogue rows, values and targets are written straight into the store (tests/dashboard_fixtures.py);
the administrative units are the real ones, so rankings list every current commune of Đà Nẵng.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from dashboard_fixtures import add_indicator, put, target
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput, NotFound
from chiso.flows import indicator_dashboards as flow
from chiso.indicators import dashboards as boards
from chiso.indicators.demo_dashboards import DEMO, add_demo_dashboards
from chiso.store.models.users import User
from chiso.units.admin import list_units
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.agencies import create_agency

TODAY = datetime(2026, 4, 15, 9, 0)


@pytest.fixture
def place(store_url: str, db: Session) -> Iterator[list[str]]:
    """The province's agencies (one department) on real units; yield three current commune codes."""
    ensure_units_loaded(store_url, actor=SYSTEM)
    create_agency(db, actor=SYSTEM, code="TD.SO", name_vi="Sở thử", kind="department", province_code="48")
    with clock.frozen(TODAY):
        communes = list_units(db, province_code="48", level="commune", on=clock.today(), order="code")
        yield [u.code for u in communes[:3]]


def _board(db: Session, *items: dict[str, object], period: str | None = None) -> int:
    placed = boards.place_items([boards.DashboardItem.model_validate(i) for i in items])
    spec = boards.DashboardSpec.model_validate({"items": placed, "filters": {"period": period}})
    made = boards.create_dashboard(
        db, data=boards.DashboardIn(title_vi="Bảng thử", sharing="public", spec=spec), actor=SYSTEM
    )
    return made.id


def _view(db: Session, board: int, **filters: str | None) -> flow.DashboardView:
    return flow.get_dashboard_view(
        db, dashboard_id=board, period=filters.get("period"), unit=filters.get("unit"), actor=None
    )


def test_a_tile_shows_its_latest_value_the_change_and_the_target_status(
    db: Session, place: list[str]
) -> None:
    a, b, _ = place
    add_indicator(db, "TD_HS")
    add_indicator(db, "TD_TRE", higher_is_better=False, level="province", aggregation="none")
    for unit, feb, mar in ((a, 10, 30), (b, 20, 25)):
        put(db, "TD_HS", unit, "2026-02", feb)
        put(db, "TD_HS", unit, "2026-03", mar)
    put(db, "TD_TRE", "48", "2026-02", 5)
    put(db, "TD_TRE", "48", "2026-03", 4)
    target(db, "TD_HS", 2026, 50)
    target(db, "TD_TRE", 2026, 3)
    board = _board(db, {"id": "a", "kind": "tile", "indicators": ["TD_HS"]},
                   {"id": "b", "kind": "tile", "indicators": ["TD_TRE"]})  # fmt: skip
    view = _view(db, board)
    hs, tre = view.items[0].tile, view.items[1].tile
    assert hs is not None and tre is not None
    assert (hs.period, hs.value, hs.previous, hs.change) == ("2026-03", 55, 30, 25)
    assert hs.change_pct == pytest.approx(83.333, abs=0.01)
    assert (hs.target, hs.status) == (50, "met")
    assert (tre.value, tre.change, tre.status) == (4, -1, "missed")  # lower is better: 4 is above 3
    assert view.items[0].drill and not view.items[1].drill  # a province-only figure has nothing below it

    february = _view(db, board, period="2026-02")
    assert february.items[0].tile is not None and february.items[0].tile.value == 30
    assert february.items[1].tile is not None and february.items[1].tile.status == "missed"
    april = _view(db, board, period="2026-04").items[0].tile
    assert april is not None and (april.value, april.status, april.change) == (None, "no_data", None)
    quarter = _view(db, board, period="2026-Q1").items[0].tile  # a month item in a quarter: its last month
    assert quarter is not None and quarter.period == "2026-03"
    one = _view(db, board, unit=a)
    assert one.items[0].scope == "unit" and one.items[0].tile is not None and one.items[0].tile.value == 30
    assert one.items[1].scope == "province" and one.unit_name


def test_a_ranking_lists_units_without_data_last_and_never_ranks_them(db: Session, place: list[str]) -> None:
    a, b, c = place
    add_indicator(db, "TD_TL", value_type="percent", aggregation="mean")
    add_indicator(db, "TD_CHAM", value_type="duration", aggregation="mean", higher_is_better=False)
    for unit, value in ((a, 60.0), (b, 90.0), (c, 60.0)):
        put(db, "TD_TL", unit, "2026-03", value)
        put(db, "TD_CHAM", unit, "2026-03", value)
    board = _board(db, {"id": "r", "kind": "ranking", "indicators": ["TD_TL"]},
                   {"id": "s", "kind": "ranking", "indicators": ["TD_CHAM"]})  # fmt: skip
    view = _view(db, board)
    rows = view.items[0].units
    assert rows is not None and len(rows) > 3  # every current commune is listed
    assert rows[0].code == b and {(r.code, r.rank) for r in rows[1:3]} == {(a, 2), (c, 2)}  # ties share
    assert all(r.value is None and r.rank is None for r in rows[3:])
    assert [r.code for r in view.items[1].units or []][2] == b  # shorter is better: 90 ranks last
    drill = flow.get_drill(db, dashboard_id=board, item_id="r", period=None, actor=None)
    assert drill.period == "2026-03" and drill.with_data == 3 and drill.province_value == pytest.approx(70)
    assert drill.units[0].code == b and drill.units[-1].value is None


def test_a_formula_item_is_computed_from_its_operands(db: Session, place: list[str]) -> None:
    a, b, _ = place
    add_indicator(db, "TD_TONG")
    add_indicator(db, "TD_TT")
    add_indicator(db, "TD_TL_TT", value_type="percent", source="formula", formula="TD_TT / TD_TONG * 100")
    for unit, total, online in ((a, 100, 40), (b, 300, 60)):
        put(db, "TD_TONG", unit, "2026-03", total)
        put(db, "TD_TT", unit, "2026-03", online)
    line = {"id": "l", "kind": "line", "indicators": ["TD_TL_TT", "TD_TT"], "periods": 3}
    board = _board(db, {"id": "t", "kind": "tile", "indicators": ["TD_TL_TT"]},
                   {"id": "r", "kind": "ranking", "indicators": ["TD_TL_TT"]}, line)  # fmt: skip
    view = _view(db, board)
    assert view.items[0].tile is not None and view.items[0].tile.value == pytest.approx(25)  # 100 / 400
    ranked = view.items[1].units or []
    assert [(r.code, r.value) for r in ranked[:2]] == [(a, 40), (b, 20)]
    chart = view.items[2].chart
    assert chart is not None and chart.periods == ["2026-01", "2026-02", "2026-03"]  # April: nothing yet
    assert chart.series[0].values == [None, None, pytest.approx(25)] and chart.series[1].values[2] == 100
    april = _view(db, board, period="2026-04").items[2].chart  # a filter keeps its own period
    assert april is not None and april.periods[-1] == "2026-04"


def test_filters_and_items_refuse_what_does_not_exist(db: Session, place: list[str]) -> None:
    add_indicator(db, "TD_GRDP", level="province", aggregation="none", period_type="year")
    board = _board(db, {"id": "g", "kind": "ranking", "indicators": ["TD_GRDP"]},
                   {"id": "n", "kind": "text", "text": "Ghi chú"})  # fmt: skip
    with pytest.raises(InvalidInput, match="2026-13"):
        _view(db, board, period="2026-13")
    with pytest.raises(InvalidInput, match="No unit XX"):
        _view(db, board, unit="XX")
    with pytest.raises(InvalidInput, match="province only"):
        flow.get_drill(db, dashboard_id=board, item_id="g", period=None, actor=None)
    with pytest.raises(NotFound):
        flow.get_drill(db, dashboard_id=board, item_id="n", period=None, actor=None)
    view = _view(db, board)
    assert view.items[0].units == [] and view.items[1].text == "Ghi chú"
    private = boards.create_dashboard(db, data=boards.DashboardIn(title_vi="Riêng"), actor=SYSTEM)
    with pytest.raises(NotFound):
        _view(db, private.id)
    assert flow.list_dashboard_page(db, actor=User(username="x", role="public")).dashboards[0].id == board


def test_the_demo_dashboards_keep_only_items_whose_indicators_exist(db: Session, place: list[str]) -> None:
    assert add_demo_dashboards(db, actor=SYSTEM) == [d[0] for d in DEMO]  # an empty catalogue: notes only
    assert add_demo_dashboards(db, actor=SYSTEM) == []  # a second run adds nothing
    shown = boards.list_dashboards(db, actor=SYSTEM)
    assert len(shown) == 5 and all(i.kind == "text" for d in shown for i in boards.get_dashboard(
        db, dashboard_id=d.id, actor=SYSTEM).spec.items)  # fmt: skip


def test_the_demo_dashboards_use_the_pinned_indicators_present(db: Session, place: list[str]) -> None:
    for code in ("DVC_TL_TRUC_TUYEN", "DVC_TL_DUNG_HAN", "HT_CAP_QUANG_HO"):
        add_indicator(db, code, value_type="percent", aggregation="mean")
    for code in ("XA_A", "XA_B"):
        add_indicator(db, code, folder_code="CDS_CAP_XA")
    add_demo_dashboards(db, actor=SYSTEM)
    shown = {d.title_vi: d.id for d in boards.list_dashboards(db, actor=SYSTEM)}
    leader = boards.get_dashboard(db, dashboard_id=shown["Tổng quan cho lãnh đạo"], actor=SYSTEM)
    kinds = [(i.kind, i.indicators) for i in leader.spec.items]
    assert kinds == [
        ("tile", ["DVC_TL_TRUC_TUYEN"]), ("tile", ["DVC_TL_DUNG_HAN"]), ("tile", ["HT_CAP_QUANG_HO"]),
        ("line", ["DVC_TL_TRUC_TUYEN", "DVC_TL_DUNG_HAN"]), ("map", ["DVC_TL_TRUC_TUYEN"]), ("text", []),
    ]  # fmt: skip
    assert leader.sharing == "roles" and leader.roles == ["leader"]
    communes = boards.get_dashboard(db, dashboard_id=shown["Chuyển đổi số cấp xã"], actor=SYSTEM)
    assert [i.indicators for i in communes.spec.items if i.kind == "tile"] == [["XA_A"], ["XA_B"]]
    view = flow.get_dashboard_view(db, dashboard_id=leader.id, period=None, unit=None, actor=SYSTEM)
    assert len(view.items) == 6 and view.items[4].map is not None


def test_a_ranking_shows_the_latest_period_its_units_reported(db: Session, place: list[str]) -> None:
    a, b, _ = place
    add_indicator(db, "TD_HO", period_type="year")
    add_indicator(db, "TD_QUANG", period_type="quarter", value_type="percent", aggregation="weighted",
                  weight_code="TD_HO")  # fmt: skip
    for unit, share in ((a, 80.0), (b, 60.0)):
        put(db, "TD_QUANG", unit, "2026-Q1", share)
        put(db, "TD_HO", unit, "2025", 1000)
    board = _board(db, {"id": "r", "kind": "ranking", "indicators": ["TD_QUANG"]})
    item = _view(db, board).items[0]
    assert item.period == "2026-Q1"  # no province figure (the weights are yearly), the units have values
    assert [(u.code, u.value) for u in (item.units or [])[:2]] == [(a, 80), (b, 60)]
