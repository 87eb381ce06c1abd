"""The dashboard's tables about scores: the overview, each subscale's scores and bands, the comparisons between
groups and their pairs, and reliability. Values are at full precision; :class:`Table` rounds them for the page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from .table import Table

__all__ = ["bands", "comparisons", "item_reliability", "overview", "pairs", "reliability", "subscale_scores"]

Result = Mapping[str, Any]

TEST_NAMES = {"welch_anova": "Welch's ANOVA", "welch_t": "Welch's t"}
EFFECT_NAMES = {"omega_squared": "omega squared (ω²)", "cliffs_delta": "Cliff's delta (δ)"}


#: where alpha is shown: how it is computed, and why it may differ from R psych's default
LISTWISE_NOTE = (
    "Alpha and omega use complete responses only (listwise: n_complete people answered every item of the subscale); "
    "R's psych::alpha uses every available pair of answers by default (pairwise), so with skipped items its alpha "
    "can differ slightly."
)


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


def overview(result: Result, **_: Any) -> Table:
    ov = result["overview"]
    rows = [
        (a["label"], a["started"], a["submitted"], _percent(a["completion_rate"]), a["median_minutes"]) for a in ov["audiences"]
    ]
    rows.append(("All", ov["started"], ov["submitted"], _percent(ov["completion_rate"]), ov["median_minutes"]))
    return Table(
        "overview",
        gettext("Responses by audience"),
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
            g.get("mean"),
            g.get("sd"),
            g.get("median"),
            g.get("q1"),
            g.get("q3"),
            g.get("ci_low"),
            g.get("ci_high"),
        )
        for g in s["groups"]
    )
    return Table(
        f"scores-{instrument}-{subscale}",
        gettext(
            "%(instrument)s: %(subscale)s (scale %(min)s–%(max)s)",
            instrument=block["title"],
            subscale=s["label"],
            min=format(s["min"], "g"),
            max=format(s["max"], "g"),
        ),
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
                    c["statistic"],
                    c["df1"],
                    c["df2"],
                    c["p_value"],
                    EFFECT_NAMES.get(c["effect_name"], c["effect_name"] or ""),
                    c["effect"],
                    c["kruskal_h"],
                    c["kruskal_p"],
                    c["epsilon_squared"],
                    s["sentence"],
                )
            )
    return Table(
        "comparisons",
        gettext("Comparison between groups"),
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
                        p["mean_a"],
                        p["mean_b"],
                        p["diff"],
                        p["p_value"],
                        p["hedges_g"],
                        p["cliffs_delta"],
                        p["magnitude"],
                    )
                )
    return Table(
        "pairs",
        gettext("Pairwise differences (Games-Howell; Welch t for two groups)"),
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
                        rel["alpha"],
                        rel["alpha_ci_low"],
                        rel["alpha_ci_high"],
                        rel["omega"],
                        rel["status"],
                        rel["warning"] or "",
                    )
                )
    return Table(
        "reliability",
        gettext("Reliability by group"),
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
        LISTWISE_NOTE,
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
                            item["item_rest_r"],
                            item["alpha_if_deleted"],
                            rel["alpha"],
                        )
                    )
    return Table(
        "item_reliability",
        gettext("Items within each subscale: item-rest correlation and alpha if the item were deleted"),
        ("instrument", "subscale", "group", "item", "item_rest_r", "alpha_if_deleted", "alpha_with_all_items"),
        tuple(rows),
        gettext("Item-rest correlations below .30 are worth a look (not a reason to drop an item on their own).")
        + " "
        + LISTWISE_NOTE,
    )


def bands(result: Result, instrument: str, subscale: str, **_: Any) -> Table:
    block, s = _subscale(result, instrument, subscale)
    names = [b["label"] for b in s["bands"]]
    rows = tuple(
        (g["label"], g.get("n"), *([100 * b["share"] for b in g.get("bands", [])] or [None] * len(names)))
        for g in s["groups"]
        if not g["hidden"]
    )
    return Table(
        f"bands-{instrument}-{subscale}",
        gettext(
            "%(instrument)s: %(subscale)s, share of each group in each band (%%)",
            instrument=block["title"],
            subscale=s["label"],
        ),
        ("group", "n", *names),
        rows,
        s["note"],
        digits=1,
    )
