"""Charts drawn on the server as inline SVG: no JavaScript, nothing to download, printable.

Each chart comes with its figures as a ``Table`` (shown next to it and downloadable as
CSV), so nobody depends on seeing the picture. Lines differ by dash pattern and marker
as well as by colour. A withheld (suppressed) or missing value leaves a gap in its line.
"""

import math
import textwrap
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .tables import Table

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 56
# NHS.UK colours: blue, dark pink, warm yellow (darkened for contrast), green, purple.
COLOURS = ("#005eb8", "#ae2573", "#8a5300", "#007f3b", "#330072")
DASHES = ("", "6 4", "2 3", "10 3 2 3", "1 0")
MARKERS = ("circle", "square", "triangle", "diamond", "circle")
# Bar chart labels: characters per line at 12 px in the 230 px label column, and the line height.
LABEL_CHARS, LINE_H = 34, 14


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | int | None]


@dataclass
class Chart:
    key: str
    title: str
    svg: SafeString
    table: Table


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.1f}"


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - 4:.1f} L{x + 4:.1f} {y + 3:.1f} L{x - 4:.1f} {y + 3:.1f} Z" fill="{colour}"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f} {y - 4:.1f} L{x + 4:.1f} {y:.1f} L{x:.1f} {y + 4:.1f} L{x - 4:.1f} {y:.1f} Z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'


def line_chart(*, key: str, title: str, labels: list[str], series: list[Series], unit: str = "") -> SafeString:
    """A line per series over the labels (weeks, usually), with a y axis from zero."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    found = [v for s in series for v in s.values if v is not None]
    top = _nice_ceiling(max(found) if found else 1.0)
    count = max(len(labels), 1)

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / count)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg class="app-chart" width="100%" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(_describe(series, labels, unit))} '
        "The figures are in the table that goes with this chart.</desc>",
    ]
    for step in range(5):
        gridline = top * step / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(gridline):.1f}" y2="{y(gridline):.1f}" stroke="#d8dde0" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(gridline) + 4:.1f}" text-anchor="end" font-size="12" fill="#4c6272">'
            f"{_number(gridline)}</text>"
        )
    if unit:
        parts.append(
            f'<text x="12" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 12 {TOP + plot_h / 2:.1f})" '
            f'text-anchor="middle" font-size="12" fill="#4c6272">{escape(unit)}</text>'
        )
    every = max(1, math.ceil(count / 8))
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="12" fill="#4c6272">'
                f"{escape(label)}</text>"
            )
    for index, s in enumerate(series):
        colour, dash, marker = (
            COLOURS[index % len(COLOURS)],
            DASHES[index % len(DASHES)],
            MARKERS[index % len(MARKERS)],
        )
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, value in enumerate(s.values):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(value):.1f}")
            if count <= 60:
                parts.append(_marker(marker, x(i), y(value), colour))
        if segment:
            segments.append(segment)
        for points in segments:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
        # Legend, under the axis.
        lx = LEFT + index * 170
        ly = HEIGHT - 14
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{lx}" x2="{lx + 24}" y1="{ly - 4}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            + _marker(marker, lx + 12, ly - 4, colour)
            + f'<text x="{lx + 30}" y="{ly}" font-size="13" fill="#212b32">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(
    *,
    key: str,
    title: str,
    labels: list[str],
    values: list[float | int | None],
    texts: list[str] | None = None,
    unit: str = "",
) -> SafeString:
    """Horizontal bars, one per label (a breakdown). A value of None draws no bar, only its text
    as the table shows it ('*' withheld, '–' nothing to measure)."""
    # A long label (a team's full name) wraps onto as many lines as it needs, never cut short: the
    # row grows to hold it, so every bar stays level with the first line of its name.
    lines = [textwrap.wrap(label, LABEL_CHARS) or [""] for label in labels]
    row_heights = [max(26, LINE_H * len(wrapped) + 12) for wrapped in lines]
    height = TOP + sum(row_heights) + 24
    label_w = 230
    plot_w = WIDTH - label_w - RIGHT - 40
    found = [v for v in values if v is not None]
    top = _nice_ceiling(max(found) if found else 1.0)
    parts = [
        f'<svg class="app-chart" width="100%" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">A bar for each of {len(labels)} groups{", in " + escape(unit) if unit else ""}. '
        "The figures are in the table that goes with this chart.</desc>",
    ]
    y = TOP
    for i, value in enumerate(values):
        row_h = row_heights[i]
        spans = "".join(
            f'<tspan x="{label_w - 8}" dy="{0 if n == 0 else LINE_H}">{escape(line)}</tspan>'
            for n, line in enumerate(lines[i])
        )
        parts.append(f'<text y="{y + 17}" text-anchor="end" font-size="12" fill="#4c6272">{spans}</text>')
        if value is None:
            shown = escape(texts[i]) if texts else "*"
            parts.append(f'<text x="{label_w + 4}" y="{y + 17}" font-size="12" fill="#4c6272">{shown}</text>')
        else:
            width = plot_w * value / top
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{width:.1f}" height="{row_h - 8}" fill="{COLOURS[0]}"/>'
                f'<text x="{label_w + width + 6:.1f}" y="{y + 17}" font-size="12" fill="#4c6272">{_number(value)}</text>'
            )
        y += row_h
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _describe(series: list[Series], labels: list[str], unit: str) -> str:
    span = f" from {labels[0]} to {labels[-1]}" if labels else ""
    names = ", ".join(s.name for s in series)
    return f"{len(series)} line{'s' if len(series) != 1 else ''} ({names}){span}{', in ' + unit if unit else ''}."
