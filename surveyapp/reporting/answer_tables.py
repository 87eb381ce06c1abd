"""The dashboard's tables about answers: each question's answers per group, under the scale's own labels in scale
order ("Strongly disagree" ... "Strongly agree"), and the perception gaps (within each group when comparing by a
question or wave)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext

from .table import Table

__all__ = ["answer_scales", "gaps", "items"]

Result = Mapping[str, Any]
ITEM_COLUMNS = ("item", "text", "group", "n_asked")
AFTER_COLUMNS = ("not_observed_or_dont_know", "prefer_not_to_answer", "unanswered", "note")


def answer_scales(block: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """The answer scales of an instrument's items, in the order they first appear: (scale id, labels in scale order).
    Scales with the same labels are one (their answers share the columns)."""
    seen: dict[tuple[str, ...], str] = {}
    for item in block["items"]:
        seen.setdefault(tuple(item["options"]), item.get("scale") or "")
    return [(scale, labels) for labels, scale in seen.items()]


def _answer_columns(scales: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[list[str], dict[tuple[str, ...], int]]:
    """One column per answer label, scale by scale; a label two scales share is told apart by its scale."""
    columns: list[str] = []
    offsets: dict[tuple[str, ...], int] = {}
    for scale, labels in scales:
        offsets[labels] = len(columns)
        for label in labels:
            taken = label in columns or label in ITEM_COLUMNS or label in AFTER_COLUMNS
            columns.append(f"{label} ({scale})" if taken else label)
    return columns, offsets


def items(result: Result, instrument: str, scale: str | None = None, **_: Any) -> Table:
    """Answers per item and group; ``scale``: only the items on that answer scale (the page shows one table per scale)."""
    block = next(b for b in result["instruments"] if b["id"] == instrument)
    scales = answer_scales(block)
    if scale is not None:
        scales = [s for s in scales if s[0] == scale]
        if not scales:
            raise KeyError(scale)
    labels_shown = {labels for _, labels in scales}
    answers, offsets = _answer_columns(scales)
    rows = []
    for item in block["items"]:
        labels = tuple(item["options"])
        if labels not in labels_shown:
            continue
        for g in item["groups"]:
            lead = (item["id"], item["texts"].get(g["key"], item["text"]), g["label"])
            counts: list[int | None] = [None] * len(answers)
            if g["hidden"]:
                rows.append((*lead, None, *counts, None, None, None, "suppressed"))
                continue
            counts[offsets[labels] : offsets[labels] + len(g["counts"])] = list(g["counts"])
            rows.append(
                (
                    *lead,
                    g["n_asked"],
                    *counts,
                    sum(g["missing_counts"]),
                    g["skipped"],
                    g["unanswered"],
                    "reverse-keyed" if item["reverse"] else "",
                )
            )
    suffix = f"-{scale}" if scale is not None else ""
    return Table(
        f"items-{instrument}{suffix}",
        gettext("%(instrument)s: answers per item", instrument=block["title"]),
        (*ITEM_COLUMNS, *answers, *AFTER_COLUMNS),
        tuple(rows),
        meta={"answers": answers},
    )


GAP_COLUMNS = (
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
)


def gaps(result: Result, level: str = "subscale", **_: Any) -> Table:
    chosen = [g for g in result["gaps"] if g["level"] == level]
    within = any(g.get("group") is not None for g in result["gaps"])
    titles = {block["id"]: block["title"] for block in result.get("instruments", [])}  # full titles, never the codes
    rows = tuple(
        (
            *([g["group_label"]] if within else []),
            titles.get(g.get("instrument_id"), g["instrument"]),
            g["level"],
            g["label"],
            g["other_group"],
            g["n_self"],
            g["n_other"],
            g["mean_self"],
            g["mean_other"],
            g["diff"],
            g["ci_low"],
            g["ci_high"],
            g["hedges_g"],
            g["cliffs_delta"],
            g["reading"].replace("_", " "),  # "others higher", as the page explains it
            g.get("measured_alike", ""),  # services.gap_verdicts: do the audiences read these questions alike?
        )
        for g in chosen
    )
    title = (
        gettext("Perception gaps by subscale: how others see peer specialists, against peers' own view")
        if level == "subscale"
        else gettext("Perception gaps by item: how others see peer specialists, against peers' own view")
    )
    if within:
        title += " " + gettext("within each group (%(by)s)", by=result.get("by_label") or gettext("group"))
    return Table(
        "gaps",
        title,
        (*(["group"] if within else []), *GAP_COLUMNS),
        rows,
        (result.get("invariance") or {}).get("note"),
    )
