"""Charts as Vega-Lite specs rendered to SVG on the server by vl-convert: no chart JavaScript in the
browser, and the same SVG serves pages, Excel and PDF. Reports layer; imports nothing from web/."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import vl_convert

# The bands' colours, best to worst; labels of any framework map onto them by their order.
BAND_ORDER = ("Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu")
BAND_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b", "#fdae61", "#d73027")
FONT = "DejaVu Sans, Arial, sans-serif"


def render_svg(spec: Mapping[str, Any]) -> str:
    """Render a Vega-Lite spec to an SVG string (offline)."""
    return str(vl_convert.vegalite_to_svg(dict(spec)))


def ranking_spec(
    rows: Iterable[Mapping[str, Any]],
    *,
    bands: Iterable[str] = BAND_ORDER,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the spec of a ranking's two pictures: agencies per band in each group, and the spread of totals.

    Args:
        rows: one mapping per agency with `group`, `total`, `band` and `agency` (its name).
        bands: the framework's band labels, best first (they get the colours in that order).
        labels: translations of the chart's titles, keyed by the Vietnamese text.
    """
    t = dict(labels or {})
    band_list = list(dict.fromkeys([*bands, *(r.get("band") or "—" for r in rows)]))
    colours = [BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)] for i in range(len(band_list))]
    values = [
        {"group": str(r["group"]), "total": float(r["total"]), "band": r.get("band") or "—",
         "agency": str(r.get("agency", ""))}
        for r in rows
    ]  # fmt: skip
    colour = {
        "field": "band", "type": "nominal", "title": t.get("Xếp loại", "Xếp loại"),
        "scale": {"domain": band_list, "range": colours}, "sort": band_list,
    }  # fmt: skip
    group_axis = {"field": "group", "type": "nominal", "title": t.get("Nhóm", "Nhóm")}
    counts = {
        "title": t.get("Số đơn vị theo xếp loại", "Số đơn vị theo xếp loại"),
        "mark": {"type": "bar"},
        "encoding": {
            "y": group_axis,
            "x": {"aggregate": "count", "type": "quantitative", "title": t.get("Số đơn vị", "Số đơn vị")},
            "color": colour,
            "order": {"field": "band_order", "type": "ordinal"},
        },
        "transform": [{"calculate": f"indexof({band_list!r}, datum.band)", "as": "band_order"}],
        "width": 280,
    }
    spread = {
        "title": t.get("Phân bố tổng điểm", "Phân bố tổng điểm"),
        "mark": {"type": "tick", "thickness": 3, "size": 18},
        "encoding": {
            "y": group_axis,
            "x": {"field": "total", "type": "quantitative", "title": t.get("Tổng điểm", "Tổng điểm"),
                  "scale": {"zero": False}},
            "color": colour,
            "tooltip": [{"field": "agency"}, {"field": "total", "format": ".2f"}],
        },
        "width": 320,
    }  # fmt: skip
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "hconcat": [counts, spread],
        "config": {"font": FONT, "view": {"stroke": None}, "legend": {"orient": "bottom"}},
    }


@lru_cache(maxsize=64)
def _svg_of(spec_json: str) -> str:
    return render_svg(json.loads(spec_json))


def ranking_chart_svg(
    rows: Iterable[Mapping[str, Any]],
    *,
    bands: Iterable[str] = BAND_ORDER,
    labels: Mapping[str, str] | None = None,
) -> str:
    """Return the ranking chart as SVG; an identical ranking is rendered once (published data is fixed)."""
    rows = list(rows)
    if not rows:
        return ""
    spec_json = json.dumps(ranking_spec(rows, bands=bands, labels=labels), ensure_ascii=False, sort_keys=True)
    return _svg_of(spec_json)
