"""Saved dashboards: the spec's validation (hypothesis), the grid layout, versions, restore and sharing."""

from __future__ import annotations

import json

import pytest
from dashboard_fixtures import add_indicator
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput, NotFound, PermissionDenied
from chiso.indicators import dashboards as boards
from chiso.indicators.dashboards import COLUMNS, DashboardIn, DashboardItem, DashboardSpec, place_items
from chiso.store.models.audit import AuditEntry
from chiso.store.models.indicators import DashboardVersion
from chiso.store.models.users import User

CODES = st.from_regex(r"[A-Z][A-Z0-9_]{1,10}", fullmatch=True)


@st.composite
def items(draw: st.DrawFn, n: int = 0) -> DashboardItem:
    kind = draw(st.sampled_from(boards.ITEM_KINDS))
    w = draw(st.integers(1, COLUMNS))
    x = draw(st.integers(0, COLUMNS - w))
    if kind == "text":
        codes: list[str] = []
    elif kind in boards.ONE_INDICATOR:
        codes = [draw(CODES)]
    else:
        codes = draw(st.lists(CODES, min_size=1, max_size=6))
    return DashboardItem(
        id=f"i{n}", kind=kind, indicators=codes, x=x, y=draw(st.integers(0, 50)), w=w,
        h=draw(st.integers(1, 6)), periods=draw(st.integers(2, 60)),
        text="Ghi chú — số liệu" if kind == "text" else None,
        title_vi=draw(st.none() | st.text(min_size=1, max_size=40).filter(str.strip)),
    )  # fmt: skip


@st.composite
def specs(draw: st.DrawFn) -> DashboardSpec:
    count = draw(st.integers(0, 8))
    period = draw(st.none() | st.sampled_from(["2026-03", "2026-Q1", "2026"]))
    placed = place_items([draw(items(n)) for n in range(count)])
    return DashboardSpec(items=placed, filters=boards.DashboardFilters(period=period))


@given(specs())
def test_a_valid_spec_survives_its_json_round_trip(spec: DashboardSpec) -> None:
    stored = json.loads(json.dumps(spec.model_dump(mode="json")))
    assert DashboardSpec.model_validate(stored) == spec


@given(st.integers(1, COLUMNS), st.integers(0, COLUMNS - 1))
def test_an_item_never_runs_past_the_twelfth_column(w: int, x: int) -> None:
    data = {"id": "a", "kind": "tile", "indicators": ["AB"], "x": x, "w": w}
    if x + w > COLUMNS:
        with pytest.raises(ValidationError, match="12"):
            DashboardItem.model_validate(data)
    else:
        assert DashboardItem.model_validate(data).x == x


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"id": "a", "kind": "text"}, "text note needs its text"),
        ({"id": "a", "kind": "line"}, "at least one indicator"),
        ({"id": "a", "kind": "tile", "indicators": ["AB", "CD"]}, "one indicator only"),
        ({"id": "a", "kind": "pie", "indicators": ["AB"]}, "kind"),
        ({"id": "a", "kind": "tile", "indicators": ["ab-1"]}, "indicators"),
        ({"id": "A B", "kind": "tile", "indicators": ["AB"]}, "id"),
    ],
)
def test_a_wrong_item_is_refused_with_its_reason(data: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        DashboardItem.model_validate(data)


def test_repeated_item_ids_and_a_bad_period_are_refused() -> None:
    tile = {"kind": "tile", "indicators": ["AB"]}
    with pytest.raises(ValidationError, match="repeated: a"):
        DashboardSpec.model_validate({"items": [{"id": "a", **tile}, {"id": "a", **tile}]})
    with pytest.raises(ValidationError, match="2026-13"):
        DashboardSpec.model_validate({"filters": {"period": "2026-13"}})
    with pytest.raises(ValidationError, match="a và b chồng lên nhau / items overlap"):
        DashboardSpec.model_validate({"items": [{"id": "a", "w": 6, **tile}, {"id": "b", "x": 5, **tile}]})


@given(st.lists(st.tuples(st.integers(1, COLUMNS), st.integers(1, 6)), max_size=15))
def test_placed_items_stay_in_order_on_the_grid_and_never_overlap(sizes: list[tuple[int, int]]) -> None:
    raw = [DashboardItem(id=f"i{n}", kind="text", text="x", w=w, h=h) for n, (w, h) in enumerate(sizes)]
    placed = place_items(raw)
    cells: set[tuple[int, int]] = set()
    for item in placed:
        assert item.x + item.w <= COLUMNS
        mine = {(item.x + dx, item.y + dy) for dx in range(item.w) for dy in range(item.h)}
        assert not cells & mine
        cells |= mine
    reading = sorted(placed, key=lambda i: (i.y, i.x))
    assert [i.id for i in reading] == [i.id for i in placed]


def _spec(*codes: str) -> DashboardSpec:
    tiles = [DashboardItem(id=f"i{n}", kind="tile", indicators=[c]) for n, c in enumerate(codes)]
    return DashboardSpec(items=place_items(tiles))


def test_saving_writes_a_new_version_and_restore_saves_an_old_spec_again(db: Session) -> None:
    add_indicator(db, "TD_A")
    add_indicator(db, "TD_B")
    made = boards.create_dashboard(
        db, data=DashboardIn(title_vi="Bảng thử", spec=_spec("TD_A")), actor=SYSTEM
    )
    assert made.version == 1 and made.slug == "bang-thu"
    data = DashboardIn(title_vi="Bảng thử", spec=_spec("TD_A", "TD_B"))
    saved = boards.save_dashboard(db, dashboard_id=made.id, data=data, actor=SYSTEM)
    assert saved.version == 2 and len(saved.spec.items) == 2
    restored = boards.restore_version(db, dashboard_id=made.id, version=1, actor=SYSTEM)
    assert restored.version == 3 and restored.spec == made.spec
    history = boards.list_versions(db, dashboard_id=made.id, actor=SYSTEM)
    assert [(v.version, v.items) for v in history] == [(3, 1), (2, 2), (1, 1)]
    kept = db.scalars(select(DashboardVersion.version).where(DashboardVersion.dashboard_id == made.id))
    assert sorted(kept) == [1, 2, 3]
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "dashboard"))
    assert {"dashboard.create", "dashboard.save", "dashboard.restore"} <= set(actions)
    with pytest.raises(NotFound, match="no version 9"):
        boards.restore_version(db, dashboard_id=made.id, version=9, actor=SYSTEM)
    again = boards.create_dashboard(db, data=DashboardIn(title_vi="Bảng thử"), actor=SYSTEM)
    assert again.slug == "bang-thu-2"


def test_an_unknown_indicator_is_refused_by_name(db: Session) -> None:
    with pytest.raises(InvalidInput, match="TD_NONE"):
        boards.create_dashboard(db, data=DashboardIn(title_vi="X", spec=_spec("TD_NONE")), actor=SYSTEM)


def test_only_the_secretariat_builds_edits_and_shares(db: Session) -> None:
    made = boards.create_dashboard(db, data=DashboardIn(title_vi="Riêng"), actor=SYSTEM)
    leader = User(username="ld", role="leader")
    with pytest.raises(PermissionDenied):
        boards.create_dashboard(db, data=DashboardIn(title_vi="X"), actor=leader)
    with pytest.raises(PermissionDenied):
        boards.save_dashboard(db, dashboard_id=made.id, data=DashboardIn(title_vi="X"), actor=leader)
    with pytest.raises(PermissionDenied):
        boards.share_dashboard(db, dashboard_id=made.id, sharing="public", roles=[], actor=leader)
    with pytest.raises(InvalidInput, match="unknown roles: king"):
        boards.share_dashboard(db, dashboard_id=made.id, sharing="roles", roles=["king"], actor=SYSTEM)


def test_opening_fails_closed_until_shared(db: Session) -> None:
    made = boards.create_dashboard(db, data=DashboardIn(title_vi="Riêng", roles=["leader"]), actor=SYSTEM)
    leader, reporter = User(username="ld", role="leader"), User(username="bc", role="reporter")
    secretariat = User(username="vt", role="secretariat")
    with pytest.raises(NotFound):
        boards.get_dashboard(db, dashboard_id=made.id, actor=None)
    with pytest.raises(PermissionDenied):
        boards.get_dashboard(db, dashboard_id=made.id, actor=reporter)
    assert boards.get_dashboard(db, dashboard_id=made.id, actor=leader).id == made.id
    assert boards.get_dashboard(db, dashboard_id=made.id, actor=secretariat).id == made.id
    assert [d.id for d in boards.list_dashboards(db, actor=None)] == []
    assert [d.id for d in boards.list_dashboards(db, actor=reporter)] == []
    assert [d.id for d in boards.list_dashboards(db, actor=leader)] == [made.id]
    shared = boards.share_dashboard(db, dashboard_id=made.id, sharing="public", roles=[], actor=SYSTEM)
    assert shared.version == 1  # sharing is not a new version of the spec
    assert boards.get_dashboard(db, dashboard_id=made.id, actor=None).sharing == "public"
    assert [d.id for d in boards.list_dashboards(db, actor=reporter)] == [made.id]
    with pytest.raises(NotFound):
        boards.get_dashboard(db, dashboard_id=made.id + 1000, actor=secretariat)
