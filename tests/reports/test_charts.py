"""Ranking charts: rendered offline to SVG, counting agencies per band per group, Vietnamese text intact."""

from __future__ import annotations

from chiso.reports.charts import BAND_COLOURS, ranking_chart_svg, ranking_spec

ROWS = [
    {"group": "SBN", "total": 91.0, "band": "Tốt", "agency": "Sở Khoa học và Công nghệ"},
    {"group": "SBN", "total": 72.5, "band": "Khá", "agency": "Sở Tài chính"},
    {"group": "PX", "total": 48.0, "band": "Yếu", "agency": "UBND phường Hải Châu"},
]


def test_spec_counts_per_band_and_colours_bands_in_order() -> None:
    spec = ranking_spec(ROWS)
    counts, spread = spec["hconcat"]
    assert counts["encoding"]["x"]["aggregate"] == "count"
    colour = counts["encoding"]["color"]["scale"]
    assert colour["domain"][:5] == ["Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu"]
    assert colour["range"][:5] == list(BAND_COLOURS)
    assert sorted(v["total"] for v in spec["data"]["values"]) == [48.0, 72.5, 91.0]
    assert spread["encoding"]["x"]["field"] == "total"


def test_unknown_band_labels_still_get_a_colour() -> None:
    spec = ranking_spec([{"group": "A", "total": 10, "band": "Đạt", "agency": "x"}])
    scale = spec["hconcat"][0]["encoding"]["color"]["scale"]
    assert "Đạt" in scale["domain"] and len(scale["range"]) == len(scale["domain"])


def test_svg_is_rendered_offline_with_vietnamese_titles_and_translations() -> None:
    svg = ranking_chart_svg(ROWS)
    assert svg.lstrip().startswith("<svg") and "Số đơn vị theo xếp loại" in svg
    english = ranking_chart_svg(ROWS, labels={"Số đơn vị theo xếp loại": "Agencies per band"})
    assert "Agencies per band" in english
    assert ranking_chart_svg([]) == ""
