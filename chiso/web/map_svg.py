"""Drawing the commune map: colour classes, the legend, the SVG choropleth and the tiles of the tile grid.

Web layer, presentation only: takes the page's model (chiso.flows.unit_map.MapPage) and returns markup
and labels; nothing here reads the database or decides a figure. The shapes were projected at upload
(chiso.units.geo), so drawing is filling paths. The palette is viridis (sequential, readable by
colour-blind readers and in grey); every colour has its value written beside it in the table and tips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from chiso.flows.unit_map import MapPage, MapUnitValue
from chiso.units.text import sort_key

# viridis, light (low) to dark (high); text is black on the first three, white on the last two
PALETTE = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
NO_DATA = "#e4e7eb"
CLASSES = 5


@dataclass(frozen=True)
class LegendItem:
    """One colour of the legend and what it stands for."""

    colour: str
    label: str
    count: int


def _text_colour(colour: str) -> str:
    return "#fff" if colour in PALETTE[3:] else "#111"


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"


def _breaks(values: list[float]) -> list[float]:
    """Return CLASSES + 1 equal-interval edges over the values, widened to whole points."""
    low, high = math.floor(min(values)), math.ceil(max(values))
    if high - low < CLASSES:
        high = low + CLASSES
    step = (high - low) / CLASSES
    return [low + i * step for i in range(CLASSES + 1)]


def colour_units(page: MapPage, lang: str) -> tuple[dict[str, str], list[LegendItem]]:
    """Return the fill of every unit (by agency code) and the legend, for the page's indicator."""
    fills: dict[str, str] = {}
    legend: list[LegendItem] = []
    if page.indicator == "band":
        n = len(page.bands)
        picks = [PALETTE[round(i * (len(PALETTE) - 1) / max(n - 1, 1))] for i in range(n)][::-1]
        by_label = {b.label_vi: (picks[i], b) for i, b in enumerate(page.bands)}  # best first = darkest
        for u in page.units:
            fills[u.agency_code] = by_label[u.band][0] if u.band in by_label else NO_DATA
        for colour, band in by_label.values():
            count = sum(1 for u in page.units if u.band == band.label_vi)
            label = band.label_en if lang == "en" and band.label_en else band.label_vi
            legend.append(LegendItem(colour, label, count))
    else:
        values = [u.value for u in page.units if u.value is not None]
        edges = _breaks(values) if values else []
        for u in page.units:
            if u.value is None or not edges:
                fills[u.agency_code] = NO_DATA
                continue
            k = min(int((u.value - edges[0]) / (edges[1] - edges[0])), CLASSES - 1)
            fills[u.agency_code] = PALETTE[max(k, 0)]
        for k in range(len(edges) - 1):
            count = sum(1 for u in page.units if fills[u.agency_code] == PALETTE[k])
            legend.append(LegendItem(PALETTE[k], f"{_fmt(edges[k])} – {_fmt(edges[k + 1])}", count))
    missing = sum(1 for c in fills.values() if c == NO_DATA)
    if missing:
        legend.append(LegendItem(NO_DATA, "Chưa có dữ liệu" if lang != "en" else "No data", missing))
    return fills, legend


def short_name(unit: MapUnitValue, lang: str) -> str:
    """Return the unit's name without "UBND" / "People's Committee" (the tile has little room)."""
    if lang == "en" and unit.name_en:
        return unit.name_en.removesuffix(" People's Committee")
    name = unit.name_vi.removeprefix("UBND ").strip()
    return name[:1].upper() + name[1:]


def shown_value(unit: MapUnitValue, page: MapPage, lang: str) -> str:
    """Return the unit's figure as the page writes it ("—" when there is none)."""
    if page.indicator == "band":
        band = next((b for b in page.bands if b.label_vi == unit.band), None)
        return "—" if band is None else (band.label_en if lang == "en" and band.label_en else band.label_vi)
    return "—" if unit.value is None else f"{unit.value:.2f}"


def choropleth(page: MapPage, fills: dict[str, str], lang: str, title: str) -> Markup:
    """Return the SVG of the uploaded map, one linked, titled path per unit with a shape."""
    if page.width is None or page.height is None:
        return Markup("")
    pad = 4.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="unit-map" viewBox="{-pad} {-pad} '
        f'{page.width + 2 * pad:.1f} {page.height + 2 * pad:.1f}" role="img" aria-label="{escape(title)}">'
    ]
    for u in page.units:
        if not u.path:
            continue
        tip = escape(f"{short_name(u, lang)}: {shown_value(u, page, lang)}")
        shape = (
            f'<path d="{u.path}" fill="{fills[u.agency_code]}" stroke="#fff" stroke-width="1" '
            f'vector-effect="non-scaling-stroke" data-code="{escape(u.agency_code)}">'
            f"<title>{tip}</title></path>"
        )
        if u.scorecard_url:
            shape = f'<a href="{escape(u.scorecard_url)}" aria-label="{tip}">{shape}</a>'
        parts.append(shape)
    parts.append("</svg>")
    return Markup("".join(parts))


def tile_groups(page: MapPage, lang: str) -> list[tuple[str, list[MapUnitValue]]]:
    """Return the units grouped for the tile grid: by former district or by peer group, in name order."""
    other = "Khác" if lang != "en" else "Other"
    groups: dict[str, list[MapUnitValue]] = {}
    for u in page.units:
        if page.by == "group":
            names = page.groups_en if lang == "en" else page.groups
            key = names.get(u.group or "", u.group or other)
        else:
            key = u.district or other
        groups.setdefault(key, []).append(u)
    return sorted(groups.items(), key=lambda kv: (kv[0] == other, sort_key(kv[0])))


def map_context(page: MapPage, lang: str, title: str) -> dict[str, Any]:
    """Return everything the template draws: fills, legend, the SVG, the tile groups and text colours."""
    fills, legend = colour_units(page, lang)
    return {
        "fills": fills,
        "legend": legend,
        "ink": {code: _text_colour(c) for code, c in fills.items()},
        "svg": choropleth(page, fills, lang, title),
        "tiles": tile_groups(page, lang),
        "short_name": lambda u: short_name(u, lang),
        "shown_value": lambda u: shown_value(u, page, lang),
        "off_map": [u for u in page.units if not u.path] if page.map is not None else [],
    }
