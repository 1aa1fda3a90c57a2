"""Charts as Vega-Lite specs, rendered to SVG (pages) or PNG (PDF) on the server by vl-convert, offline.

Domain layer (reports room): imports the report schemas and stats; nothing from web, flows or assessment.
Bands come from the caller (the framework's own labels, best first), never from a list in this file;
their colours are an ordered, colour-blind-safe scale (viridis, light for the best band to dark for the
worst) whose neighbours differ in lightness; every label is at least 12 px.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import vl_convert

from chiso.reports.schemas import Lang, RankingInput
from chiso.reports.stats import band_counts, group_pillar_stats
from chiso.reports.text import band_label, pick

# Viridis (perceptually uniform, readable with the common colour-vision deficiencies and in grey), sampled
# from light yellow-green for the best band to dark purple for the worst: lightness falls band by band.
VIRIDIS = ("#440154", "#472D7B", "#3B528B", "#2C728E", "#21918C", "#28AE80", "#5EC962", "#ADDC30", "#FDE725")
BEST_AT, WORST_AT = 0.88, 0.05
NO_BAND = "#9E9E9E"
FONT = "Liberation Serif, DejaVu Sans, sans-serif"
LABEL_PX = 12
TITLE_PX = 14
FONT_DIR = Path(__file__).parent / "fonts"
vl_convert.register_font_directory(str(FONT_DIR))


def _viridis(t: float) -> str:
    """Return the viridis colour at t in [0, 1], interpolated between the anchors."""
    x = t * (len(VIRIDIS) - 1)
    i = min(int(x), len(VIRIDIS) - 2)
    low, high = VIRIDIS[i], VIRIDIS[i + 1]
    mix = [
        round(int(low[k : k + 2], 16) + (x - i) * (int(high[k : k + 2], 16) - int(low[k : k + 2], 16)))
        for k in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02X}" for c in mix)


def band_colours(count: int) -> list[str]:
    """Return `count` colours, best band first, evenly spaced on viridis from light to dark.

    >>> band_colours(2)
    ['#B0DC30', '#451364']
    """
    if count <= 0:
        return []
    if count == 1:
        return [_viridis(BEST_AT)]
    step = (BEST_AT - WORST_AT) / (count - 1)
    return [_viridis(BEST_AT - i * step) for i in range(count)]


def _config() -> dict[str, Any]:
    size = {"labelFontSize": LABEL_PX, "titleFontSize": LABEL_PX + 1}
    return {
        "font": FONT,
        "view": {"stroke": None},
        "axis": size,
        "legend": {**size, "orient": "bottom", "symbolSize": 140},
        "header": size,
        "title": {"fontSize": TITLE_PX, "anchor": "start"},
        "text": {"fontSize": LABEL_PX},
    }


def _spec(body: Mapping[str, Any]) -> dict[str, Any]:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", **body, "config": _config()}


def _bars(
    title: str, values: list[dict[str, Any]], *, y: dict[str, Any], encoding: dict[str, Any], width: int
) -> dict[str, Any]:
    """Return a horizontal bar chart: one row per category of the nominal, untitled `y` (field, sort, ...)."""
    return _spec(
        {
            "title": title,
            "data": {"values": values},
            "mark": {"type": "bar"},
            "encoding": {"y": {"type": "nominal", "title": None, **y}, **encoding},
            "width": width,
        }
    )


def _band_scale(bands: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """Return the band domain (the given bands, then "—" if some row has none) and its colours."""
    domain = list(bands)
    colours = band_colours(len(domain))
    if any(not r.get("band") for r in rows):
        domain.append("—")
        colours.append(NO_BAND)
    return domain, colours


def _bands_from_rows(rows: list[Mapping[str, Any]]) -> list[str]:
    """Order the bands found in rows best first by their mean total (when the caller names none)."""
    totals: dict[str, list[float]] = {}
    for r in rows:
        if r.get("band"):
            totals.setdefault(str(r["band"]), []).append(float(r["total"]))
    return sorted(totals, key=lambda b: -sum(totals[b]) / len(totals[b]))


def ranking_spec(
    rows: Iterable[Mapping[str, Any]],
    *,
    bands: Iterable[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the spec of a ranking's two pictures: agencies per band in each group, and the spread of totals.

    Args:
        rows: one mapping per agency with `group`, `total`, `band` and `agency` (its name).
        bands: the framework's band labels, best first; when None, the bands present in `rows`,
            ordered by their mean total. No band outside these is ever listed.
        labels: translations of the chart's titles, keyed by the Vietnamese text.
    """
    t = dict(labels or {})
    rows = list(rows)
    band_list, colours = _band_scale(list(bands) if bands is not None else _bands_from_rows(rows), rows)
    values = [
        {
            "group": str(r["group"]),
            "total": float(r["total"]),
            "band": r.get("band") or "—",
            "agency": str(r.get("agency", "")),
            "band_order": band_list.index(r.get("band") or "—")
            if (r.get("band") or "—") in band_list
            else len(band_list),
        }
        for r in rows
    ]
    colour = {
        "field": "band",
        "type": "nominal",
        "title": t.get("Xếp loại", "Xếp loại"),
        "scale": {"domain": band_list, "range": colours},
        "sort": band_list,
    }
    group_axis = {"field": "group", "type": "nominal", "title": t.get("Nhóm", "Nhóm")}
    counts = {
        "title": t.get("Số đơn vị theo xếp loại", "Số đơn vị theo xếp loại"),
        "mark": {"type": "bar"},
        "encoding": {
            "y": group_axis,
            "x": {
                "aggregate": "count",
                "type": "quantitative",
                "title": t.get("Số đơn vị", "Số đơn vị"),
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "color": colour,
            "order": {"field": "band_order", "type": "ordinal"},
        },
        "width": 280,
    }
    spread = {
        "title": t.get("Phân bố tổng điểm", "Phân bố tổng điểm"),
        "mark": {"type": "tick", "thickness": 3, "size": 18},
        "encoding": {
            "y": group_axis,
            "x": {
                "field": "total",
                "type": "quantitative",
                "title": t.get("Tổng điểm", "Tổng điểm"),
                "scale": {"zero": False},
            },
            "color": colour,
            "tooltip": [{"field": "agency"}, {"field": "total", "format": ".2f"}],
        },
        "width": 320,
    }
    return _spec({"data": {"values": values}, "hconcat": [counts, spread]})


def band_distribution_spec(ranking: RankingInput, *, lang: Lang = "vi") -> dict[str, Any]:
    """Return a stacked bar per group: how many agencies fall in each of the framework's bands."""
    bands = ranking.framework.bands
    labels = [band_label(b.label_vi, bands, lang) for b in bands]
    values = []
    for g in ranking.groups:
        for order, (label_vi, count) in enumerate(band_counts(ranking, g.code)):
            if count:
                values.append(
                    {
                        "group": pick(g.name_vi, g.name_en, lang),
                        "count": count,
                        "band": band_label(label_vi, bands, lang),
                        "order": order,
                    }
                )
    return _bars(
        pick("Số đơn vị theo xếp loại", "Agencies per band", lang),
        values,
        y={"field": "group", "sort": [pick(g.name_vi, g.name_en, lang) for g in ranking.groups]},
        encoding={
            "x": {
                "field": "count",
                "type": "quantitative",
                "title": pick("Số đơn vị", "Agencies", lang),
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "color": {
                "field": "band",
                "type": "nominal",
                "title": pick("Xếp loại", "Band", lang),
                "scale": {"domain": labels, "range": band_colours(len(labels))},
                "sort": labels,
            },
            "order": {"field": "order", "type": "ordinal"},
        },
        width=420,
    )


def pillar_profile_spec(ranking: RankingInput, agency_code: str, *, lang: Lang = "vi") -> dict[str, Any]:
    """Return bars per pillar: the agency, its group's mean and its group's best, in % of the pillar's max."""
    agency = next(a for a in ranking.agencies if a.agency_code == agency_code)
    stats = {s.code: s for s in group_pillar_stats(ranking, agency.group)}
    series = (
        pick("Đơn vị", "Agency", lang),
        pick("Trung bình nhóm", "Group mean", lang),
        pick("Cao nhất nhóm", "Group best", lang),
    )
    values = []
    for p in ranking.framework.pillars:
        figures = (agency.pillars.get(p.code), stats[p.code].mean, stats[p.code].best)
        for name, value in zip(series, figures, strict=True):
            if value is not None and p.max_points:
                values.append(
                    {
                        "pillar": pick(p.name_vi, p.name_en, lang),
                        "series": name,
                        "percent": round(100 * value / p.max_points, 1),
                    }
                )
    return _bars(
        pick("Điểm từng chỉ số chính so với nhóm", "Points per pillar against the group", lang),
        values,
        y={
            "field": "pillar",
            "sort": [pick(p.name_vi, p.name_en, lang) for p in ranking.framework.pillars],
            "axis": {"labelLimit": 260},
        },
        encoding={
            "yOffset": {"field": "series", "sort": list(series)},
            "x": {
                "field": "percent",
                "type": "quantitative",
                "scale": {"domain": [0, 100]},
                "title": pick("% điểm tối đa", "% of maximum points", lang),
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {"domain": list(series), "range": ["#3B528B", "#BBBBBB", "#5EC962"]},
            },
        },
        width=360,
    )


def render_svg(spec: Mapping[str, Any]) -> str:
    """Render a Vega-Lite spec to an SVG string (offline)."""
    return str(vl_convert.vegalite_to_svg(dict(spec)))


def render_png(spec: Mapping[str, Any], *, scale: float = 2.0) -> bytes:
    """Render a Vega-Lite spec to PNG bytes (offline); `scale` 2 keeps text sharp in print."""
    return bytes(vl_convert.vegalite_to_png(dict(spec), scale=scale))


@lru_cache(maxsize=64)
def _svg_of(spec_json: str) -> str:
    return render_svg(json.loads(spec_json))


def ranking_chart_svg(
    rows: Iterable[Mapping[str, Any]],
    *,
    bands: Iterable[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """Return the ranking chart as SVG; an identical ranking is rendered once (published data is fixed)."""
    rows = list(rows)
    if not rows:
        return ""
    spec = ranking_spec(rows, bands=bands, labels=labels)
    return _svg_of(json.dumps(spec, ensure_ascii=False, sort_keys=True))
