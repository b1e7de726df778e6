"""Charts as SVG made on the server (issue 21's statistics): lines over time and stacked bars.

No script and no inline style (the CSP forbids both): shapes carry classes (``series-0`` ...), whose
colours live in ``web/static/statistics.css``. Every text is escaped. Each chart is an image for
assistive technology (``role="img"``, a ``<title>`` and ``aria-labelledby``); the page puts the table
of its numbers right behind it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 760
HEIGHT = 300
LEFT = 56
RIGHT = 16
TOP = 16
BOTTOM = 64
SERIES_CLASSES = 8


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _nice_top(value: float) -> float:
    """A round upper end for the axis (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _frame(chart_id: str, title: str, labels: Sequence[str], top: float, unit: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for tick in range(5):
        value = top * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_number(value))}{escape(unit)}</text>'
        )
    step = _step(len(labels))
    every = max(1, math.ceil(len(labels) / 12))
    for index, label in enumerate(labels):
        if index % every:
            continue
        x = LEFT + step * (index + 0.5)
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    return parts


def _step(count: int) -> float:
    return (WIDTH - LEFT - RIGHT) / max(1, count)


def _legend(names: Sequence[str]) -> list[str]:
    parts: list[str] = []
    x, y = LEFT, HEIGHT - BOTTOM + 36
    for index, name in enumerate(names):
        width = 28 + 7 * len(name)
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, y = LEFT, y + 16
        css = f"series-{index % SERIES_CLASSES}"
        parts.append(f'<rect class="{css}" x="{x}" y="{y - 9}" width="12" height="10"/>')
        parts.append(f'<text class="legend" x="{x + 16}" y="{y}">{escape(name)}</text>')
        x += width
    return parts


def line_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "") -> Markup:
    """One line per series over ``labels``; a missing value (None) breaks the line there."""
    values = [v for s in series for v in s.values if v is not None]
    top = _nice_top(max(values, default=0.0))
    parts = _frame(chart_id, title, labels, top, unit)
    plot_h = HEIGHT - TOP - BOTTOM
    step = _step(len(labels))
    for index, item in enumerate(series):
        css = f"series-{index % SERIES_CLASSES}"
        runs: list[list[str]] = [[]]
        for position, value in enumerate(item.values):
            if value is None:
                runs.append([])
                continue
            x = LEFT + step * (position + 0.5)
            y = TOP + plot_h - plot_h * value / top
            runs[-1].append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(item.name)}, '
                f"{escape(labels[position])}: {escape(_number(value))}{escape(unit)}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline class="line {css}" points="{" ".join(run)}"/>')
    parts.extend(_legend([s.name for s in series]))
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """One bar per label, its series stacked from the bottom (missing values count as 0)."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    top = _nice_top(max(totals, default=0.0))
    parts = _frame(chart_id, title, labels, top, "")
    plot_h = HEIGHT - TOP - BOTTOM
    step = _step(len(labels))
    width = max(2.0, step * 0.6)
    for position, label in enumerate(labels):
        base = 0.0
        x = LEFT + step * (position + 0.5) - width / 2
        for index, item in enumerate(series):
            value = item.values[position] or 0
            if value <= 0:
                continue
            y = TOP + plot_h - plot_h * (base + value) / top
            height = plot_h * value / top
            css = f"series-{index % SERIES_CLASSES}"
            parts.append(
                f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}">'
                f"<title>{escape(label)}, {escape(item.name)}: {escape(_number(value))}</title></rect>"
            )
            base += value
    parts.extend(_legend([s.name for s in series]))
    parts.append("</svg>")
    return Markup("".join(parts))
