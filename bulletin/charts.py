"""Charts without script: bars in HTML, a unit's history as inline SVG; readable without colour."""

from __future__ import annotations

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


def _x(value: Decimal, maximum: Decimal, width: float) -> float:
    if maximum <= 0:
        return 0.0
    return round(float(value / maximum) * width, 1)


BAR_PLOT_WIDTH = 100  # bars are drawn in HTML, along a track as wide as its box: in percent


def bar_position(value: Decimal, maximum: Decimal) -> float:
    """Where a value is drawn along a bar, in percent: all a page shows of, say, an average."""
    return _x(value, maximum, BAR_PLOT_WIDTH)


def bar_chart(bars: Sequence[Bar], title: str, reference_label: str | None = None) -> Markup:
    """Horizontal bars in HTML, one per row, each against its own maximum, with a reference tick.

    HTML rather than SVG: its text keeps the page's size on a phone (an SVG scaled to a 360 px
    screen drew its labels at 7 px), wraps instead of being cut, and grows with large text.
    """
    parts = [f'<ul class="bars" aria-label="{escape(title)}">']
    for bar in bars:
        cls = "bar bar-em" if bar.highlight else "bar"
        parts.append(f'<li class="{cls}"><span class="bar-label">{escape(bar.label)}</span>')
        parts.append('<span class="bar-track" aria-hidden="true">')
        if bar.value is not None:
            width = _x(bar.value, bar.maximum, 100)
            parts.append(f'<span class="bar-fill" style="width: {width}%"></span>')
        at = bar.reference_at
        if at is None and bar.reference is not None:
            at = bar_position(bar.reference, bar.maximum)
        if at is not None:
            parts.append(f'<span class="bar-ref" style="left: {at}%"></span>')
        value = "—" if bar.value is None else decimal_text(bar.value)
        parts.append(f'</span><span class="bar-value">{value}</span></li>')
    parts.append("</ul>")
    if reference_label:
        parts.append(
            f'<p class="bars-legend"><span class="bar-ref-key" aria-hidden="true"></span>'
            f"竖线：{escape(reference_label)}</p>"
        )
    return Markup("".join(parts))


def line_chart(
    points: Sequence[tuple[str, Decimal | None]], maximum: Decimal, title: str
) -> Markup:
    """A unit's totals over the years: dots joined by lines, with a gap where it was not assessed."""
    # 48 units a year: up to 7 years fit a 360 px phone at 85 % or more (labels of 11 px and up);
    # beyond, the figure scrolls instead of shrinking (min-width).
    left, top, plot_w, plot_h = 40, 12, max(48 * len(points), 200), 160
    width, height = left + plot_w + 20, top + plot_h + 30
    step = plot_w / max(len(points), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" style="min-width: {round(width * 0.85)}px" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, Decimal("0.5"), 1):
        y = round(top + plot_h - float(fraction) * plot_h, 1)
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>'
        )
        parts.append(
            f'<text class="chart-axis" x="{left - 6}" y="{y + 4}" text-anchor="end">'
            f"{decimal_text(maximum * Decimal(fraction))}</text>"
        )
    segment: list[str] = []
    for i, (label, value) in enumerate(points):
        x = round(left + step * i + step / 2, 1)
        parts.append(
            f'<text class="chart-axis" x="{x}" y="{top + plot_h + 20}" text-anchor="middle">{escape(label)}</text>'
        )
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline class="chart-line" points="{" ".join(segment)}"/>')
            segment = []
            continue
        y = (
            round(top + plot_h - float(value / maximum) * plot_h, 1)
            if maximum > 0
            else top + plot_h
        )
        segment.append(f"{x},{y}")
        parts.append(f'<circle class="chart-dot" cx="{x}" cy="{y}" r="4"/>')
        parts.append(
            f'<text class="chart-value" x="{x}" y="{y - 8}" text-anchor="middle">{decimal_text(value)}</text>'
        )
    if len(segment) > 1:
        parts.append(f'<polyline class="chart-line" points="{" ".join(segment)}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
