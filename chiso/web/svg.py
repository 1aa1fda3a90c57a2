"""Small server-drawn SVG charts (bars, stacked shares, lines with breaks) for pages; no script, no CDN.

Web layer; pure functions of plain numbers and already-translated labels, returning markup. Colours are
the Okabe-Ito palette (told apart with the common colour-vision deficiencies); lines also differ by
marker shape and dash, so no reader depends on colour alone. Every chart sits beside its table.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
BANDS = ("#009E73", "#56B4E9", "#0072B2", "#E69F00", "#D55E00", "#999999")  # the live board's band colours
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6")
MARKERS = ("circle", "square", "diamond", "triangle")


def _t(text: str) -> str:
    return str(escape(text))


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "diamond":
        d = f"M{x:.1f} {y - 4:.1f}L{x + 4:.1f} {y:.1f}L{x:.1f} {y + 4:.1f}L{x - 4:.1f} {y:.1f}Z"
        return f'<path d="{d}" fill="{colour}"/>'
    if kind == "triangle":
        d = f"M{x:.1f} {y - 4:.1f}L{x + 4:.1f} {y + 3:.1f}L{x - 4:.1f} {y + 3:.1f}Z"
        return f'<path d="{d}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'


def _open(width: float, height: float, title: str) -> str:
    """The chart's opening tag, named `title` for screen readers."""
    size = f'viewBox="0 0 {width} {height}" width="100%"'
    return f'<svg {size} role="img" aria-label="{_t(title)}" class="chart-svg">'


def _legend(names: Sequence[str], colours: Sequence[str], spacing: int) -> list[str]:
    """A row of coloured squares with their names at the chart's top, each `spacing` + 7 px a letter apart."""
    parts, x = [], 0
    for name, colour in zip(names, colours, strict=False):
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="13" font-size="11">{_t(name)}</text>')
        x += spacing + 7 * len(name)
    return parts


def grouped_bars(
    rows: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[str], *, title: str, unit: str = "%"
) -> Markup:
    """Draw horizontal bars, one bar per series in each row; values on a 0-100 scale, None left empty.

    Args:
        rows: (label, one value per series) per row.
        series: the series' names (legend), in the bars' order.
        title: the chart's accessible name.
        unit: appended to the printed values.
    """
    label_w, plot_w, bar_h, gap = 170, 230, 9, 8
    row_h = bar_h * len(series) + gap
    legend_h = 20
    height = legend_h + row_h * len(rows) + 4
    width = label_w + plot_w + 50
    parts = [_open(width, height, title), *_legend(series, PALETTE, 20)]
    for r, (label, values) in enumerate(rows):
        top = legend_h + r * row_h
        parts.append(f'<text x="0" y="{top + row_h / 2:.1f}" font-size="11">{_t(label[:30])}</text>')
        for s, value in enumerate(values):
            y = top + s * bar_h
            if value is None:
                parts.append(f'<text x="{label_w}" y="{y + bar_h - 1}" font-size="9">—</text>')
                continue
            w = max(0.0, min(100.0, value)) / 100.0 * plot_w
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 1}" fill="{PALETTE[s]}"/>'
            )
            parts.append(
                f'<text x="{label_w + w + 3:.1f}" y="{y + bar_h - 1}" font-size="9">{value:.1f}{unit}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_shares(
    rows: Sequence[tuple[str, Sequence[float | None]]], bands: Sequence[str], *, title: str
) -> Markup:
    """Draw 100% stacked bars (one per row) of shares in percent, in the bands' order, with a legend."""
    label_w, plot_w, bar_h, gap = 150, 300, 16, 8
    legend_h = 22
    height = legend_h + (bar_h + gap) * len(rows) + 4
    colours = [BANDS[b % len(BANDS)] for b in range(len(bands))]
    parts = [_open(label_w + plot_w + 10, height, title), *_legend(bands, colours, 22)]
    for r, (label, shares) in enumerate(rows):
        y = legend_h + r * (bar_h + gap)
        parts.append(f'<text x="0" y="{y + bar_h - 4}" font-size="11">{_t(label[:26])}</text>')
        left = float(label_w)
        if not any(s for s in shares if s):
            parts.append(f'<text x="{label_w}" y="{y + bar_h - 4}" font-size="11">—</text>')
            continue
        for b, share in enumerate(shares):
            if not share:
                continue
            w = share / 100.0 * plot_w
            colour = BANDS[b % len(BANDS)]
            parts.append(f'<rect x="{left:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
            if w > 26:
                ink = "#000" if colour in ("#56B4E9", "#E69F00", "#999999", "#009E73") else "#fff"
                parts.append(
                    f'<text x="{left + 3:.1f}" y="{y + bar_h - 4}" font-size="10" '
                    f' fill="{ink}">{share:.0f}%</text>'
                )
            left += w
    parts.append("</svg>")
    return Markup("".join(parts))


def lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    breaks: Sequence[int] = (),
    break_label: str = "",
    top: float = 100.0,
) -> Markup:
    """Draw lines over `labels` (x) on a 0-`top` scale; a gap where a value is None; a dashed rule and no
    line across each index in `breaks` (the point where a framework changed: the years are not comparable).
    """
    left, right, plot_h, head = 34, 36, 170, 8  # room on the right for the last month's label
    n = max(len(labels), 1)
    plot_w = max(480, 44 * n)
    cols = max(1, plot_w // 170)  # legend entries per row, each wide enough for its name
    legend_rows = (len(series) + cols - 1) // cols
    height = head + plot_h + 30 + 18 * legend_rows
    width = left + plot_w + right
    step = plot_w / max(n - 1, 1)

    def px(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    def py(v: float) -> float:
        return head + plot_h - max(0.0, min(top, v)) / top * plot_h

    parts = [_open(width, height, title)]
    for tick in (0, 25, 50, 75, 100):
        level = top * tick / 100
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{py(level):.1f}" y2="{py(level):.1f}" '
            f'stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{py(level) + 4:.1f}" font-size="10" text-anchor="end">{level:g}</text>'
        )
    every = max(1, n // 8)
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            parts.append(
                f'<text x="{px(i):.1f}" y="{head + plot_h + 16}" font-size="10" '
                f' text-anchor="middle">{_t(label)}</text>'
            )
    for b in breaks:
        x = (px(b - 1) + px(b)) / 2
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{head}" y2="{head + plot_h}" '
            f' stroke="#D55E00" stroke-dasharray="5 4" stroke-width="2"/>'
            f'<text x="{x + 3:.1f}" y="{head + 10}" font-size="10" fill="#9a3b00">{_t(break_label)}</text>'
        )
    for s, (name, values) in enumerate(series):
        colour, dash, marker = PALETTE[s % len(PALETTE)], DASHES[s % len(DASHES)], MARKERS[s % len(MARKERS)]
        run: list[str] = []
        for i, v in enumerate(values):
            if v is None or i in breaks:
                if len(run) > 1:
                    parts.append(_polyline(run, colour, dash))
                run = []
            if v is not None:
                run.append(f"{px(i):.1f},{py(v):.1f}")
                parts.append(_marker(marker, px(i), py(v), colour))
        if len(run) > 1:
            parts.append(_polyline(run, colour, dash))
        lx, ly = (s % cols) * (plot_w / cols) + left, head + plot_h + 34 + (s // cols) * 18
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{lx:.1f}" x2="{lx + 22:.1f}" y1="{ly - 4}" y2="{ly - 4}" '
            f' stroke="{colour}" stroke-width="2"'
            f"{dashed}/>"
            + _marker(marker, lx + 11, ly - 4, colour)
            + f'<text x="{lx + 26:.1f}" y="{ly}" font-size="11">{_t(name[:28])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _polyline(points: list[str], colour: str, dash: str) -> str:
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"{extra}/>'
