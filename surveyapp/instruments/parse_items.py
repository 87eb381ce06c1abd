"""Reading an instrument's items: who each is asked of and in what words, its scale, the fields its type allows, its
show_if condition (which may refer only to earlier items, with codes they have), and role tasks expanded to items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import conditions
from .model import CHOICE_TYPES, DEFAULT_MAX_LENGTH, TEXT_TYPES, Item, ResponseScale
from .parse_texts import TextReader
from .problems import Path
from .tasks import TaskContext, expand_task

__all__ = ["ItemReader"]


class ItemReader(TextReader):
    def items(
        self,
        raw_items: list[dict[str, Any]],
        scales: Mapping[str, ResponseScale],
        sections: set[str],
        tasks: TaskContext,
    ) -> tuple[Item, ...]:
        items: list[Item] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(raw_items):
            path: Path = ("items", index)
            if raw["id"] in seen:
                self.problem(
                    (*path, "id"),
                    f"item id '{raw['id']}' is already used by items[{seen[raw['id']]}]",
                    "give every item its own id",
                )
            seen.setdefault(raw["id"], index)
            if raw["type"] == "task":
                items.extend(self.task(raw, path, tasks))
                continue
            item = self.item(raw, path, scales, sections, {i.id: i for i in items})
            if item is not None:
                items.append(item)
        return tuple(items)

    def item(
        self,
        raw: dict[str, Any],
        path: Path,
        scales: Mapping[str, ResponseScale],
        sections: set[str],
        earlier: Mapping[str, Item],
    ) -> Item | None:
        kind = raw["type"]
        audiences, text = self.wordings(raw, path)
        scale = self.item_scale(raw, path, kind, scales)
        self.check_type_specific(raw, path, kind)
        if raw.get("section") is not None and raw["section"] not in sections:
            self.problem(
                (*path, "section"),
                f"unknown section '{raw['section']}'",
                f"use one of: {', '.join(sorted(sections)) or '(define sections: first)'}",
            )
        show_if = self.show_if(raw, path, earlier)
        help_text = self.text(raw["help"], (*path, "help")) if "help" in raw else None
        return Item(
            id=raw["id"],
            type=kind,
            text=text,
            audiences=audiences,
            scale=scale,
            required=raw.get("required", False),
            allow_skip=raw.get("allow_skip", False),
            reverse=raw.get("reverse", False),
            show_if=show_if,
            section=raw.get("section"),
            help=help_text,
            min=raw.get("min"),
            max=raw.get("max"),
            integer=raw.get("integer", True),
            max_length=raw.get("max_length", DEFAULT_MAX_LENGTH.get(kind)),
        )

    def wordings(self, raw: dict[str, Any], path: Path) -> tuple[tuple[str, ...], dict[str, dict[str, str]]]:
        """The audiences an item or task is asked of, and its wording for each."""
        audiences = self.item_audiences(raw, path)
        text = self.text_per_audience(raw["text"], (*path, "text"), audiences)
        missing_forms = [a for a in audiences if a not in text]
        if text and missing_forms:
            self.problem(
                (*path, "text"),
                f"no wording for audience(s) {', '.join(missing_forms)}",
                "add a block for each audience the item is asked of, or limit it with 'audiences:'",
            )
        return audiences, text

    def task(self, raw: dict[str, Any], path: Path, context: TaskContext) -> list[Item]:
        audiences, text = self.wordings(raw, path)
        if any(a not in text for a in audiences):
            return []
        help_text = self.text(raw["help"], (*path, "help")) if "help" in raw else None
        items, task = expand_task(self, raw, path, audiences, text, context, help_text)
        if task is not None:
            self.tasks.append(task)
        return items

    def item_audiences(self, raw: dict[str, Any], path: Path) -> tuple[str, ...]:
        per_audience = [k for k, v in raw["text"].items() if isinstance(v, dict)]
        listed = raw.get("audiences")
        for aud in listed or ():
            if aud not in self.audiences:
                self.problem(
                    (*path, "audiences"),
                    f"'{aud}' is not one of the instrument's audiences ({', '.join(self.audiences)})",
                    "use an audience listed under the instrument's 'audiences'",
                )
        if listed and per_audience and set(listed) != set(per_audience):
            self.problem(
                (*path, "audiences"),
                f"lists {listed} but the text has wordings for {per_audience}",
                "make the two agree, or drop 'audiences:' (the wordings then decide)",
            )
        chosen = listed or per_audience or list(self.audiences)
        return tuple(a for a in self.audiences if a in chosen)

    def item_scale(self, raw: dict[str, Any], path: Path, kind: str, scales: Mapping[str, ResponseScale]) -> ResponseScale | None:
        has_scale, has_options = "scale" in raw, "options" in raw
        if kind not in CHOICE_TYPES:
            for key in ("scale", "options"):
                if key in raw:
                    self.problem(
                        (*path, key), f"a '{kind}' item takes no '{key}'", f"remove '{key}', or use type likert/single/multi"
                    )
            return None
        if kind == "likert" and has_options:
            self.problem(
                (*path, "options"),
                "a likert item uses a named scale, not inline options",
                "move the options under 'scales:' and write 'scale: <name>'",
            )
            return None
        if has_scale and has_options:
            self.problem(path, "has both 'scale' and 'options'", "keep one of them")
            return None
        if has_options:
            return ResponseScale(f"{raw['id']}_options", self.options(raw["options"], (*path, "options"), ordered=False))
        if not has_scale:
            self.problem(
                path,
                f"a '{kind}' item needs a 'scale'" + (" or 'options'" if kind != "likert" else ""),
                f"add 'scale: <name>' naming one of: {', '.join(scales) or '(define scales: first)'}",
            )
            return None
        if raw["scale"] not in scales:
            self.problem(
                (*path, "scale"),
                f"unknown scale '{raw['scale']}'",
                f"use one of: {', '.join(scales) or '(none defined: add a scales: section)'}",
            )
            return None
        return scales[raw["scale"]]

    def check_type_specific(self, raw: dict[str, Any], path: Path, kind: str) -> None:
        for key in ("domain", "comment"):
            if key in raw:
                self.problem((*path, key), f"'{key}' applies only to role tasks (type: task)", f"remove '{key}'")
        if raw.get("reverse") and kind != "likert":
            self.problem(
                (*path, "reverse"),
                f"only likert items can be reverse-keyed, this is a '{kind}' item",
                "remove 'reverse', or make the item a likert item",
            )
        if kind == "number":
            if "min" not in raw or "max" not in raw:
                self.problem(path, "a number item needs 'min' and 'max'", "add e.g. min: 0 and max: 60")
            elif raw["min"] >= raw["max"]:
                self.problem(
                    (*path, "max"), f"max ({raw['max']}) must be greater than min ({raw['min']})", "swap or correct them"
                )
        else:
            for key in ("min", "max", "integer"):
                if key in raw:
                    self.problem((*path, key), f"'{key}' applies only to number items", f"remove '{key}'")
        if kind not in TEXT_TYPES and "max_length" in raw:
            self.problem((*path, "max_length"), "'max_length' applies only to text and longtext items", "remove it")

    def show_if(self, raw: dict[str, Any], path: Path, earlier: Mapping[str, Item]) -> conditions.Condition | None:
        if "show_if" not in raw:
            return None
        cond_path: Path = (*path, "show_if")
        condition, found = conditions.parse(raw["show_if"])
        for rel, message, fix in found:
            self.problem((*cond_path, *rel), message, fix)
        for ref in conditions.referenced_items(condition):
            if ref == raw["id"]:
                self.problem(cond_path, "an item's show_if refers to the item itself", "refer to an earlier item")
            elif ref not in earlier:
                self.problem(
                    cond_path,
                    f"refers to '{ref}', which is not an earlier item of this instrument",
                    "show_if can only depend on items that come before it; move the item or change the condition",
                )
        if condition is not None:
            self.check_condition_values(condition, cond_path, earlier)
        return condition

    def check_condition_values(self, condition: conditions.Condition, path: Path, earlier: Mapping[str, Item]) -> None:
        if isinstance(condition, conditions.Not):
            self.check_condition_values(condition.part, path, earlier)
            return
        if not isinstance(condition, conditions.Compare):
            for part in condition.parts:
                self.check_condition_values(part, path, earlier)
            return
        target = earlier.get(condition.item)
        if target is None or condition.op == "answered":
            return
        values = condition.value if condition.op == "in" else [condition.value]
        if target.scale is not None and condition.op in ("equals", "in"):
            codes = {o.code for o in target.scale.options + target.scale.missing_options}
            bad = [v for v in values if v not in codes]
            if bad:
                self.problem(path, f"'{condition.item}' has no option with code {bad}", f"use codes from: {sorted(codes)}")
        elif target.type in TEXT_TYPES and condition.op != "equals":
            self.problem(
                path, f"'{condition.op}' compares numbers, but '{condition.item}' is a text item", "use equals or answered"
            )
