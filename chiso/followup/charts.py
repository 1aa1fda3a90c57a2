"""Small server-drawn SVG charts of the follow-up pages: status bars per target, counts per rule, and a
sparkline of an indicator's trend. No script, no CDN: the SVG is part of the page.

Domain layer; the standard library only. Labels arrive translated; numbers are printed beside each bar so
the chart reads without colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

STATUS_COLOURS = {"missed": "#c62828", "at_risk": "#e08a00", "no_data": "#9aa5b1", "met": "#2e7d32"}


def stacked_bars(
    rows: Sequence[tuple[str, dict[str, int]]],
    *,
    order: Sequence[str],
    names: dict[str, str],
    colours: dict[str, str] = STATUS_COLOURS,
    width: int = 560,
    title: str = "",
) -> str:
    """Return one horizontal stacked bar per (label, counts by key), keys drawn in `order`, with a legend.

    The label sits above its bar and each segment's count is written in it when it fits. The SVG keeps
    its natural size (the page wraps it in a scrolling box), so its text stays legible on a phone.
    """
    if not rows:
        return ""
    top, row_h = 26, 34
    most = max(sum(c.values()) for _, c in rows) or 1
    height = top + row_h * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" class="bars">'
    ]
    x = 0.0
    for key in order:  # the legend
        name, colour = escape(names.get(key, key)), colours.get(key, "#52606d")
        parts.append(
            f'<rect x="{x:.0f}" y="4" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="13" font-size="11" fill="#1f2933">{name}</text>'
        )
        x += 24 + 6.5 * len(name)
    for i, (label, counts) in enumerate(rows):
        y = top + i * row_h
        parts.append(f'<text x="0" y="{y + 10}" font-size="11" fill="#1f2933">{escape(label)}</text>')
        left = 0.0
        for key in order:
            n = counts.get(key, 0)
            if not n:
                continue
            w = (width - 2) * n / most
            name, colour = escape(names.get(key, key)), colours.get(key, "#52606d")
            parts.append(
                f'<rect x="{left:.1f}" y="{y + 14}" width="{w:.1f}" height="14" '
                f'fill="{colour}"><title>{name}: {n}</title></rect>'
            )
            if w >= 8 * len(str(n)) + 4:
                parts.append(f'<text x="{left + 3:.1f}" y="{y + 25}" font-size="10" fill="#fff">{n}</text>')
            left += w
    parts.append("</svg>")
    return "".join(parts)


def sparkline(values: Sequence[float | None], *, width: int = 90, height: int = 22, title: str = "") -> str:
    """Return a small line of a trend (gaps where there is no data); empty without two values."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return ""
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0
    step = (width - 4) / max(len(values) - 1, 1)
    coords = " ".join(
        f"{2 + i * step:.1f},{height - 3 - (v - low) / span * (height - 6):.1f}" for i, v in points
    )
    last_x, last_v = points[-1]
    last_y = height - 3 - (last_v - low) / span * (height - 6)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" class="spark">'
        f'<polyline points="{coords}" fill="none" stroke="#1f6fb2" stroke-width="1.5"/>'
        f'<circle cx="{2 + last_x * step:.1f}" cy="{last_y:.1f}" r="2" fill="#1f6fb2"/></svg>'
    )
