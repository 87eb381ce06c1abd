"""Plotly figures (as plain JSON-ready dicts) from a dashboard result.

Only aggregates go in: box plots are drawn from precomputed quartiles with
whiskers at the 5th and 95th percentiles (no individual points), and
suppressed groups are simply absent, with the page's note saying why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext

__all__ = ["daily_figure", "diverging_colours", "gap_heatmap", "gap_heatmaps", "likert_figure", "subscale_figure"]

PALETTE = ("#1f5f8b", "#c8553d", "#588157", "#8d6a9f", "#b08900", "#4c6a92")
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13}


def _layout(**extra: Any) -> dict[str, Any]:
    layout = {
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
        "paper_bgcolor": "#fff",
        "plot_bgcolor": "#fff",
        "showlegend": True,
        "legend": {"orientation": "h"},
    }
    layout.update(extra)
    return layout


def subscale_figure(subscale: Mapping[str, Any]) -> dict[str, Any]:
    """Box (quartiles, whiskers at p5/p95) and mean with 95% CI per group."""
    traces = []
    shown = [g for g in subscale["groups"] if not g["hidden"] and g.get("n")]
    for index, group in enumerate(shown):
        colour = PALETTE[index % len(PALETTE)]
        traces.append(
            {
                "type": "box",
                "name": f"{group['label']} (n={group['n']})",
                "y": [group["label"]],
                "orientation": "h",
                "q1": [group["q1"]],
                "median": [group["median"]],
                "q3": [group["q3"]],
                "lowerfence": [group["p5"]],
                "upperfence": [group["p95"]],
                "mean": [group["mean"]],
                "marker": {"color": colour},
                "boxpoints": False,
                "hoverinfo": "x+name",
                "showlegend": False,
            }
        )
        if group.get("ci_low") is not None:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [group["mean"]],
                    "y": [group["label"]],
                    "error_x": {
                        "type": "data",
                        "symmetric": False,
                        "array": [group["ci_high"] - group["mean"]],
                        "arrayminus": [group["mean"] - group["ci_low"]],
                        "color": "#111",
                    },
                    "marker": {"color": "#111", "symbol": "diamond", "size": 8},
                    "name": gettext("mean ± 95% CI"),
                    "showlegend": index == 0,
                    "hovertemplate": gettext("mean") + " %{x:.2f}<extra></extra>",
                }
            )
    shapes = [
        {
            "type": "line",
            "x0": b["max"],
            "x1": b["max"],
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dot", "color": "#888"},
        }
        for b in subscale.get("bands", [])[:-1]
    ]
    return {
        "data": traces,
        "layout": _layout(
            height=110 + 48 * max(1, len(shown)),
            shapes=shapes,
            xaxis={
                "range": [subscale["min"] - 0.1, subscale["max"] + 0.1],
                "title": {"text": gettext("score")},
                "zeroline": False,
            },
            yaxis={"autorange": "reversed", "automargin": True},
        ),
    }


def diverging_colours(n: int) -> list[str]:
    negative = ["#b2182b", "#d6604d", "#f4a582", "#fddbc7"]
    positive = ["#d1e5f0", "#92c5de", "#4393c3", "#2166ac"]
    half = n // 2
    colours = negative[-half:] if half else []
    if n % 2:
        colours.append("#d9d9d9")
    colours += positive[:half]
    return colours


def likert_figure(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Diverging stacked bars: one bar per item and group, centred on the scale's middle.

    Percentages are of substantive answers; "prefer not to answer", "not
    observed" and unanswered are reported beside the chart (table), not mixed in.
    """
    rows: list[tuple[str, list[float]]] = []
    options: Sequence[str] = items[0]["options"] if items else []
    for item in items:
        for group in item["groups"]:
            if group["hidden"] or not group.get("percentages") or not sum(group["counts"]):
                continue
            text = item["texts"].get(group["key"], item["text"])
            short = text if len(text) <= 48 else text[:46].rstrip() + "…"
            label = f"{short}{' (R)' if item['reverse'] else ''} · {group['label']}"
            rows.append((label, list(group["percentages"])))
    n = len(options)
    half, middle = n // 2, n % 2 == 1
    colours = diverging_colours(n)
    traces = []
    for index, option in enumerate(options):
        values = []
        for _, pct in rows:
            value = pct[index] if index < len(pct) else 0.0
            if middle and index == half:
                value = value / 2
            values.append(-value if index < half or (middle and index == half) else value)
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": option,
                "y": [r[0] for r in rows],
                "x": values,
                "marker": {"color": colours[index]},
                "hovertemplate": f"{option}: %{{customdata:.0f}}%<extra></extra>",
                "customdata": [abs(v) * (2 if middle and index == half else 1) for v in values],
            }
        )
        if middle and index == half:  # the neutral half on the right
            traces.append({**traces[-1], "x": [-v for v in values], "showlegend": False})
    order = [t for t in traces if t["x"] and min(t["x"], default=0) < 0][::-1] + [
        t for t in traces if min(t["x"], default=0) >= 0
    ]
    return {
        "data": order,
        "layout": _layout(
            barmode="relative",
            height=120 + 26 * max(1, len(rows)),
            xaxis={"range": [-100, 100], "ticksuffix": "%", "title": {"text": gettext("← disagree · agree →")}},
            yaxis={"autorange": "reversed", "automargin": True},
            margin={"l": 10, "r": 10, "t": 30, "b": 50},
        ),
    }


def _wrapped(label: str, width: int = 16) -> str:
    """A column label on several short lines, so the group names under a heatmap are never cut on a narrow screen."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _reading(code: str) -> str:
    """A gap's reading (analysis.gaps) in the page's language, as the gap section's explanation names it."""
    names = {
        "others_higher": gettext("others higher"),
        "self_higher": gettext("self higher"),
        "aligned": gettext("aligned"),
        "unclear": gettext("unclear"),
    }
    return names.get(code, code.replace("_", " "))


def gap_heatmap(
    gaps: Sequence[Mapping[str, Any]], level: str = "subscale", column: str = "other_group", order: Sequence[str] = ()
) -> dict[str, Any]:
    """Gap (other − peer) per subscale and ``column`` (the other audience, or the group a gap was computed within),
    ranked by size; the columns in ``order`` first (the groups' own order), then as they come."""
    chosen = [g for g in gaps if g["level"] == level]
    # the subscale's name alone (instrument codes mean nothing to a manager), with its instrument where two share it
    named = {(g["instrument"], g["label"]) for g in chosen}
    shared = {label for _instrument, label in named if sum(other == label for _i, other in named) > 1}
    tags = {id(g): f"{g['label']} ({g['instrument']})" if g["label"] in shared else g["label"] for g in chosen}
    labels = list(dict.fromkeys(tags[id(g)] for g in chosen))
    present = {g[column] for g in chosen}
    others = list(dict.fromkeys([*(o for o in order if o in present), *(g[column] for g in chosen)]))
    z = [[None for _ in others] for _ in labels]
    text = [["" for _ in others] for _ in labels]
    for g in chosen:
        row, col = labels.index(tags[id(g)]), others.index(g[column])
        z[row][col] = g["diff"]
        text[row][col] = f"{g['diff']:+.2f} ({_reading(g['reading'])})"
    limit = max((abs(g["diff"]) for g in chosen), default=1.0) or 1.0
    return {
        "data": [
            {
                "type": "heatmap",
                "z": z,
                "x": [_wrapped(o) for o in others],
                "y": labels,
                "text": text,
                "texttemplate": "%{text}",
                "colorscale": "RdBu",
                "zmin": -limit,
                "zmax": limit,
                "reversescale": False,
                "colorbar": {"title": {"text": gettext("other − peer")}},
                "hovertemplate": "%{y}<br>%{x}: %{text}<extra></extra>",
            }
        ],
        "layout": _layout(
            height=160 + 30 * max(1, len(labels)),
            xaxis={"automargin": True, "tickangle": 0},
            yaxis={"automargin": True, "autorange": "reversed"},
            showlegend=False,
        ),
    }


def gap_heatmaps(
    gaps: Sequence[Mapping[str, Any]], level: str = "subscale", order: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """The gap charts of a page, by key: "" for the one chart of a comparison by audience; compared by a question
    or wave, one chart per other audience (its key), with the groups (units, answers, waves) side by side."""
    chosen = [g for g in gaps if g["level"] == level]
    if not chosen:
        return {}
    if all(g.get("group") is None for g in chosen):
        return {"": gap_heatmap(chosen, level)}
    others = dict.fromkeys(g["other"] for g in chosen)
    return {other: gap_heatmap([g for g in chosen if g["other"] == other], level, "group_label", order) for other in others}


def daily_figure(overview: Mapping[str, Any]) -> dict[str, Any]:
    days = overview["by_day"]
    return {
        "data": [
            {
                "type": "bar",
                "x": [d["date"] for d in days],
                "y": [d["submitted"] for d in days],
                "marker": {"color": PALETTE[0]},
                "name": gettext("submitted"),
            }
        ],
        "layout": _layout(
            height=260,
            showlegend=False,
            yaxis={"title": {"text": gettext("responses submitted")}, "automargin": True, "rangemode": "tozero"},
        ),
    }
