"""The map's colours and drawing (chiso.web.map_svg): every unit coloured, no data never a class colour,
a higher value never a lighter class, legend counts adding up, shapes linked to scorecards."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chiso.flows.unit_map import Indicator, MapPage, MapUnitValue
from chiso.reports.schemas import BandInfo
from chiso.web.map_svg import NO_DATA, PALETTE, choropleth, colour_units, tile_groups

BANDS = [
    BandInfo(code="TOT", label_vi="Tốt", label_en="Good"),
    BandInfo(code="KHA", label_vi="Khá", label_en="Fair"),
]


def _page(values: list[float | None], indicator: str = "total", path: str | None = None) -> MapPage:
    units = [
        MapUnitValue(
            agency_code=f"A{i}", name_vi=f"UBND phường {i}", unit_code=None,
            district="Quận Một" if i % 2 else None,
            group=None, value=v, band=None if v is None else ("Tốt" if v >= 50 else "Khá"), rank=None,
            scorecard_url=f"/agencies/A{i}/scorecard", path=path,
        )
        for i, v in enumerate(values)
    ]  # fmt: skip
    return MapPage(
        source="index", period="P", periods=["P"], indicator=indicator,
        indicators=[Indicator(code="total", name_vi="Tổng điểm")], by="district", groups={}, groups_en={},
        bands=BANDS, max_points=100, units=units, with_data=0, map=None,
        width=100 if path else None, height=100 if path else None,
    )  # fmt: skip


@given(st.lists(st.none() | st.floats(0, 100), max_size=40))
def test_every_unit_has_a_colour_and_the_legend_counts_them_all(values: list[float | None]) -> None:
    page = _page(values)
    fills, legend = colour_units(page, "vi")
    assert set(fills) == {u.agency_code for u in page.units}
    assert sum(item.count for item in legend) == len(values)
    for u in page.units:
        assert (fills[u.agency_code] == NO_DATA) is (u.value is None)
    ranked = sorted((u.value, PALETTE.index(fills[u.agency_code])) for u in page.units if u.value is not None)
    assert [k for _, k in ranked] == sorted(k for _, k in ranked)  # higher value, never a lighter class


def test_bands_are_coloured_best_darkest_with_english_labels() -> None:
    fills, legend = colour_units(_page([90, 10, None], indicator="band"), "en")
    assert fills["A0"] == PALETTE[-1] and fills["A1"] == PALETTE[0] and fills["A2"] == NO_DATA
    assert [(i.label, i.count) for i in legend] == [("Good", 1), ("Fair", 1), ("No data", 1)]


def test_shapes_link_to_scorecards_and_tiles_group_by_district() -> None:
    page = _page([80, None], path="M0,0L10,0L10,10Z")
    fills, _ = colour_units(page, "vi")
    svg = str(choropleth(page, fills, "vi", "Bản đồ"))
    assert svg.count('<a href="/agencies/') == 2 and "<title>Phường 0: 80.00</title>" in svg
    assert "<title>Phường 1: —</title>" in svg
    assert [(name, len(units)) for name, units in tile_groups(page, "en")] == [("Quận Một", 1), ("Other", 1)]
