"""Charts drawn as inline SVG: no script, readable without colour, sharp on paper."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from .scoring import decimal_text


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal | None  # None: a gap (not assessed / not yet scored)
    maximum: Decimal
    reference: Decimal | None = None  # e.g. the category average, drawn as a tick
    highlight: bool = False
    reference_at: float | None = None  # or where that tick is, as `bar_position` gives it


LABEL_FONT = 13  # px of .chart-label in style.css, in the chart's own units


def _text_width(text: str, font: float = LABEL_FONT) -> float:
    """A safe estimate of the drawn width: CJK, full-width and ambiguous signs (…“”) 1 em, others 0.6 em."""
    return sum(font if unicodedata.east_asian_width(c) in "WFA" else font * 0.6 for c in text)


def fit_label(label: str, room: float, font: float = LABEL_FONT) -> str:
    """The label, shortened with an ellipsis if needed so that it fits in `room` units."""
    if _text_width(label, font) <= room:
        return label
    # One pass from the left: the longest prefix that leaves room for the ellipsis (linear, so a
    # name of 30,000 characters costs no more than reading it once).
    left = room - _text_width("…", font)
    used = 0.0
    for end, char in enumerate(label):
        used += _text_width(char, font)
        if used > left:
            return label[:end] + "…"
    return label + "…"


def _x(value: Decimal, maximum: Decimal, width: float) -> float:
    if maximum <= 0:
        return 0.0
    return round(float(value / maximum) * width, 1)


BAR_PLOT_WIDTH = 420


def bar_position(value: Decimal, maximum: Decimal) -> float:
    """Where a value is drawn along a bar: all a page shows of, say, a category average."""
    return _x(value, maximum, BAR_PLOT_WIDTH)


def bar_chart(bars: Sequence[Bar], title: str, reference_label: str | None = None, label_width: int = 150) -> Markup:
    """Horizontal bars, one per row, each against its own maximum, with an optional reference tick."""
    row, bar_h, plot_w, value_w = 26, 16, BAR_PLOT_WIDTH, 70
    width = label_width + plot_w + value_w
    height = row * len(bars) + (22 if reference_label else 6)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = i * row + 4
        # Anchored at its end 8 units left of the bar: a longer label would be cut off at the left.
        label = fit_label(bar.label, label_width - 10)
        full = f"<title>{escape(bar.label)}</title>" if label != bar.label else ""
        parts.append(
            f'<text class="chart-label" x="{label_width - 8}" y="{y + bar_h - 3}" text-anchor="end">'
            f"{full}{escape(label)}</text>"
        )
        parts.append(f'<rect class="chart-track" x="{label_width}" y="{y}" width="{plot_w}" height="{bar_h}"/>')
        if bar.value is None:
            parts.append(f'<text class="chart-gap" x="{label_width + 6}" y="{y + bar_h - 3}">—</text>')
        else:
            w = _x(bar.value, bar.maximum, plot_w)
            cls = "chart-bar chart-bar-em" if bar.highlight else "chart-bar"
            parts.append(f'<rect class="{cls}" x="{label_width}" y="{y}" width="{w}" height="{bar_h}"/>')
            parts.append(
                f'<text class="chart-value" x="{label_width + plot_w + 6}" y="{y + bar_h - 3}">'
                f"{decimal_text(bar.value)}</text>"
            )
        at = bar.reference_at
        if at is None and bar.reference is not None:
            at = _x(bar.reference, bar.maximum, plot_w)
        if at is not None:
            rx = label_width + at
            parts.append(f'<line class="chart-ref" x1="{rx}" x2="{rx}" y1="{y - 2}" y2="{y + bar_h + 2}"/>')
    if reference_label:
        y = row * len(bars) + 14
        parts.append(f'<line class="chart-ref" x1="{label_width}" x2="{label_width + 14}" y1="{y - 4}" y2="{y - 4}"/>')
        parts.append(f'<text class="chart-legend" x="{label_width + 20}" y="{y}">{escape(reference_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(points: Sequence[tuple[str, Decimal | None]], maximum: Decimal, title: str) -> Markup:
    """A unit's totals over the years: dots joined by lines, with a gap where it was not assessed."""
    left, top, plot_w, plot_h = 40, 12, max(60 * len(points), 240), 160
    width, height = left + plot_w + 20, top + plot_h + 30
    step = plot_w / max(len(points), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, Decimal("0.5"), 1):
        y = round(top + plot_h - float(fraction) * plot_h, 1)
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text class="chart-axis" x="{left - 6}" y="{y + 4}" text-anchor="end">'
            f"{decimal_text(maximum * Decimal(fraction))}</text>"
        )
    segment: list[str] = []
    for i, (label, value) in enumerate(points):
        x = round(left + step * i + step / 2, 1)
        parts.append(f'<text class="chart-axis" x="{x}" y="{top + plot_h + 20}" text-anchor="middle">{escape(label)}</text>')
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline class="chart-line" points="{" ".join(segment)}"/>')
            segment = []
            continue
        y = round(top + plot_h - float(value / maximum) * plot_h, 1) if maximum > 0 else top + plot_h
        segment.append(f"{x},{y}")
        parts.append(f'<circle class="chart-dot" cx="{x}" cy="{y}" r="4"/>')
        parts.append(f'<text class="chart-value" x="{x}" y="{y - 8}" text-anchor="middle">{decimal_text(value)}</text>')
    if len(segment) > 1:
        parts.append(f'<polyline class="chart-line" points="{" ".join(segment)}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
