"""The dashboard's tables, as (title, columns, rows): rendered as HTML tables and downloaded as CSV.

One builder per table serves both, so a download is exactly what the page
shows — suppressed cells included (empty, with the reason in the note).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TABLES", "Table", "build_table"]

Result = Mapping[str, Any]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str | None = None


TEST_NAMES = {"welch_anova": "Welch's ANOVA", "welch_t": "Welch's t"}
EFFECT_NAMES = {"omega_squared": "omega squared (ω²)", "cliffs_delta": "Cliff's delta (δ)"}


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _r(value: Any, digits: int = 2) -> Any:
    return round(value, digits) if isinstance(value, float) else value


def _p(value: Any) -> Any:
    """A p-value as readers expect it: to 4 places, and "<0.001" rather than a misleading 0.0."""
    if isinstance(value, float) and value < 0.001:
        return "<0.001"
    return _r(value, 4)


def overview(result: Result, **_: Any) -> Table:
    ov = result["overview"]
    rows = [
        (a["label"], a["started"], a["submitted"], _percent(a["completion_rate"]), _r(a["median_minutes"], 1))
        for a in ov["audiences"]
    ]
    rows.append(("All", ov["started"], ov["submitted"], _percent(ov["completion_rate"]), _r(ov["median_minutes"], 1)))
    return Table(
        "overview",
        "Responses by audience",
        ("audience", "started", "submitted", "completion_percent", "median_minutes"),
        tuple(rows),
        ov["note"],
    )


def _subscale(result: Result, instrument: str, subscale: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    for block in result["instruments"]:
        if block["id"] == instrument:
            for s in block["subscales"]:
                if s["id"] == subscale:
                    return block, s
    raise KeyError(f"{instrument}.{subscale}")


def subscale_scores(result: Result, instrument: str, subscale: str, **_: Any) -> Table:
    block, s = _subscale(result, instrument, subscale)
    rows = tuple(
        (
            g["label"],
            g.get("n"),
            _r(g.get("mean")),
            _r(g.get("sd")),
            _r(g.get("median")),
            _r(g.get("q1")),
            _r(g.get("q3")),
            _r(g.get("ci_low")),
            _r(g.get("ci_high")),
        )
        for g in s["groups"]
    )
    return Table(
        f"scores-{instrument}-{subscale}",
        f"{block['title']}: {s['label']} (scale {s['min']:g}–{s['max']:g})",
        ("group", "n", "mean", "sd", "median", "q1", "q3", "ci95_low", "ci95_high"),
        rows,
        s["note"],
    )


def comparisons(result: Result, **_: Any) -> Table:
    rows = []
    for block in result["instruments"]:
        for s in block["subscales"]:
            c = s["comparison"]
            rows.append(
                (
                    block["title"],
                    s["label"],
                    TEST_NAMES.get(c["test"], c["test"] or "not tested"),
                    _r(c["statistic"]),
                    _r(c["df1"]),
                    _r(c["df2"]),
                    _p(c["p_value"]),
                    EFFECT_NAMES.get(c["effect_name"], c["effect_name"] or ""),
                    _r(c["effect"], 3),
                    _r(c["kruskal_h"]),
                    _p(c["kruskal_p"]),
                    _r(c["epsilon_squared"], 3),
                    s["sentence"],
                )
            )
    return Table(
        "comparisons",
        "Comparison between groups",
        (
            "instrument",
            "subscale",
            "test",
            "statistic",
            "df1",
            "df2",
            "p",
            "effect",
            "effect_size",
            "kruskal_h",
            "kruskal_p",
            "epsilon_squared",
            "in_words",
        ),
        tuple(rows),
    )


def pairs(result: Result, **_: Any) -> Table:
    rows = []
    for block in result["instruments"]:
        for s in block["subscales"]:
            for p in s["comparison"]["pairs"]:
                rows.append(
                    (
                        block["title"],
                        s["label"],
                        p["a"],
                        p["b"],
                        _r(p["mean_a"]),
                        _r(p["mean_b"]),
                        _r(p["diff"]),
                        _p(p["p_value"]),
                        _r(p["hedges_g"]),
                        _r(p["cliffs_delta"]),
                        p["magnitude"],
                    )
                )
    return Table(
        "pairs",
        "Pairwise differences (Games-Howell; Welch t for two groups)",
        (
            "instrument",
            "subscale",
            "group_a",
            "group_b",
            "mean_a",
            "mean_b",
            "difference_b_minus_a",
            "p",
            "hedges_g",
            "cliffs_delta",
            "magnitude",
        ),
        tuple(rows),
    )


def reliability(result: Result, **_: Any) -> Table:
    rows = []
    for block in result["instruments"]:
        for s in block["subscales"]:
            for g in s["groups"]:
                rel = g.get("reliability")
                if g["hidden"] or not rel:
                    continue
                rows.append(
                    (
                        block["title"],
                        s["label"],
                        g["label"],
                        rel["n"],
                        rel["k"],
                        _r(rel["alpha"]),
                        _r(rel["alpha_ci_low"]),
                        _r(rel["alpha_ci_high"]),
                        _r(rel["omega"]),
                        rel["status"],
                        rel["warning"] or "",
                    )
                )
    return Table(
        "reliability",
        "Reliability by group",
        (
            "instrument",
            "subscale",
            "group",
            "n_complete",
            "items",
            "alpha",
            "alpha_ci95_low",
            "alpha_ci95_high",
            "omega",
            "status",
            "warning",
        ),
        tuple(rows),
    )


def item_reliability(result: Result, **_: Any) -> Table:
    rows = []
    for block in result["instruments"]:
        for s in block["subscales"]:
            for g in s["groups"]:
                rel = g.get("reliability")
                if g["hidden"] or not rel or rel["status"] != "ok":
                    continue
                for item in rel["items"]:
                    rows.append(
                        (
                            block["title"],
                            s["label"],
                            g["label"],
                            item["item"],
                            _r(item["item_rest_r"]),
                            _r(item["alpha_if_deleted"]),
                            _r(rel["alpha"]),
                        )
                    )
    return Table(
        "item_reliability",
        "Items within each subscale: item-rest correlation and alpha if the item were deleted",
        ("instrument", "subscale", "group", "item", "item_rest_r", "alpha_if_deleted", "alpha_with_all_items"),
        tuple(rows),
        "Item-rest correlations below .30 are worth a look (not a reason to drop an item on their own).",
    )


def bands(result: Result, instrument: str, subscale: str, **_: Any) -> Table:
    block, s = _subscale(result, instrument, subscale)
    names = [b["label"] for b in s["bands"]]
    rows = tuple(
        (g["label"], g.get("n"), *([_r(100 * b["share"], 1) for b in g.get("bands", [])] or [None] * len(names)))
        for g in s["groups"]
        if not g["hidden"]
    )
    return Table(
        f"bands-{instrument}-{subscale}",
        f"{block['title']}: {s['label']}, share of each group in each band (%)",
        ("group", "n", *names),
        rows,
        s["note"],
    )


def items(result: Result, instrument: str, **_: Any) -> Table:
    block = next(b for b in result["instruments"] if b["id"] == instrument)
    rows = []
    width = max((len(i["options"]) for i in block["items"]), default=0)
    for item in block["items"]:
        for g in item["groups"]:
            if g["hidden"]:
                rows.append(
                    (
                        item["id"],
                        item["texts"].get(g["key"], item["text"]),
                        g["label"],
                        None,
                        *([None] * width),
                        None,
                        None,
                        None,
                        "suppressed",
                    )
                )
                continue
            counts = list(g["counts"]) + [None] * (width - len(g["counts"]))
            rows.append(
                (
                    item["id"],
                    item["texts"].get(g["key"], item["text"]),
                    g["label"],
                    g["n_asked"],
                    *counts,
                    sum(g["missing_counts"]),
                    g["skipped"],
                    g["unanswered"],
                    "reverse-keyed" if item["reverse"] else "",
                )
            )
    option_columns = tuple(f"option_{i + 1}" for i in range(width))
    return Table(
        f"items-{instrument}",
        f"{block['title']}: answers per item",
        (
            "item",
            "text",
            "group",
            "n_asked",
            *option_columns,
            "not_observed_or_dont_know",
            "prefer_not_to_answer",
            "unanswered",
            "note",
        ),
        tuple(rows),
    )


def gaps(result: Result, level: str = "subscale", **_: Any) -> Table:
    titles = {block["id"]: block["title"] for block in result.get("instruments", [])}  # full titles, never the short codes
    rows = tuple(
        (
            titles.get(g.get("instrument_id"), g["instrument"]),
            g["level"],
            g["label"],
            g["other_group"],
            g["n_self"],
            g["n_other"],
            _r(g["mean_self"]),
            _r(g["mean_other"]),
            _r(g["diff"]),
            _r(g["ci_low"]),
            _r(g["ci_high"]),
            _r(g["hedges_g"]),
            _r(g["cliffs_delta"]),
            g["reading"].replace("_", " "),  # "others higher", as the page explains it
            g.get("measured_alike", ""),  # services.gap_verdicts: do the audiences read these questions alike?
        )
        for g in result["gaps"]
        if g["level"] == level
    )
    title = "Perception gaps by subscale" if level == "subscale" else "Perception gaps by item"
    return Table(
        "gaps",
        f"{title}: how others see peer specialists, against peers' own view",
        (
            "instrument",
            "level",
            "subscale_or_item",
            "other_group",
            "n_peer",
            "n_other",
            "mean_peer",
            "mean_other",
            "gap_other_minus_peer",
            "ci95_low",
            "ci95_high",
            "hedges_g",
            "cliffs_delta",
            "reading",
            "measured_alike",
        ),
        rows,
        (result.get("invariance") or {}).get("note"),
    )


TABLES: Mapping[str, Callable[..., Table]] = {
    "overview": overview,
    "scores": subscale_scores,
    "comparisons": comparisons,
    "pairs": pairs,
    "reliability": reliability,
    "item_reliability": item_reliability,
    "bands": bands,
    "items": items,
    "gaps": gaps,
}


def build_table(result: Result, name: str, **params: str) -> Table:
    if name not in TABLES:
        raise KeyError(name)
    return TABLES[name](result, **params)
