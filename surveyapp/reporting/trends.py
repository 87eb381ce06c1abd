"""A subscale across the waves of a series: each audience's mean with its 95% interval, wave by wave."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from .figures import FONT, PALETTE

__all__ = ["trend_figure"]


def trend_figure(trend: Mapping[str, Any]) -> dict[str, Any]:
    """One line per audience (services.trends.subscale_trends); a wave the audience's page hid has no point."""
    waves = trend["waves"]
    traces = []
    for index, line in enumerate(trend["lines"]):
        points = {p["wave"]: p for p in line["points"]}
        shown = [points.get(w) for w in waves]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": line["label"],
                "x": [gettext("Wave %(n)s", n=w) for w in waves],
                "y": [p["mean"] if p else None for p in shown],
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [(p["ci_high"] - p["mean"]) if p and p["ci_high"] is not None else None for p in shown],
                    "arrayminus": [(p["mean"] - p["ci_low"]) if p and p["ci_low"] is not None else None for p in shown],
                    "thickness": 1.5,
                    "width": 6,
                },
                "text": [f"n = {p['n']}" if p else "" for p in shown],
                "hovertemplate": "%{fullData.name}, %{x}: %{y:.2f} (%{text})<extra></extra>",
                "marker": {"color": PALETTE[index % len(PALETTE)], "size": 8},
                "line": {"color": PALETTE[index % len(PALETTE)]},
                "connectgaps": False,
            }
        )
    return {
        "data": traces,
        "layout": {
            "font": FONT,
            "height": 280,
            "margin": {"l": 10, "r": 10, "t": 20, "b": 40},
            "paper_bgcolor": "#fff",
            "plot_bgcolor": "#fff",
            "legend": {"orientation": "h", "y": -0.2},
            "yaxis": {"range": [trend["min"], trend["max"]], "automargin": True, "title": {"text": gettext("mean")}},
            "xaxis": {"type": "category", "automargin": True},
        },
    }
