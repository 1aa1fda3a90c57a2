"""Charts: bands in the input's order, an ordered colour-blind-safe palette, labels >= 12 px, offline."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from report_inputs import make_ranking

from chiso.reports.charts import (
    LABEL_PX,
    band_colours,
    band_distribution_spec,
    pillar_profile_spec,
    ranking_chart_svg,
    ranking_spec,
    render_png,
)

ROWS = [
    {"group": "SBN", "total": 91.0, "band": "Tốt", "agency": "Sở Khoa học và Công nghệ"},
    {"group": "SBN", "total": 72.5, "band": "Khá", "agency": "Sở Tài chính"},
    {"group": "PX", "total": 48.0, "band": "Yếu", "agency": "UBND phường Hải Châu"},
]


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_the_legend_lists_the_frameworks_bands_only_in_its_order() -> None:
    four = ["Tốt", "Khá", "Trung bình", "Yếu"]
    scale = ranking_spec(ROWS, bands=four)["hconcat"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == four  # no "Xuất sắc" the framework does not have
    assert scale["range"] == band_colours(4)


def test_without_bands_the_legend_has_the_bands_present_best_first() -> None:
    scale = ranking_spec(ROWS)["hconcat"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Tốt", "Khá", "Yếu"]


def test_agencies_without_a_band_get_a_grey_of_their_own() -> None:
    scale = ranking_spec([{"group": "A", "total": 10, "band": None, "agency": "x"}], bands=["Đạt"])
    colour = scale["hconcat"][0]["encoding"]["color"]["scale"]
    assert colour["domain"] == ["Đạt", "—"] and len(colour["range"]) == 2


@given(st.integers(1, 7))
def test_adjacent_bands_differ_in_lightness(count: int) -> None:
    colours = band_colours(count)
    assert len(colours) == count == len(set(colours))
    for a, b in zip(colours, colours[1:], strict=False):
        lighter, darker = max(_luminance(a), _luminance(b)), min(_luminance(a), _luminance(b))
        assert (lighter + 0.05) / (darker + 0.05) >= 1.3, (a, b)


def _font_sizes(spec: Any) -> list[int]:
    config = spec["config"]
    return [
        config["axis"]["labelFontSize"],
        config["legend"]["labelFontSize"],
        config["header"]["labelFontSize"],
    ]


def test_every_label_is_at_least_12_px() -> None:
    ranking = make_ranking()
    for spec in (ranking_spec(ROWS), band_distribution_spec(ranking), pillar_profile_spec(ranking, "SDL")):
        assert min(_font_sizes(spec)) >= LABEL_PX >= 12


def test_band_distribution_counts_each_band_per_group() -> None:
    values = band_distribution_spec(make_ranking())["data"]["values"]
    wards = {v["band"]: v["count"] for v in values if v["group"] == "Khối phường, xã"}
    assert wards == {"Tốt": 1, "Khá": 1, "Trung bình": 1, "Yếu": 2}


def test_pillar_profile_puts_the_agency_against_its_group() -> None:
    values = pillar_profile_spec(make_ranking(), "SDL", lang="en")["data"]["values"]
    infra = {v["series"]: v["percent"] for v in values if v["pillar"] == "Infrastructure"}
    assert infra == {"Agency": 75.0, "Group mean": round(100 * 187 / 6 / 40, 1), "Group best": 95.0}


def test_svg_and_png_are_rendered_offline_with_vietnamese_titles() -> None:
    svg = ranking_chart_svg(ROWS)
    assert svg.lstrip().startswith("<svg") and "Số đơn vị theo xếp loại" in svg
    assert "Agencies per band" in ranking_chart_svg(
        ROWS, labels={"Số đơn vị theo xếp loại": "Agencies per band"}
    )
    assert ranking_chart_svg([]) == ""
    assert render_png(band_distribution_spec(make_ranking())).startswith(b"\x89PNG")
