"""Static SVG charts for the printed report, drawn on the server from the dashboard's own figures.

The results page draws its charts with plotly.js in the browser; a PDF made on the server has no browser,
so the report draws the same figures (the same groups, with the same ones suppressed) as small SVG
graphics. Words never go inside the SVG: labels stay in the HTML beside each bar, where the PDF renderer
lays out Hebrew and Arabic right to left and embeds the fonts. Only numbers (tick values) are drawn, left
to right as numbers are read in every language here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from .figures import diverging_colours

__all__ = ["gap_bar", "likert_bar", "scale_axis", "score_bar", "swatch"]

WIDTH = 300  # the SVG's own units; CSS sizes it to its column
ROW = 16
INK, BOX, MEAN, GRID = "#1b1f24", "#9dbbd3", "#111", "#c9ced4"
DARK = frozenset({"#b2182b", "#d6604d", "#4393c3", "#2166ac"})  # answer colours that need white numbers


def _x(value: float, low: float, high: float) -> float:
    return round(4 + (WIDTH - 8) * (value - low) / ((high - low) or 1), 2)


def _svg(height: int, body: str, label: str) -> Markup:
    # body holds only numbers and fixed colours formatted here; the one text, the label, is escaped
    return Markup(  # noqa: S704
        f'<svg class="report-chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{Markup.escape(label)}">{body}</svg>'
    )


def _grid(low: float, high: float, height: int) -> str:
    ticks = _ticks(low, high)
    return "".join(
        f'<line x1="{_x(t, low, high)}" x2="{_x(t, low, high)}" y1="0" y2="{height}" stroke="{GRID}" stroke-width=".6"/>'
        for t in ticks
    )


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = 1.0 if span <= 10 else 5.0 if span <= 50 else 10.0
    first = float(int(low)) if low == int(low) else float(int(low) + 1)
    ticks, value = [], first
    while value <= high + 1e-9:
        ticks.append(value)
        value += step
    return ticks


def scale_axis(low: float, high: float) -> Markup:
    """The numbers under a column of score bars."""
    labels = "".join(
        f'<text x="{_x(t, low, high)}" y="11" font-size="9" text-anchor="middle" fill="{INK}">{t:g}</text>'
        for t in _ticks(low, high)
    )
    return _svg(14, labels, f"scale from {low:g} to {high:g}")


def score_bar(group: Mapping[str, Any], low: float, high: float) -> Markup:
    """One group's scores: the middle half as a box, whiskers at the 5th and 95th percentile, the median as a
    line, the mean as a diamond with its 95% interval. Only aggregates: no individual answer is drawn."""
    mid = ROW / 2
    parts = [_grid(low, high, ROW)]
    if group.get("p5") is not None and group.get("p95") is not None:
        parts.append(
            f'<line x1="{_x(group["p5"], low, high)}" x2="{_x(group["p95"], low, high)}" y1="{mid}" y2="{mid}" '
            f'stroke="{INK}" stroke-width="1"/>'
        )
    if group.get("q1") is not None and group.get("q3") is not None:
        x1, x3 = _x(group["q1"], low, high), _x(group["q3"], low, high)
        parts.append(
            f'<rect x="{x1}" y="3" width="{max(round(x3 - x1, 2), 0.8)}" height="{ROW - 6}" fill="{BOX}" stroke="{INK}" '
            f'stroke-width=".6"/>'
        )
    if group.get("median") is not None:
        xm = _x(group["median"], low, high)
        parts.append(f'<line x1="{xm}" x2="{xm}" y1="3" y2="{ROW - 3}" stroke="{INK}" stroke-width="1.4"/>')
    if group.get("mean") is not None:
        if group.get("ci_low") is not None and group.get("ci_high") is not None:
            parts.append(
                f'<line x1="{_x(group["ci_low"], low, high)}" x2="{_x(group["ci_high"], low, high)}" y1="{mid}" '
                f'y2="{mid}" stroke="{MEAN}" stroke-width="2.4"/>'
            )
        xs = _x(group["mean"], low, high)
        parts.append(
            f'<path d="M{xs} {mid - 4}L{xs + 4} {mid}L{xs} {mid + 4}L{xs - 4} {mid}Z" fill="#fff" stroke="{MEAN}" '
            f'stroke-width="1.2"/>'
        )
    return _svg(ROW, "".join(parts), f"mean {group.get('mean', 0):.2f}")


def likert_bar(percentages: Sequence[float], rtl: bool = False) -> Markup:
    """A group's answers to one question as one bar of 100%, in scale order (the legend gives the words).
    Right to left (Hebrew, Arabic) the scale starts at the right, where its legend starts."""
    colours = diverging_colours(len(percentages))
    parts, start = [], 0.0
    for share, colour in zip(percentages, colours, strict=False):
        width = (WIDTH - 8) * share / 100
        if width > 0:
            x = WIDTH - 4 - start - width if rtl else 4 + start
            parts.append(f'<rect x="{round(x, 2)}" y="2" width="{round(width, 2)}" height="{ROW - 4}" fill="{colour}"/>')
            if share >= 9:
                ink = "#fff" if colour in DARK else INK
                parts.append(
                    f'<text x="{round(x + width / 2, 2)}" y="{ROW / 2 + 3}" font-size="8" text-anchor="middle" '
                    f'fill="{ink}">{share:.0f}%</text>'
                )
        start += width
    return _svg(ROW, "".join(parts), ", ".join(f"{p:.0f}%" for p in percentages))


def gap_bar(gap: Mapping[str, Any], limit: float) -> Markup:
    """A perception gap (others minus peers) with its 95% interval, around a zero line."""
    low, high = -limit, limit
    mid = ROW / 2
    zero = _x(0, low, high)
    parts = [f'<line x1="{zero}" x2="{zero}" y1="0" y2="{ROW}" stroke="{INK}" stroke-width=".8"/>']
    for edge in (-0.5, 0.5):  # the half-point band within which a gap counts as aligned
        if low < edge < high:
            x = _x(edge, low, high)
            parts.append(f'<line x1="{x}" x2="{x}" y1="0" y2="{ROW}" stroke="{GRID}" stroke-dasharray="2 2"/>')
    if gap.get("ci_low") is not None and gap.get("ci_high") is not None:
        parts.append(
            f'<line x1="{_x(max(gap["ci_low"], low), low, high)}" x2="{_x(min(gap["ci_high"], high), low, high)}" '
            f'y1="{mid}" y2="{mid}" stroke="{INK}" stroke-width="1.6"/>'
        )
    x = _x(max(min(gap["diff"], high), low), low, high)
    fill = "#2166ac" if gap["diff"] > 0 else "#b2182b"
    parts.append(f'<circle cx="{x}" cy="{mid}" r="3.6" fill="{fill}" stroke="{INK}" stroke-width=".6"/>')
    return _svg(ROW, "".join(parts), f"gap {gap['diff']:+.2f}")


def swatch(colour: str) -> Markup:
    return Markup(  # noqa: S704 - a fixed palette colour, escaped anyway
        f'<svg class="swatch" viewBox="0 0 10 10" width="10" height="10" xmlns="http://www.w3.org/2000/svg" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{Markup.escape(colour)}"/></svg>'
    )
