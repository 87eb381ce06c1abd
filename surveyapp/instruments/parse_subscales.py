"""Reading an instrument's subscales: which items each scores (likert items on one range only) and its score bands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import Band, Item, Reference, Subscale
from .parse_texts import TextReader
from .problems import Path

__all__ = ["SubscaleReader"]


class SubscaleReader(TextReader):
    def subscales(self, raw_subscales: list[dict[str, Any]], items: Mapping[str, Item]) -> tuple[Subscale, ...]:
        out: list[Subscale] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_subscales):
            path: Path = ("subscales", index)
            if raw["id"] in seen:
                self.problem((*path, "id"), f"subscale id '{raw['id']}' is used twice", "give each subscale its own id")
            seen.add(raw["id"])
            bounds: set[tuple[int, int]] = set()
            for pos, item_id in enumerate(raw["items"]):
                item = items.get(item_id)
                if item is None:
                    self.problem(
                        (*path, "items", pos),
                        f"names item '{item_id}', which does not exist",
                        "use the id of an item defined under 'items'",
                    )
                elif item.task is not None:
                    self.problem(
                        (*path, "items", pos),
                        f"'{item_id}' is a role task; tasks are rated for consensus, not scored",
                        "remove it from the subscale",
                    )
                elif item.type != "likert" or item.scale is None:
                    self.problem(
                        (*path, "items", pos),
                        f"'{item_id}' is a '{item.type}' item; only likert items are scored",
                        "remove it from the subscale",
                    )
                else:
                    bounds.add((item.scale.min, item.scale.max))
            if len(bounds) > 1:
                self.problem(
                    (*path, "items"),
                    f"mixes items on scales with different ranges {sorted(bounds)}",
                    "score items on the same range together, or split the subscale",
                )
            scoring = raw.get("scoring", "mean")
            bands = self.bands(raw.get("bands", []), path, scoring, len(raw["items"]), next(iter(bounds), None))
            description = self.text(raw["description"], (*path, "description")) if "description" in raw else None
            reference = Reference(**raw["reference"]) if "reference" in raw else None
            out.append(
                Subscale(
                    raw["id"],
                    self.text(raw["label"], (*path, "label")),
                    tuple(raw["items"]),
                    scoring,
                    float(raw.get("min_answered", 0.8)),
                    description,
                    bands,
                    reference,
                )
            )
        return tuple(out)

    def bands(
        self, raw: list[dict[str, Any]], path: Path, scoring: str, n_items: int, bounds: tuple[int, int] | None
    ) -> tuple[Band, ...]:
        bands = tuple(Band(float(b["max"]), self.text(b["label"], (*path, "bands", i, "label"))) for i, b in enumerate(raw))
        if not bands or bounds is None:
            return bands
        factor = n_items if scoring == "sum" else 1
        low, high = bounds[0] * factor, bounds[1] * factor
        maxima = [b.max for b in bands]
        if maxima != sorted(set(maxima)):
            self.problem(
                (*path, "bands"), f"band maxima must increase, found {maxima}", "list bands from the lowest to the highest"
            )
        if maxima[-1] != high:
            self.problem(
                (*path, "bands", len(bands) - 1, "max"),
                f"the last band must end at the highest possible score {high:g}, found {maxima[-1]:g}",
                f"set its max to {high:g}",
            )
        if maxima[0] < low:
            self.problem(
                (*path, "bands", 0, "max"),
                f"band max {maxima[0]:g} is below the lowest possible score {low:g}",
                "remove the band or raise its max",
            )
        return bands
