"""Drawing a saved dashboard's items: numbers as readers write them, SVG charts, and the PNG poster.

Web layer, presentation only: takes the page's model (chiso.flows.indicator_dashboard_models) and returns
text and markup; nothing here reads the database or decides a figure. Lines are chiso.web.svg's, the
commune map chiso.web.map_svg's (the same drawing as `/map`); columns (grouped or stacked over periods)
are drawn here in the same palette. The poster lays every item on the 12-column grid as one SVG, which
vl-convert turns into the PNG download with the shipped font.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import vl_convert
from markupsafe import Markup, escape

from chiso.flows.indicator_dashboard_models import DashboardView, IndicatorBrief, ItemView
from chiso.indicators.periods import label_vi
from chiso.reports.pdf import FONT_DIR
from chiso.reports.text import fmt_points
from chiso.web.map_svg import map_context
from chiso.web.svg import PALETTE, lines

vl_convert.register_font_directory(str(FONT_DIR))
DASH = "—"
FONT = "Liberation Serif, DejaVu Sans, sans-serif"
STATUS = {
    "met": ("Đạt chỉ tiêu", "Target met"),
    "missed": ("Chưa đạt chỉ tiêu", "Target missed"),
    "no_data": ("Chưa có số liệu", "No data"),
}


def fmt_value(
    value: float | None, brief: IndicatorBrief | None, lang: str = "vi", *, signed: bool = False
) -> str:
    """Return a value as the reader writes it: "1.234" (count), "54,2%" (percent), "—" without data."""
    if value is None:
        return DASH
    kind = brief.value_type if brief else "rate"
    whole = kind == "count" or (kind == "money" and abs(value) >= 100)
    text = fmt_points(
        value,
        0 if whole and value == int(value) else (0 if whole else 1 if kind == "percent" else 2),
        "en" if lang == "en" else "vi",
        signed=signed,
    )
    return text + ("%" if kind == "percent" else "")


def period_label(key: str | None) -> str:
    """Return a period key as readers write it ("T3/2026", "Q1/2026", "2026"); "—" for none."""
    return label_vi(key) if key else DASH


def nice_top(values: Sequence[float | None], *, percent: bool = False) -> float:
    """Return a round upper bound of a chart's scale (100 for percents that fit)."""
    high = max((v for v in values if v is not None), default=0.0)
    if percent and high <= 100:
        return 100.0
    if high <= 0:
        return 1.0
    step = 10.0 ** math.floor(math.log10(high))
    return float(next(m * step for m in (1, 2, 2.5, 5, 10) if m * step >= high))


def name(vi: str, en: str | None, lang: str) -> str:
    return en if lang == "en" and en else vi


def columns(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    stacked: bool = False,
    top: float = 100.0,
) -> Markup:
    """Draw vertical columns over periods: grouped side by side, or stacked; None leaves a gap and a "—"."""
    left, head, plot_h = 44, 8, 170
    n = max(len(labels), 1)
    plot_w = max(420, 40 * n)
    slot = plot_w / n
    per = 1 if stacked else max(len(series), 1)
    bar = max(3.0, slot * 0.7 / per)
    height = head + plot_h + 30 + 18 * len(series)
    parts = [
        f'<svg viewBox="0 0 {left + plot_w + 10} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="chart-svg">'
    ]

    def py(v: float) -> float:
        return head + plot_h - max(0.0, min(top, v)) / top * plot_h

    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = py(top * tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{top * tick:g}</text>'
        )
    every = max(1, n // 8)
    for i, label in enumerate(labels):
        x0 = left + i * slot + slot * 0.15
        base = float(head + plot_h)
        known = False
        for s, (_, values) in enumerate(series):
            v = values[i] if i < len(values) else None
            if v is None:
                continue
            known = True
            colour = PALETTE[s % len(PALETTE)]
            if stacked:
                h = max(0.0, min(top, v)) / top * plot_h
                base -= h
                parts.append(
                    f'<rect x="{x0:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                    f"<title>{escape(series[s][0])}: {v:g}</title></rect>"
                )
            else:
                y = py(v)
                parts.append(
                    f'<rect x="{x0 + s * bar:.1f}" y="{y:.1f}" width="{bar - 1:.1f}" '
                    f'height="{head + plot_h - y:.1f}" fill="{colour}"><title>{escape(series[s][0])}: '
                    f"{v:g}</title></rect>"
                )
        if not known:
            parts.append(f'<text x="{x0:.1f}" y="{head + plot_h - 3}" font-size="10">{DASH}</text>')
        if i % every == 0 or i == n - 1:
            parts.append(
                f'<text x="{left + (i + 0.5) * slot:.1f}" y="{head + plot_h + 16}" font-size="10" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for s, (label, _) in enumerate(series):
        y = head + plot_h + 34 + s * 18
        parts.append(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{left + 18}" y="{y}" font-size="11">{escape(label[:60])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def item_chart(item: ItemView, lang: str) -> Markup:
    """Return the chart of a line, bar or stacked item ("" for the other kinds or without data)."""
    if item.chart is None or item.kind not in ("line", "bar", "stacked"):
        return Markup("")
    title = name(item.title_vi, item.title_en, lang)
    series = [(name(s.name_vi, s.name_en, lang), s.values) for s in item.chart.series]
    percent = all(i.value_type == "percent" for i in item.indicators)
    if item.kind == "stacked":
        totals = [
            sum(v for _, vs in series if (v := vs[i]) is not None) for i in range(len(item.chart.periods))
        ]
        return columns(item.chart.labels, series, title=title, stacked=True, top=nice_top(totals))
    top = nice_top([v for _, vs in series for v in vs], percent=percent)
    if item.kind == "bar":
        return columns(item.chart.labels, series, title=title, top=top)
    return lines(item.chart.labels, series, title=title, top=top)


def page_context(view: DashboardView, lang: str) -> dict[str, Any]:
    """Return what the templates draw beside the model: charts and maps per item id, formatters."""
    charts = {i.id: item_chart(i, lang) for i in view.items}
    maps = {i.id: map_context(i.map, lang, name(i.title_vi, i.title_en, lang)) for i in view.items if i.map}
    return {
        "charts": charts,
        "maps": maps,
        "fmt": lambda value, brief=None, signed=False: fmt_value(value, brief, lang, signed=signed),
        "status_words": {k: name(vi, en, lang) for k, (vi, en) in STATUS.items()},
        "ordered": sorted(view.items, key=lambda i: (i.y, i.x)),
        "plabel": period_label,
    }


CELL_W, CELL_H, GAP = 100, 140, 10


def _text(x: float, y: float, text: str, size: int = 13, weight: str = "normal", fill: str = "#111") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" fill="{fill}">'
        f"{escape(text)}</text>"
    )


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for word in para.split():
            if len(line) + len(word) + 1 > width and line:
                out.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        out.append(line)
    return out


def _poster_item(item: ItemView, lang: str, x: float, y: float, w: float, h: float) -> list[str]:
    brief = item.indicators[0] if item.indicators else None
    parts = [
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="#fff" stroke="#cbd2d9"/>',
        _text(x + 10, y + 22, name(item.title_vi, item.title_en, lang)[: int(w / 7)], 14, "bold"),
    ]
    inner_y = y + 32
    if item.tile is not None:
        t = item.tile
        parts.append(_text(x + 10, inner_y + 32, fmt_value(t.value, brief, lang), 30, "bold"))
        parts.append(
            _text(
                x + 10, inner_y + 56, f"{t.period_label} · ± {fmt_value(t.change, brief, lang, signed=True)}"
            )
        )
        if t.status:
            colour = {"met": "#006b4f", "missed": "#a13d00"}.get(t.status, "#555")
            parts.append(_text(x + 10, inner_y + 78, name(*STATUS[t.status], lang), 13, "bold", colour))
    elif item.chart is not None and item.kind in ("line", "bar", "stacked"):
        chart = str(item_chart(item, lang))
        parts.append(f'<svg x="{x + 6}" y="{inner_y}" width="{w - 12}" height="{h - 40}">{chart}</svg>')
    elif item.map is not None and item.map.width:
        svg = str(map_context(item.map, lang, item.title_vi)["svg"])
        parts.append(f'<svg x="{x + 6}" y="{inner_y}" width="{w - 12}" height="{h - 40}">{svg}</svg>')
    elif item.units is not None or item.chart is not None:
        rows = _rows_text(item, lang)
        for n, line in enumerate(rows[: int((h - 40) / 17)]):
            parts.append(_text(x + 10, inner_y + 16 + n * 17, line[: int(w / 6.5)], 12))
    elif item.text:
        for n, line in enumerate(_wrap(item.text, int(w / 7))[: int((h - 40) / 17)]):
            parts.append(_text(x + 10, inner_y + 16 + n * 17, line, 13))
    if item.missing:
        parts.append(_text(x + 10, inner_y + 16, f"{DASH} {', '.join(item.missing)}", 12, fill="#a13d00"))
    return parts


def _rows_text(item: ItemView, lang: str) -> list[str]:
    brief = item.indicators[0] if item.indicators else None
    if item.units is not None:
        ranks = [f"{u.rank}." if u.rank else DASH for u in item.units]
        return [
            f"{rank} {name(u.name_vi, u.name_en, lang)}: {fmt_value(u.value, brief, lang)}"
            for rank, u in zip(ranks, item.units, strict=True)
        ]
    assert item.chart is not None
    return [
        f"{label}: "
        + " · ".join(
            fmt_value(s.values[i], b, lang) for s, b in zip(item.chart.series, item.indicators, strict=False)
        )
        for i, label in enumerate(item.chart.labels)
    ][::-1]


def poster_svg(view: DashboardView, lang: str, subtitle: str) -> str:
    """Return the whole dashboard as one SVG on the 12-column grid (for the PNG download)."""
    head = 70
    bottom = max((i.y + i.h for i in view.items), default=1)
    width, height = 12 * CELL_W + 2 * GAP, head + bottom * CELL_H + GAP
    d = view.dashboard
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}"><rect width="100%" height="100%" fill="#f5f7fa"/>',
        _text(GAP, 32, name(d.title_vi, d.title_en, lang), 24, "bold"),
        _text(GAP, 56, subtitle, 13, fill="#52606d"),
    ]
    for item in view.items:
        x, y = GAP + item.x * CELL_W, head + item.y * CELL_H
        parts += _poster_item(item, lang, x, y, item.w * CELL_W - GAP, item.h * CELL_H - GAP)
    parts.append("</svg>")
    return "".join(parts)


def poster_png(view: DashboardView, lang: str, subtitle: str) -> bytes:
    """Return the dashboard as a PNG image (the poster SVG rendered by vl-convert, twice the pixels)."""
    return bytes(vl_convert.svg_to_png(poster_svg(view, lang, subtitle), scale=2.0))
